# Searching by generating on the embedded CIFAR-10 data: N targets in, N architectures out
# (one generator forward), each evaluated with weights inherited from the supernet.
#   python tools/test.py configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py \
#       work_dirs/quickstart/generator/best_generator.pth
# The baselines on the same evaluator, constraint and outputs (no generator checkpoint):
#   --cfg-options test_cfg.type=mmsgnas.EvolutionSearchLoop     (or RandomSearchLoop)
_base_ = ['./sgnas_generator_unified-supernet_1xb64-5e_cifar10-subset.py']

# the val split, unshuffled; batch 32 is the fastest evaluation forward on a CPU
test_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=2,
    dataset={{_base_.val_dataset}},
    # round_up=False: under DDP every image is counted once (shards are not padded)
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False))
test_evaluator = dict(_delete_=True, type='Accuracy', topk=(1, ))
test_cfg = dict(
    _delete_=True,
    type='mmsgnas.GeneratorSearchLoop',
    targets=[85, 95, 105, 115, 120],
    # each architecture's BN statistics recomputed on 4 x 64 training images before it is
    # scored, as the supernet's validation does
    calib_batches=4,
    calib_dataloader={{_base_.calib_dataloader}},
    num_background=100,
    seed=0,
    out_dir='search')
