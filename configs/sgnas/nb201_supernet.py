# NAS-Bench-201 cell supernet on the embedded CIFAR-10 subset, trained by uniform sampling of
# one op per edge (as SETN) with the same supernet loop, validation and schedule as the SGNAS
# quickstart (configs/sgnas/supernet.py); only the model and the optimiser differ.
#   python tools/train.py configs/sgnas/nb201_supernet.py
# Validation on fixed subnets: smallest (skip on every edge), largest (3x3 conv on every edge)
# and two seeded random ones.
_base_ = ['./supernet.py']

model = dict(
    _delete_=True,
    type='ImageClassifier',
    backbone=dict(type='mmsgnas.NB201Supernet'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )),
)

# NB201's own recipe (SGD nesterov, wd 5e-4) at batch 64
train_dataloader = dict(batch_size=64)
optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))
auto_scale_lr = dict(base_batch_size=64)
