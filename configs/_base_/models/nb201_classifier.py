# The NAS-Bench-201 cell supernet in an mmpretrain classifier, as the parts that replace the
# unified supernet's in a config inheriting it (the classes come from the dataset base):
#   model = dict(backbone={{_base_.nb201_backbone}}, head={{_base_.nb201_head}})
# One cell per stage: the reduced-cost proxy for CPU runs (the benchmark's networks have 5;
# the FLOPs table and the search space are theirs either way).
nb201_backbone = dict(_delete_=True, type='mmsgnas.NB201Supernet', cells_per_stage=1)
nb201_head = dict(in_channels=64, loss=dict(_delete_=True, type='CrossEntropyLoss'))
