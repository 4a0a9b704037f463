# The NAS-Bench-201 generator trained as the quickstart's (REINFORCE, 8 fitted samples per
# iteration, entropy bonus, unaugmented batches), with settings of its own, chosen by
# measurement (configs/sgnas/README.md): a stronger entropy bonus (0.5 on 6 positions, against
# 0.2 on 19 x 6: with 0.2 two of three seeds collapsed to one cell); no growing in budget
# fitting (this supernet scores cheap cells as well as dear ones, so filling the budget with
# convolutions only hides the cells it prefers); and self-imitation: the best fitted samples
# of each part of the range, re-scored, are imitated, so the cheap end, where cells differ by
# about one batch's noise, is learned too; two mutants of the memory's entries are scored each
# iteration (outside the estimate), so the memory also explores, as evolution does, and 120
# epochs give it the iterations to. Samples, memory and sweep score top-1 error, as the
# search does, not CE. The kept generator is the epoch whose generated architectures score
# the lowest error on the same 256 images at the sweep's 20 targets.
#   python tools/train.py \
#       configs/sgnas/sgnas_generator-reinforce_nb201-supernet_1xb128-120e_cifar10-subset.py \
#       --cfg-options model.supernet_checkpoint=work_dirs/nb201_supernet/epoch_60.pth
# Search with it as it was trained (a search model that fills the budget refuses it):
#   python tools/test.py configs/sgnas/sgnas_search_nb201-supernet_1xb64_cifar10-subset.py \
#       <work_dir>/best_generator.pth --cfg-options model.fill_tolerance=None
_base_ = ['./sgnas_generator_nb201-supernet_1xb64-20e_cifar10-subset.py']

model = dict(estimator='reinforce', num_samples=8, entropy_weight=0.5, tau=1.0,
             fill_tolerance=None, self_imitation=dict(bins=20, size=3, weight=1.0, mutations=2),
             reward='error', channels_last=True)

train_dataloader = dict(batch_size=128, dataset=dict(pipeline=[dict(type='PackInputs')]))
optim_wrapper = dict(optimizer=dict(lr=1e-3))

max_epochs = 120
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = [dict(type='mmsgnas.GeneratorHook', tau0=1.0, tau_end=1.0, num_targets=20,
                     best_by='sweep', sweep_images=256)]
