# The quickstart generator against measured latency on this CPU instead of FLOPs: ONNX Runtime,
# 1 thread, batch 1, from the table tools/latency_table.py caches for this machine.
#   python tools/latency_table.py --space sgnas --variant cifar --runtime onnxruntime
#   python tools/train.py configs/sgnas/sgnas_generator-latency_unified-supernet_1xb64-5e_cifar10-subset.py
_base_ = ['./sgnas_generator_unified-supernet_1xb64-5e_cifar10-subset.py']

model = dict(
    constraint='latency',
    # device='this': a table measured on another CPU is refused
    latency_table=dict(runtime='onnxruntime', threads=1, batch=1, root='work_dirs/latency',
                       device='this'),
    constraint_range=(4.0, 11.0),  # milliseconds
    loss_weight=1e-2,  # per ms^2 (3e-4 per MFLOPs^2, for a range about 6x narrower)
    dead_zone=0.02)
