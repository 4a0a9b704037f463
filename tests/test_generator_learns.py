"""The generator learns which architecture is best under a budget, not only the budget.

A small NB201 proxy supernet is trained for a few hundred steps on real CIFAR images; then
one op (``nor_conv_1x1``) is crippled on every edge (it outputs noise), so every
architecture that uses it is clearly worse. A 1x1 conv is the cheap way to spend a FLOPs
budget in this space, so a generator that followed only the constraint would use it; one that
learns from the supernet's CE must avoid it and beat random architectures of the space.
The generator has its per-position logit bias here (a convolutional generator alone learns
"op k is bad on every edge" only through the prior's pattern; measured: share of the crippled
op 0.10-0.23 without it, 0.0 with it, same run otherwise). Both Runners are seeded; Adam at
lr 1e-2 collapsed to one architecture at chance (all ``none`` or all 1x1) in 2 of 5 seeds,
lr 3e-3 passed in each of the 6 seeds tried, generated CE 0.14-0.28 under random.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from conftest import NB201_GENERATOR_CONFIG, NB201_SUPERNET_CONFIG, REPO
from mmsgnas.models.nb201_supernet import SuperCell

CRIPPLED = 'nor_conv_1x1'
RANGE = (30.0, 120.0)
DATA = osp.join(REPO, 'data', 'cifar10_subset')


class Noise(torch.nn.Module):
    """An op whose output carries nothing about its input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 10.0 * torch.randn_like(x)


def dataset(ann_file: str, indices, augment: bool) -> dict:
    aug = [dict(type='RandomCrop', crop_size=32, padding=4),
           dict(type='RandomFlip', prob=0.5, direction='horizontal')] if augment else []
    return dict(type='mmsgnas.InMemoryCustomDataset', data_root=DATA, ann_file=ann_file,
                data_prefix='train', classes=osp.join(DATA, 'meta', 'classes.txt'),
                indices=indices, pipeline=aug + [dict(type='PackInputs')])


def loader(ann_file: str, indices, batch_size: int, augment: bool = False) -> dict:
    return dict(batch_size=batch_size, num_workers=0, dataset=dataset(ann_file, indices, augment),
                sampler=dict(type='DefaultSampler', shuffle=True),
                collate_fn=dict(type='default_collate'))


def nb201_cfg(work_dir: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_SUPERNET_CONFIG))
    cfg.work_dir = work_dir
    cfg.experiment_name = 'learns_supernet'
    cfg.train_dataloader = loader('meta/train.txt', list(range(0, 4072, 4)), 32, augment=True)
    cfg.train_cfg.update(max_epochs=8, val_interval=100)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=8,
                                eta_min=1e-3, convert_to_iter_based=True)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=8)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    cfg.log_level = 'WARNING'
    return cfg


def cripple(supernet) -> None:
    for cell in supernet.backbone.cells:
        if isinstance(cell, SuperCell):
            for edge in cell.edges:
                edge[CRIPPLED] = Noise()


@pytest.fixture(scope='module')
def supernet_checkpoint(tmp_path_factory) -> str:
    """The small proxy supernet, trained once for the estimators' tests."""
    work_dir = tmp_path_factory.mktemp('learns') / 'supernet'
    torch.manual_seed(0)
    init_default_scope('mmpretrain')
    supernet_cfg = nb201_cfg(str(work_dir))
    supernet_cfg.randomness = dict(seed=0)
    Runner.from_cfg(supernet_cfg).train()
    return str(work_dir / 'epoch_8.pth')


# the paper's Gumbel-softmax (temperature 5 -> 0.5) and REINFORCE (sampling temperature 1),
# also as the NB201 REINFORCE config trains it (no budget filling, entropy bonus 0.5,
# self-imitation, samples scored by top-1 error)
ESTIMATORS = {'gumbel': dict(tau0=5.0, tau_end=0.5, lr=3e-3),
              'reinforce': dict(tau0=1.0, tau_end=1.0, lr=1e-3),
              'reinforce-self-imitation': dict(
                  tau0=1.0, tau_end=1.0, lr=1e-3,
                  model=dict(fill_tolerance=None, entropy_weight=0.5,
                             self_imitation=dict(bins=5), reward='error'))}


@pytest.mark.slow
@pytest.mark.parametrize('estimator', list(ESTIMATORS))
def test_generator_learns_to_avoid_a_crippled_op(tmp_path, supernet_checkpoint, estimator):
    init_default_scope('mmpretrain')
    ckpt = supernet_checkpoint
    setting = ESTIMATORS[estimator]
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_GENERATOR_CONFIG))
    cfg.work_dir = str(tmp_path / 'generator')
    cfg.experiment_name = 'learns_generator'
    cfg.model.supernet_checkpoint = ckpt
    cfg.model.constraint_range = RANGE
    cfg.model.position_bias = True
    cfg.model.estimator = estimator.split('-')[0]
    cfg.model.update(setting.get('model', {}))
    cfg.randomness = dict(seed=0)
    cfg.optim_wrapper.optimizer.lr = setting['lr']
    cfg.train_dataloader = loader('meta/val.txt', list(range(0, 1013, 2)), 32)
    cfg.train_cfg.max_epochs = 8
    cfg.custom_hooks = [dict(type='mmsgnas.GeneratorHook', tau0=setting['tau0'],
                             tau_end=setting['tau_end'], num_targets=5)]
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=8)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    model = runner.model
    cripple(model.supernet)
    runner.train()
    assert abs(model.tau - setting['tau_end']) < 1e-6  # the schedule ends at tau_end
    if model.elites is not None:  # the memory was filled and re-scored
        assert max(e['count'] for part in model.elites.entries for e in part) >= 2
    # the Runner's init_weights() left the trained supernet as loaded
    trained = torch.load(ckpt, map_location='cpu')['state_dict']
    for key, value in model.supernet.state_dict().items():
        assert torch.equal(value, trained[key]), key

    # the generator's choices avoid the crippled op (a random architecture has it on 1 edge
    # in 5), as generated (budget fitting moves along none, skip, pool, 1x1, 3x3, so it
    # can bring the crippled op back: quality-blind, the search's step after the generator)
    targets = torch.linspace(*RANGE, 5).tolist()
    model.eval()
    raw = model.generate(targets)
    share = sum(op == CRIPPLED for arch in raw for op in arch) / (6 * len(raw))
    assert share <= 0.1, (share, raw)

    # and they score better than random architectures of the space (on 4 batches)
    batches = [model.data_preprocessor(b, False) for _, b in zip(range(4),
                                                                 runner.train_dataloader)]
    sampler = model.space.sampler(123)
    randoms = [sampler.sample() for _ in range(10)]
    ce_gen, ce_rand = [], []
    for data in batches:
        ce_gen += [model.arch_ce(data['inputs'], data['data_samples'], a).item() for a in raw]
        ce_rand += [model.arch_ce(data['inputs'], data['data_samples'], a).item()
                    for a in randoms]
    mean_gen, mean_rand = sum(ce_gen) / len(ce_gen), sum(ce_rand) / len(ce_rand)
    assert mean_gen < mean_rand - 0.1, (ce_gen, ce_rand)
