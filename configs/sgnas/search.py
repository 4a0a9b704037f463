# Searching by generating on the embedded CIFAR-10 data: N targets in, N architectures out
# (one generator forward), each evaluated with weights inherited from the supernet.
#   python tools/test.py configs/sgnas/search.py work_dirs/generator/best_generator.pth
# The baselines on the same evaluator, constraint and outputs (no generator checkpoint):
#   python tools/test.py configs/sgnas/search.py \
#       --cfg-options test_cfg.type=mmsgnas.EvolutionSearchLoop     (or RandomSearchLoop)
_base_ = ['./generator.py']

# batch 32: the evaluation forward is cache-bound on a CPU; measured per 1,013 images on the
# 2-core machine: batch 32 3.9 s, 64 5.0 s, 128 4.9-5.4 s, 256 7.9 s
test_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type={{_base_.dataset_type}},
        data_root={{_base_.data_root}},
        ann_file='meta/val.txt',
        data_prefix='train',
        classes={{_base_.classes}},
        pipeline={{_base_.test_pipeline}}),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = dict(_delete_=True, type='Accuracy', topk=(1, ))
test_cfg = dict(
    _delete_=True,
    type='mmsgnas.GeneratorSearchLoop',
    targets=[85, 95, 105, 115, 120],
    # each architecture's BN statistics recomputed on 4 x 64 training images before it is
    # scored, as the supernet's validation does (its running statistics mix all subnets:
    # measured on the quickstart supernet, generated architectures score at chance without)
    calib_batches=4,
    calib_dataloader=dict(
        batch_size=64,
        num_workers=0,
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root={{_base_.data_root}},
            ann_file='meta/train.txt',
            data_prefix='train',
            classes={{_base_.classes}},
            pipeline={{_base_.test_pipeline}}),
        sampler=dict(type='DefaultSampler', shuffle=True)),
    num_background=100,
    seed=0,
    out_dir='search')
