# Searching by generating on the NAS-Bench-201 cell space: N FLOPs targets in, N architectures
# out (one generator forward), evaluated with weights inherited from the NB201 supernet.
#   python tools/test.py configs/sgnas/nb201_search.py work_dirs/nb201_generator/best_generator.pth
# The baselines on the same supernet, evaluator and outputs (no generator checkpoint):
#   python tools/test.py configs/sgnas/nb201_search.py \
#       --cfg-options test_cfg.type=mmsgnas.EvolutionSearchLoop     (or RandomSearchLoop)
# The whole NB201 experiment (supernet, 3 seeds, ground truth, Table 3, Fig. 5):
#   python tools/nb201_benchmark.py
_base_ = ['./search.py', '../_base_/models/nb201_classifier.py']

model = dict(
    supernet={{_base_.nb201_classifier}},
    supernet_checkpoint='work_dirs/nb201_supernet/epoch_60.pth',
    constraint_range=(20.0, 200.0),
    position_bias=True)  # the generator of nb201_generator.py

# the whole val split (1,013 images: one standard error of a top-1 is about 1.6 points at
# 48 %) in one fixed shuffled order: BN normalises by the batch, and the split file is sorted
# by class, so unshuffled batches of 64 hold one class each (measured: random architectures'
# median 17.3 % unshuffled, 47.7 % shuffled, same supernet); nothing to recalibrate
test_dataloader = dict(batch_size=64, sampler=dict(type='DefaultSampler', shuffle=True, seed=0))
test_cfg = dict(targets=[50, 100, 150, 200], num_background=0, calib_batches=0,
                calib_dataloader=None)
