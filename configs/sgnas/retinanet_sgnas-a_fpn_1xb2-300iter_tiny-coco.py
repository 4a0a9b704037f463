# RetinaNet + SGNAS-A on the embedded tiny COCO set (data/tiny_coco: 50 train2017 + 50
# val2017 real images): a CPU-sized run of retinanet_sgnas-a_fpn_1x_coco.py. Smaller input
# (longest side 320), batch 2, 300 iterations, one COCO evaluation (mmdet's CocoMetric, the
# full bbox AP table) at the end. No ImageNet checkpoint on a CPU machine: the backbone
# starts from scratch (its BNs train), or from any mmpretrain classifier checkpoint of the same
# architecture (keys 'backbone.*' match the detector's), e.g. the quickstart's CIFAR one:
#   python tools/train.py configs/sgnas/retinanet_sgnas-a_fpn_1xb2-300iter_tiny-coco.py \
#       --cfg-options load_from=<classifier .pth>
# Any searched architecture: --cfg-options model.backbone.arch=<search dir>/arch_<T>M.json
_base_ = './retinanet_sgnas-a_fpn_1x_coco.py'

data_root = '{{fileDirname}}/../../data/tiny_coco/'
scale = (320, 320)
max_iters = 300

model = dict(
    backbone=dict(
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=[
            dict(type='Kaiming', layer=['Conv2d']),
            dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
        ]))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[200, 275], gamma=0.1)
]
# batch 2 at a higher lr than the linear rule's 0.00125, so a few hundred iterations move
# the loss; clipped as mmdet does for short schedules
optim_wrapper = dict(optimizer=dict(lr=0.005), clip_grad=dict(max_norm=35, norm_type=2))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters))
log_processor = dict(by_epoch=False)
