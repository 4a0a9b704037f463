# SGNAS unified supernet on ImageNet-1k, following the paper's recipe and the released code:
# 50 epochs, SGD momentum 0.9, cosine per iteration, weight decay 4e-4, label smoothing 0.1,
# batch 8 x 128 (lr scales linearly: 0.064 at batch 128 -> 0.512 at 1024), 4 sampled paths
# per iteration with summed gradients. Data under data/imagenet (mmpretrain's layout); the
# supernet trains on 80 % of ImageNet train, the generator on the other 20 % (the paper's
# split; python tools/dataset_converters/split_imagenet_train.py data/imagenet writes both).
#   bash tools/dist_train.sh configs/sgnas/sgnas_unified-supernet_8xb128_in1k.py 8
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs64.py',
    'mmpretrain::_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmsgnas.UnifiedSupernet', variant='imagenet'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1280,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5)),
)

train_dataloader = dict(batch_size=128, num_workers=8,
                        dataset=dict(ann_file='meta/train_80.txt', data_prefix='train'))
val_dataloader = dict(batch_size=128, num_workers=8)

max_epochs = 50
train_cfg = dict(type='mmsgnas.SupernetTrainLoop', max_epochs=max_epochs, val_interval=5,
                 paths_per_iter=4)
val_cfg = dict(type='mmsgnas.SubnetValLoop', num_random=3, seed=0)
test_cfg = dict()  # tools/test.py: the supernet with its active (largest) architecture

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.512, momentum=0.9, weight_decay=4e-4, nesterov=True))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
                       eta_min=0, convert_to_iter_based=True)
auto_scale_lr = dict(base_batch_size=1024)

model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                    save_best='largest/accuracy/top1', rule='greater'))
