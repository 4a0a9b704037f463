# The quickstart generator against measured latency on this CPU instead of FLOPs: ONNX Runtime,
# 1 thread, batch 8, from the table tools/latency_table.py caches for this machine.
#   python tools/latency_table.py --space sgnas --variant cifar --runtime onnxruntime --batch 8
#   python tools/train.py configs/sgnas/sgnas_generator-latency_unified-supernet_1xb64-40e_cifar10-subset.py
_base_ = ['./sgnas_generator-reinforce_unified-supernet_1xb64-40e_cifar10-subset.py']

model = dict(
    constraint='latency',
    # device='this': a table measured on another CPU is refused
    latency_table=dict(runtime='onnxruntime', threads=1, batch=8, root='work_dirs/latency',
                       device='this'),
    constraint_range=(7.0, 19.0),  # milliseconds
    loss_weight=3e-3,  # per ms^2: 3e-4 per MFLOPs^2 scaled to a range about 3.3x narrower
    dead_zone=0.02)
