# SGNAS architecture generator on the frozen quickstart supernet (the reduced-cost proxy),
# trained on the validation split (Algorithm 1).
#   python tools/train.py configs/sgnas/sgnas_generator_unified-supernet_1xb64-5e_cifar10-subset.py \
#       --cfg-options model.supernet_checkpoint=work_dirs/quickstart/supernet/epoch_24.pth
_base_ = ['./sgnas_unified-supernet-proxy_1xb64-24e_cifar10-subset.py']

model = dict(
    _delete_=True,
    type='mmsgnas.SGNASGenerator',
    supernet={{_base_.model}},
    supernet_checkpoint='work_dirs/quickstart/supernet/epoch_24.pth',
    data_preprocessor={{_base_.data_preprocessor}},
    constraint_range=(80.0, 120.0),
    prior_pool_size=100,
    loss_form='asymmetric',
    loss_weight=3e-4,
    tau=5.0,
    # BN normalises by the batch in the generator's forwards (the supernet's running
    # statistics mix all paths)
    bn_mode='batch',
    # a learned logit per position next to the released convolutional generator (the search
    # configs inherit this model, so every quickstart generator loads into them)
    position_bias=True,
    # CE of the generated (fitted) and of a random fitted architecture, every 4th iteration
    monitor_interval=4)

# the generator learns on the split the supernet never trained on
train_dataloader = dict(batch_size=64, dataset=dict(ann_file='meta/val.txt'))
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None  # the search configs test a generator
test_evaluator = None
test_cfg = None

max_epochs = 5
train_cfg = dict(_delete_=True, type='mmsgnas.GeneratorTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=0))
param_scheduler = None
custom_hooks = [dict(type='mmsgnas.GeneratorHook', tau0=5.0, decay=0.95, num_targets=20)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=4),
    checkpoint=dict(_delete_=True, type='CheckpointHook', interval=1, max_keep_ckpts=2))
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=False)
