# A searched architecture trained from scratch on the embedded CIFAR-10 subset (4,072 train /
# 1,013 val real images), CIFAR variant (32x32 input), with the SE + h-swish blocks of the
# published nets. SGD + cosine, short: a CPU-sized check that a searched net trains, not a
# benchmark. SGNAS-C by default; any search output instead:
#   python tools/train.py configs/sgnas/sgnas-c_1xb32_cifar10-subset.py \
#       --cfg-options model.backbone.arch=<search dir>/arch_<T>M.json
# (configs/sgnas/sgnas-searched_1xb32_cifar10-subset.py reads the quickstart's search output.)
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/datasets/cifar10_subset.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='mmsgnas.SGNASNet',
        arch='SGNAS-C',
        variant='cifar',
        with_se=True,
        act_cfg=dict(type='HSwish')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='mmsgnas.DropoutLinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=1280,
        dropout_rate=0.2,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, )),
)

max_epochs = 10
train_dataloader = dict(batch_size=32, num_workers=1)
val_dataloader = dict(num_workers=1)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=4e-5, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, eta_min=1e-4,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=32)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=32),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
randomness = dict(seed=0)
