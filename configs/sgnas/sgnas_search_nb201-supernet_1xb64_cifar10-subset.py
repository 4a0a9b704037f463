# Searching by generating on the NAS-Bench-201 cell space: N FLOPs targets in, N architectures
# out (one generator forward), evaluated with weights inherited from the NB201 supernet.
#   python tools/test.py configs/sgnas/sgnas_search_nb201-supernet_1xb64_cifar10-subset.py \
#       work_dirs/nb201_generator/best_generator.pth [--cfg-options test_cfg.fit_by=generator]
# (fit_by=generator, as the benchmark searches: shrink by the generator's preference)
# The baselines on the same supernet, evaluator and outputs (no generator checkpoint):
#   --cfg-options test_cfg.type=mmsgnas.EvolutionSearchLoop     (or RandomSearchLoop)
# The whole NB201 experiment (supernet, 3 seeds, ground truth, Table 3, Fig. 5):
#   python tools/nb201_benchmark.py
_base_ = ['./sgnas_search_unified-supernet_1xb32_cifar10-subset.py',
          '../_base_/models/nb201_classifier.py']

model = dict(
    supernet=dict(backbone={{_base_.nb201_backbone}}, head={{_base_.nb201_head}}),
    supernet_checkpoint='work_dirs/nb201_supernet/epoch_60.pth',
    constraint_range=(20.0, 200.0),
    position_bias=True,  # the generator of the NB201 generator config
    channels_last=True)  # supernet weights and evaluated batches channels-last

# the whole val split in one fixed shuffled order (BN normalises by the batch and the split
# file is sorted by class); nothing to recalibrate
test_dataloader = dict(batch_size=64,
                       sampler=dict(type='DefaultSampler', shuffle=True, seed=0, round_up=False))
test_cfg = dict(targets=[50, 100, 150, 200], num_background=0, calib_batches=0,
                calib_dataloader=None)
