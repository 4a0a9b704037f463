# SGNAS architecture generator on the frozen ImageNet supernet (paper section 4.1, Algorithm
# 1): trained on the 20 % of ImageNet train the supernet never saw, targets uniform in
# [270, 450] MFLOPs, Adam 1e-3, temperature 5 * 0.95^epoch, 50 epochs.
#   bash tools/dist_train.sh configs/sgnas/sgnas_generator_unified-supernet_8xb64-50e_in1k.py 8 \
#       --cfg-options model.supernet_checkpoint=work_dirs/sgnas_unified-supernet_8xb128_in1k/epoch_50.pth
_base_ = ['./sgnas_unified-supernet_8xb128_in1k.py']

model = dict(
    _delete_=True,
    type='mmsgnas.SGNASGenerator',
    supernet={{_base_.model}},
    supernet_checkpoint='work_dirs/sgnas_unified-supernet_8xb128_in1k/epoch_50.pth',
    data_preprocessor={{_base_.data_preprocessor}},
    constraint_range=(270.0, 450.0),
    prior_pool_size=100,
    loss_form='asymmetric',
    loss_weight=3e-4,
    tau=5.0,
    bn_mode='batch',
    monitor_interval=16)

train_dataloader = dict(batch_size=64, dataset=dict(ann_file='meta/train_20.txt'))
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None  # the search config tests a generator
test_evaluator = None
test_cfg = None

max_epochs = 50
train_cfg = dict(_delete_=True, type='mmsgnas.GeneratorTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=0))
param_scheduler = None
auto_scale_lr = None
custom_hooks = [dict(type='mmsgnas.GeneratorHook', tau0=5.0, decay=0.95, num_targets=20)]
default_hooks = dict(
    checkpoint=dict(_delete_=True, type='CheckpointHook', interval=1, max_keep_ckpts=2))
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=False)
