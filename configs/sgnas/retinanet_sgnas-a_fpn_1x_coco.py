# RetinaNet with the SGNAS-A backbone (SE + h-swish) on COCO 2017, the paper's transfer
# setting: 12 epochs, batch 16 (8 GPUs x 2), SGD lr 0.01, momentum 0.9, weight decay 1e-4,
# lr x0.1 at epochs 8 and 11. FPN on the stride-8/16/32 block outputs; the backbone starts
# from an ImageNet checkpoint of sgnas-a_8xb32_in1k.py through init_cfg (prefix 'backbone.').
#   bash tools/dist_train.sh configs/sgnas/retinanet_sgnas-a_fpn_1x_coco.py 8
# Any searched architecture: --cfg-options model.backbone.arch=<search dir>/arch_<T>M.json
# (and a checkpoint of that architecture).
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'

# the ImageNet classifier of sgnas-a_8xb32_in1k.py (its state dict keys start with backbone.)
pretrained = 'work_dirs/sgnas-a_8xb32_in1k/epoch_300.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmsgnas.SGNASNet',
        arch='SGNAS-A',
        variant='imagenet',
        with_se=True,
        act_cfg=dict(type='HSwish'),
        # the last block of each resolution: stride 8 (40 ch), 16 (96 ch), 32 (320 ch);
        # SGNASNet(...).out_channels[i] gives the channels of any index i
        out_indices=(5, 13, 18),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[40, 96, 320], start_level=0, add_extra_convs='on_input',
              num_outs=5),
)

# the paper: batch 16, lr 0.01 (mmdet's default for RetinaNet at batch 16 is 0.01 too)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=False, base_batch_size=16)
