# SGNAS unified supernet (CIFAR variant) on the embedded CIFAR-10 subset: the quickstart.
#   python tools/train.py configs/sgnas/supernet.py        (the same config)
# Per iteration the largest subnet on the labels and one uniformly sampled (forced sampling)
# subnet distilled from it in place (sandwich rule + in-place distillation, BigNAS); the
# paper's recipe (uniform sampling only): train_cfg.sandwich=() train_cfg.distill=False.
# Validation on fixed subnets (smallest, largest, two seeded random ones), each its own metric.
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/datasets/cifar10_subset_in_memory.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmsgnas.UnifiedSupernet', variant='cifar'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=1280,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, )),
)

max_epochs = 2
train_cfg = dict(type='mmsgnas.SupernetTrainLoop', max_epochs=max_epochs, val_interval=max_epochs,
                 paths_per_iter=1, sandwich=('largest', ), distill=True)
# each subnet's BN statistics recomputed on 16 training batches before it is evaluated
val_cfg = dict(type='mmsgnas.SubnetValLoop', num_random=2, seed=0, calibrate_bn=16)
# tools/test.py (and mmpretrain's own tools) see the supernet with its active architecture,
# the largest unless set: the val split as the dataset base defines it
test_cfg = dict()

# one loader worker leaves the cores to training
train_dataloader = dict(batch_size=32, num_workers=1)
val_dataloader = dict(num_workers=1)

# released recipe (SGD, cosine per iteration, wd 4e-4, label smoothing 0.1), a warm-up of
# 32 iterations for the short schedule
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=4e-4, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=32),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-4,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=32, enable=False)

# single-path training leaves the inactive kernels' parameters out of each iteration
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=32),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2,
                    save_best='largest/accuracy/top1', rule='greater'),
)
env_cfg = dict(cudnn_benchmark=True)
randomness = dict(seed=0)
