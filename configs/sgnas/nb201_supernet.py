# NAS-Bench-201 cell supernet on the embedded CIFAR-10 subset, trained by uniform sampling of
# one op per edge (as SETN) with the same supernet loop as the SGNAS space.
#   python tools/train.py configs/sgnas/nb201_supernet.py
# Validation on fixed subnets: smallest (skip on every edge), largest (3x3 conv on every edge)
# and two seeded random ones.
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/datasets/cifar10_subset.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmsgnas.NB201Supernet'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )),
)

max_epochs = 5
train_cfg = dict(type='mmsgnas.SupernetTrainLoop', max_epochs=max_epochs, val_interval=max_epochs,
                 paths_per_iter=1)
val_cfg = dict(type='mmsgnas.SubnetValLoop', num_random=2, seed=0)
test_cfg = None
test_dataloader = None
test_evaluator = None

train_dataloader = dict(batch_size=64, num_workers=1)
val_dataloader = dict(num_workers=1)

# NB201's own recipe (SGD nesterov, lr 0.1 cosine, wd 5e-4) at batch 64
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
                       eta_min=0, convert_to_iter_based=True)
auto_scale_lr = dict(base_batch_size=64, enable=False)

model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=16),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best='largest/accuracy/top1', rule='greater'),
)
randomness = dict(seed=0)
