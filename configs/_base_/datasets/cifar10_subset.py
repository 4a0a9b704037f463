# The embedded CIFAR-10 subset (data/cifar10_subset, 4,072 train / 1,013 val, 32x32 PNG),
# read through mmpretrain's CustomDataset and the usual pipeline. The path is resolved from
# this file, so the config works from any working directory (and from an installed package).
# Every NAS stage takes its data from here: for your own ImageNet-style folder, change this
# file (data_root, classes, num_classes, the normalisation and pipelines) and nothing else.
dataset_type = 'CustomDataset'
data_root = '{{fileDirname}}/../../../data/cifar10_subset/'
classes = data_root + 'meta/classes.txt'
num_classes = 10

data_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=num_classes,
    # RGB means / stds of CIFAR-10; PNGs are read in BGR order, hence to_rgb
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='train',
        classes=classes,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
# the val split: supernet validation, the generator's training data, the search's evaluation
val_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='meta/val.txt',
    data_prefix='train',
    classes=classes,
    pipeline=test_pipeline)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    dataset=val_dataset,
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
# the training split without augmentation: batches for BN recalibration during the search
calib_dataloader = dict(
    batch_size=64,
    num_workers=0,
    dataset=dict(train_dataloader['dataset'], pipeline=test_pipeline),
    # seeded: the same calibration batches in every run (and every number of processes)
    sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
)
