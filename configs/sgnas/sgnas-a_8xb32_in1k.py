# SGNAS-A (373 MFLOPs, 6.0 M params with SE + h-swish) trained from scratch on ImageNet-1k
# with the published recipe. Data under data/imagenet (mmpretrain's layout).
#   bash tools/dist_train.sh configs/sgnas/sgnas-a_8xb32_in1k.py 8
# SGNAS-B / -C inherit this file and change only the architecture.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/schedules/sgnas_rmsprop_in1k.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='mmsgnas.SGNASNet',
        arch='SGNAS-A',
        variant='imagenet',
        with_se=True,
        act_cfg=dict(type='HSwish'),
        # BN momentum 0.001 in torch's convention (0.999 in TF's), as the released code
        norm_cfg=dict(type='BN', momentum=0.001)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='mmsgnas.DropoutLinearClsHead',
        num_classes=1000,
        in_channels=1280,
        dropout_rate=0.2,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5)),
)
