# The published from-scratch recipe of SGNAS-A/B/C (design reference section 5, from the
# authors' released code): RMSprop, TF style (alpha 0.9, momentum 0.9, eps 1e-3 inside the
# square root, i.e. sqrt(1e-3) = 0.0316 in torch's convention, as mmpretrain's MobileNetV3
# config does), lr 0.016 at batch 256 (the paper's 0.16 is a typo) warmed up linearly over 5
# epochs, then x0.963 every 3 epochs; weight decay 1e-5; EMA of the weights.
# The paper does not state the length; 300 epochs as mmpretrain's MobileNetV2 recipe.
max_epochs = 300
warmup_epochs = 5

optim_wrapper = dict(
    optimizer=dict(type='RMSprop', lr=0.016, alpha=0.9, momentum=0.9, eps=0.0316,
                   weight_decay=1e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='StepLR', by_epoch=True, begin=warmup_epochs, end=max_epochs, step_size=3,
         gamma=0.963),
]

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]

# base_batch_size = (8 GPUs) x (32 samples per GPU)
auto_scale_lr = dict(base_batch_size=256)
