# One NAS-Bench-201 cell trained from scratch on the embedded CIFAR-10 subset (4,072 train /
# 1,013 val real images, decoded once into memory), with the NB201 supernet's recipe (SGD
# nesterov, wd 5e-4, cosine after one warm-up epoch, 60 epochs) and the reduced-cost proxy's
# depth (1 cell per stage; the benchmark's networks: model.backbone.cells_per_stage=5).
# The benchmark's best CIFAR-10 cell by default; any searched cell instead:
#   python tools/train.py configs/sgnas/nb201-net_1xb64-60e_cifar10-subset.py \
#       --cfg-options "model.backbone.arch=|nor_conv_3x3~0|+|...|"
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/datasets/cifar10_subset_in_memory.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='mmsgnas.NB201Net',
        arch='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|'
        '+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
        cells_per_stage=1,
        channels_last=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=64,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, )),
)

max_epochs = 60
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()

# one loader worker leaves the cores to training
train_dataloader = dict(batch_size=64, num_workers=1, persistent_workers=True)
val_dataloader = dict(num_workers=1)

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, eta_min=1e-4,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=64)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=64),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1))
randomness = dict(seed=0)
