# Few-shot NAS's split of the NB201 supernet on edge 0->3: five sub-supernets (one per op on
# that edge), each initialised from the trained supernet of
# sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py and fine-tuned on its own group of cells,
# one sub-supernet an iteration in turn (50 epochs: 10 epochs' steps each), the head shared.
#   python tools/train.py configs/sgnas/sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py
#   python tools/train.py configs/sgnas/sgnas_nb201-supernet-split_1xb64-50e_cifar10-subset.py
_base_ = ['./sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py']

model = dict(
    backbone=dict(_delete_=True, type='mmsgnas.NB201SplitSupernet', split_edge=3,
                  cells_per_stage=1, channels_last=True))
load_from = 'work_dirs/sgnas_nb201-supernet_1xb64-60e_cifar10-subset/epoch_60.pth'

max_epochs = 50
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
# fine-tuning: cosine from a fifth of the supernet's learning rate, no warm-up
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-4,
         convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
