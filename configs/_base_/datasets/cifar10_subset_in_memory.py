# The embedded CIFAR-10 subset as configs/_base_/datasets/cifar10_subset.py reads it, with
# every image decoded once into memory (mmsgnas.InMemoryCustomDataset, 12 MB for the 5,085
# images): the pipelines start after LoadImageFromFile, the augmentations run per epoch.
_base_ = ['./cifar10_subset.py']

dataset_type = 'mmsgnas.InMemoryCustomDataset'

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(dataset=dict(type=dataset_type, pipeline=train_pipeline))
val_dataset = dict(type=dataset_type, pipeline=test_pipeline)
val_dataloader = dict(dataset=val_dataset)
test_dataloader = val_dataloader
calib_dataloader = dict(dataset=dict(type=dataset_type, pipeline=test_pipeline))
