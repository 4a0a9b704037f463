# NAS-Bench-201 cell supernet on the embedded CIFAR-10 subset, trained by uniform sampling of
# one op per edge (as SETN) with the same supernet loop and validation as the SGNAS
# quickstart (configs/sgnas/supernet.py); the model, optimiser and length differ.
#   python tools/train.py configs/sgnas/nb201_supernet.py
# Validation on fixed subnets: smallest (skip on every edge), largest (3x3 conv on every edge)
# and two seeded random ones. BN normalises by the batch (NB201Supernet's default, as SETN).
_base_ = ['./supernet.py', '../_base_/models/nb201_classifier.py']

model = {{_base_.nb201_classifier}}

# NB201's own recipe (SGD nesterov, wd 5e-4, cosine) at batch 64; 64 iterations an epoch
# at about 0.5 s each on the 2-core machine
max_epochs = 15
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
train_dataloader = dict(batch_size=64)
optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, eta_min=1e-4,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=64)
