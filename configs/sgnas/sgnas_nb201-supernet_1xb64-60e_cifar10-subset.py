# NAS-Bench-201 cell supernet on the embedded CIFAR-10 subset: the all-3x3 cell and two
# uniformly sampled cells per step, the sampled ones distilled from the all-3x3 one in place
# (sandwich rule + in-place distillation, as the quickstart's), BN by batch statistics, on the
# reduced-cost proxy for CPU runs (1 cell per stage instead of the benchmark's 5; the space and
# its FLOPs table are the benchmark's). Runtime, data and validation on fixed subnets are the
# quickstart's.
#   python tools/train.py configs/sgnas/sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py
# Uniform sampling only (SETN's recipe):
#   --cfg-options "train_cfg.sandwich=[]" train_cfg.distill=False train_cfg.paths_per_iter=1
# The benchmark's own 5-cell supernet: --cfg-options model.backbone.cells_per_stage=5
_base_ = ['./sgnas_unified-supernet_1xb32-2e_cifar10-subset.py',
          '../_base_/models/nb201_classifier.py']

model = dict(backbone={{_base_.nb201_backbone}}, head={{_base_.nb201_head}})

max_epochs = 60
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs, paths_per_iter=2,
                 sandwich=('largest', ), distill=True)
# nothing to recalibrate: BN normalises by the batch
val_cfg = dict(calibrate_bn=0)
train_dataloader = dict(batch_size=64, persistent_workers=True)
# BN by the batch: validation batches mixed over classes (the split file is class-sorted)
val_dataloader = dict(sampler=dict(type='DefaultSampler', shuffle=True, seed=0))
test_dataloader = val_dataloader

# SGD nesterov, wd 5e-4, cosine after one warm-up epoch
optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, eta_min=1e-4,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(interval=64),
    checkpoint=dict(interval=10, max_keep_ckpts=2))
