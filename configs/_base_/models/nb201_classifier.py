# The NAS-Bench-201 cell supernet as an mmpretrain classifier, for CIFAR-10. A variable, not
# ``model``, so that configs inheriting another model can take it: ``_delete_`` makes it
# replace (not merge into) the model or ``supernet`` it is assigned to. One cell per stage:
# the reduced-cost proxy for CPU runs (the benchmark's networks have 5; the FLOPs table and
# the search space are theirs either way).
nb201_classifier = dict(
    _delete_=True,
    type='ImageClassifier',
    backbone=dict(type='mmsgnas.NB201Supernet', cells_per_stage=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
