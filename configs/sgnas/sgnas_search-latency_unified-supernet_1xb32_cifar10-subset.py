# Search for 8 / 12 / 16 ms on this CPU (ONNX Runtime, 1 thread, batch 8): the generator of
# sgnas_generator-latency_unified-supernet_1xb64-40e_cifar10-subset.py, one forward; the results
# table shows each architecture's predicted and measured latency and its FLOPs.
#   python tools/test.py configs/sgnas/sgnas_search-latency_unified-supernet_1xb32_cifar10-subset.py \
#       work_dirs/sgnas_generator-latency_unified-supernet_1xb64-40e_cifar10-subset/best_generator.pth
_base_ = ['./sgnas_search_unified-supernet_1xb32_cifar10-subset.py']

model = dict(  # the generator config's model
    constraint='latency',
    latency_table=dict(runtime='onnxruntime', threads=1, batch=8, root='work_dirs/latency',
                       device='this'),
    constraint_range=(7.0, 19.0),
    loss_weight=3e-3,
    dead_zone=0.02)

test_cfg = dict(targets=[8, 12, 16], out_dir='search_latency')
