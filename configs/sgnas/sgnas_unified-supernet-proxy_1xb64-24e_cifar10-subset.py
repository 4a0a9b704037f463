# SGNAS unified supernet on the embedded CIFAR-10 subset, as a reduced-cost proxy for CPU runs:
# half the channels, layer 0 at stride 2, the 3x3 and 5x5 depthwise kernels the centres of the
# 7x7 (the space, its FLOPs table and the static SGNASNet stay the CIFAR variant's). About 8x
# cheaper a step than the CIFAR variant, so 24 epochs fit where it trained 2; the recipe is
# the quickstart's (largest + one sampled subnet per step, in-place distillation).
#   python tools/train.py configs/sgnas/sgnas_unified-supernet-proxy_1xb64-24e_cifar10-subset.py
_base_ = ['./sgnas_unified-supernet_1xb32-2e_cifar10-subset.py']

model = dict(
    backbone=dict(width_mult=0.5, proxy_stride=2, shared_kernels=True))

max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
train_dataloader = dict(batch_size=64)
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=64),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-4,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(logger=dict(interval=64))
