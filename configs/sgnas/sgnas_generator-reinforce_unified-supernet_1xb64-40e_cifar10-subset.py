# The quickstart generator: the architecture generator of the config below, trained by the
# score-function (REINFORCE) estimator instead of the paper's Gumbel-softmax forward. Each
# iteration draws 8 architectures at its target, fits each to the target as the search does,
# scores them on the same batch and credits the fitted ones; an entropy bonus keeps the
# distribution from collapsing early. Chosen by measurement (configs/sgnas/README.md).
#   python tools/train.py configs/sgnas/sgnas_generator-reinforce_unified-supernet_1xb64-40e_cifar10-subset.py \
#       --cfg-options model.supernet_checkpoint=work_dirs/quickstart/supernet/epoch_24.pth
_base_ = ['./sgnas_generator_unified-supernet_1xb64-5e_cifar10-subset.py']

model = dict(estimator='reinforce', num_samples=8, entropy_weight=0.2, tau=1.0,
             monitor_interval=1)

# unaugmented: the samples of an iteration are compared on the images the search scores
train_dataloader = dict(dataset=dict(pipeline=[dict(type='PackInputs')]))

max_epochs = 40
train_cfg = dict(max_epochs=max_epochs)
# constant sampling temperature; the kept generator is the epoch whose fitted architectures
# had the lowest CE
custom_hooks = [dict(type='mmsgnas.GeneratorHook', tau0=1.0, tau_end=1.0, num_targets=20,
                     best_by='ce')]
