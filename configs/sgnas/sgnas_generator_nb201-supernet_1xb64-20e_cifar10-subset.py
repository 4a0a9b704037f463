# The architecture generator on the NAS-Bench-201 cell space: the same model, loop and hook
# as the quickstart generator, over the 6 x 5 edge encoding of the NB201 supernet.
#   python tools/train.py configs/sgnas/sgnas_generator_nb201-supernet_1xb64-20e_cifar10-subset.py \
#       --cfg-options model.supernet_checkpoint=work_dirs/nb201_supernet/epoch_60.pth
_base_ = ['./sgnas_generator_unified-supernet_1xb64-5e_cifar10-subset.py',
          '../_base_/models/nb201_classifier.py']

model = dict(
    supernet=dict(backbone={{_base_.nb201_backbone}}, head={{_base_.nb201_head}}),
    supernet_checkpoint='work_dirs/nb201_supernet/epoch_60.pth',
    # the benchmark's FLOPs span 7.78 to 220.12 M at 32x32
    constraint_range=(20.0, 200.0),
    # a learned logit per edge and op next to the released convolutional generator
    position_bias=True,
    monitor_interval=1)

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=3e-3))
# the temperature falls per iteration from 5 to 0.5; the kept generator is the epoch whose
# fitted architectures had the lowest CE
custom_hooks = [dict(type='mmsgnas.GeneratorHook', tau0=5.0, tau_end=0.5, num_targets=20,
                     best_by='ce')]
