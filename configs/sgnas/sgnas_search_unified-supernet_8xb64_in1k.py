# Searching by generating on ImageNet (paper section 4.1): SGNAS-A/B/C's targets, 365 / 320 /
# 275 MFLOPs, in one generator forward; each architecture scored with weights inherited from
# the supernet on the 20 % split (streamed: far above the evaluator's cache limit), its BN
# statistics recomputed on 8 x 64 images of the supernet's 80 %; the split is sharded over the
# GPUs and the counts summed, so every rank takes the same decisions and rank 0 writes.
#   bash tools/dist_test.sh configs/sgnas/sgnas_search_unified-supernet_8xb64_in1k.py \
#       work_dirs/sgnas_generator_unified-supernet_8xb64-50e_in1k/best_generator.pth 8
_base_ = ['./sgnas_generator_unified-supernet_8xb64-50e_in1k.py']

test_dataloader = dict(
    _delete_=True,
    batch_size=64,
    num_workers=8,
    dataset=dict(
        type={{_base_.dataset_type}},
        data_root={{_base_.train_dataloader.dataset.data_root}},
        split='train',
        ann_file='meta/train_20.txt',
        pipeline={{_base_.test_pipeline}}),
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False))
test_evaluator = dict(_delete_=True, type='Accuracy', topk=(1, ))
test_cfg = dict(
    _delete_=True,
    type='mmsgnas.GeneratorSearchLoop',
    targets=[365, 320, 275],
    calib_batches=8,
    calib_dataloader=dict(
        batch_size=64,
        num_workers=8,
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root={{_base_.train_dataloader.dataset.data_root}},
            split='train',
            ann_file='meta/train_80.txt',
            pipeline={{_base_.test_pipeline}}),
        sampler=dict(type='DefaultSampler', shuffle=True, seed=0)),  # the same in every run
    num_background=20,
    seed=0,
    out_dir='search')
