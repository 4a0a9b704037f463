"""Options that make supernet and generator training cheaper or better: the in-memory data
path, the NB201 proxy (cells per stage), BN by batch statistics in the generator's forwards,
hard (straight-through) samples, the per-iteration temperature schedule, the CE monitor."""
import math
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

from conftest import (GENERATOR_CONFIG, NB201_GENERATOR_CONFIG, NB201_SUPERNET_CONFIG,
                      REPO)
from mmsgnas.algorithms import batch_statistics
from mmsgnas.datasets import InMemoryCustomDataset
from mmsgnas.engine.generator_loops import GeneratorHook
from mmsgnas.flops import flops_table
from mmsgnas.models import NB201Net, NB201Supernet, UnifiedSupernet
from mmsgnas.search.report import background_percentile, markdown_table
from mmsgnas.spaces import NB201Sampler, NB201Space, SGNASSpace

DATA = osp.join(REPO, 'data', 'cifar10_subset')


def subset(cls, pipeline, **kwargs):
    return cls(data_root=DATA, ann_file='meta/val.txt', data_prefix='train',
               classes=osp.join(DATA, 'meta', 'classes.txt'), pipeline=pipeline,
               indices=list(range(0, 1013, 100)), **kwargs)


def test_in_memory_dataset_gives_the_images_of_the_file_pipeline():
    from mmpretrain.datasets import CustomDataset
    init_default_scope('mmpretrain')
    files = subset(CustomDataset, [dict(type='LoadImageFromFile'), dict(type='PackInputs')])
    memory = subset(InMemoryCustomDataset, [dict(type='PackInputs')])
    assert len(files) == len(memory) == 11
    for i in range(len(files)):
        a, b = files[i], memory[i]
        assert torch.equal(a['inputs'], b['inputs'])
        assert a['data_samples'].gt_label == b['data_samples'].gt_label
        assert b['data_samples'].img_shape == (32, 32)
    # augmentations run per access and never touch the cached image
    flip = subset(InMemoryCustomDataset, [dict(type='RandomFlip', prob=1.0),
                                          dict(type='PackInputs')])
    torch.testing.assert_close(flip[0]['inputs'], memory[0]['inputs'].flip(-1))
    torch.testing.assert_close(flip[0]['inputs'], flip[0]['inputs'])


def test_in_memory_dataset_refuses_sets_over_its_memory_limit():
    init_default_scope('mmpretrain')
    with pytest.raises(ValueError, match=r'max_memory_mb=0.01 MB \(exceeded at image 3 of 11'):
        subset(InMemoryCustomDataset, [dict(type='PackInputs')], max_memory_mb=0.01)
    with pytest.raises(ValueError, match='max_memory_mb must be > 0, got 0'):
        subset(InMemoryCustomDataset, [dict(type='PackInputs')], max_memory_mb=0)


def test_in_memory_data_config_builds_through_the_registry():
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_SUPERNET_CONFIG))
    init_default_scope('mmpretrain')
    loader = cfg.train_dataloader
    loader.update(batch_size=8, num_workers=0, persistent_workers=False)
    loader.dataset.indices = 16
    batch = next(iter(Runner.build_dataloader(loader)))
    assert batch['inputs'][0].shape == (3, 32, 32) and len(batch['data_samples']) == 8


@pytest.mark.parametrize('cells,widen', [(1, 1.0), (2, 1.0), (5, 1.0), (5, 0.5), (1, 2)])
def test_nb201_proxy_cells_per_stage(cells, widen):
    torch.manual_seed(0)
    net = NB201Supernet(cells_per_stage=cells, widen_factor=widen).eval()
    assert len(net.cells) == 3 * cells + 2  # 3 stages and 2 reduction blocks
    assert net.out_channels == 64 * widen and net.stem[0].out_channels == 16 * widen
    assert net(torch.randn(1, 3, 32, 32))[0].shape == (1, 64 * widen, 8, 8)
    arch = NB201Sampler(cells).sample()
    net.set_arch(arch)
    static = NB201Net(arch, cells_per_stage=cells, widen_factor=widen).eval()
    # the static net of a path holds exactly the path's weights (`edges.<e>.<op>.` there)
    theirs = net.state_dict()
    mine = {}
    for key in static.state_dict():
        parts = key.split('.')
        if 'edges' in parts:
            at = parts.index('edges') + 2
            parts.insert(at, arch[int(parts[at - 1])])
        if '.'.join(parts) in theirs:  # BN running statistics: none in the supernet
            mine[key] = theirs['.'.join(parts)]
    missing, unexpected = static.load_state_dict(mine, strict=False)
    assert not unexpected and all(k.rsplit('.', 1)[1] in (
        'running_mean', 'running_var', 'num_batches_tracked') for k in missing)
    for m in static.modules():
        if isinstance(m, torch.nn.BatchNorm2d):  # normalise by the batch as the supernet
            m.track_running_stats, m.running_mean, m.running_var = False, None, None
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(static(x)[0], net(x)[0])
    torch.testing.assert_close(net.forward_soft(x, NB201Space.onehot(arch))[0], net(x)[0],
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('bad', [0, -1, 1.5, True, '1'])
def test_nb201_proxy_bad_cells(bad):
    with pytest.raises(ValueError, match='cells_per_stage must be an integer >= 1'):
        NB201Supernet(cells_per_stage=bad)


@pytest.mark.parametrize('bad', [0, -0.5, 0.01, True, '1'])
def test_nb201_proxy_bad_widen_factor(bad):
    with pytest.raises(ValueError, match=f'widen_factor must be a number > 0 .* got {bad!r}'):
        NB201Supernet(widen_factor=bad)
    with pytest.raises(ValueError, match='widen_factor must be'):
        NB201Net('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|', widen_factor=bad)


def test_batch_statistics_normalises_by_the_batch_and_keeps_the_running_statistics():
    torch.manual_seed(0)
    net = UnifiedSupernet('cifar', arch='SGNAS-A')
    net.train()
    x = torch.randn(4, 3, 32, 32)
    net(x)  # some running statistics
    net.eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with batch_statistics(net):
        inside = net(x)[0]
    assert not net.training and all(not m.training for m in net.modules())
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
    running = net(x)[0]
    assert not torch.allclose(inside, running)
    # the same as a training-mode forward (which would move the statistics)
    net.train()
    torch.testing.assert_close(inside, net(x)[0])


def build_generator(name=GENERATOR_CONFIG, **options):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', name))
    cfg.model.supernet_checkpoint = None
    cfg.model.update(options)
    return MODELS.build(cfg.model)


def batch(n=4):
    return torch.randn(n, 3, 32, 32), [DataSample().set_gt_label(i % 10) for i in range(n)]


@pytest.mark.parametrize('name', [GENERATOR_CONFIG, NB201_GENERATOR_CONFIG])
@pytest.mark.parametrize('hard', [False, True])
def test_generator_options_train_and_monitor(name, hard):
    torch.manual_seed(0)
    model = build_generator(name, bn_mode='batch', hard_samples=hard)
    model.train()
    before = {k: v.clone() for k, v in model.supernet.state_dict().items()}
    model.target = sum(model.constraint_range) / 2
    inputs, samples = batch()
    weights = model.soft_weights(model.logits(torch.tensor([model.target])))
    sums = weights.sum(-1)
    torch.testing.assert_close(sums, torch.ones_like(sums))
    assert bool(((weights == 0) | (weights == 1)).all()) == hard
    losses = model(inputs, samples, mode='loss')
    assert {'ce_generated', 'ce_random'} <= set(losses)
    assert all(not v.requires_grad for k, v in losses.items() if k.startswith('ce_'))
    (losses['loss_ce'] + losses['loss_constraint']).backward()
    assert model.generator.tail.weight.grad.abs().sum() > 0
    # the frozen supernet's weights and statistics stay as loaded
    for k, v in model.supernet.state_dict().items():
        assert torch.equal(v, before[k]), k
    # the monitor's CE is the head loss of that one architecture on the batch
    arch = model.space.sampler(0).sample()
    ce = model.arch_ce(inputs, samples, arch)
    assert ce.ndim == 0 and torch.isfinite(ce)


@pytest.mark.parametrize('name', [GENERATOR_CONFIG, NB201_GENERATOR_CONFIG])
def test_generator_reinforce_scores_fitted_samples(name):
    torch.manual_seed(0)
    model = build_generator(name, bn_mode='batch', estimator='reinforce', num_samples=3,
                            entropy_weight=0.2)
    model.train()
    before = {k: v.clone() for k, v in model.supernet.state_dict().items()}
    model.target = sum(model.constraint_range) / 2
    scored = []
    arch_ce = model.arch_ce
    model.arch_ce = lambda i, s, arch: scored.append(arch) or arch_ce(i, s, arch)
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    # 3 samples (fewer if two fit to one architecture) and the monitor's two architectures
    assert 3 <= len(scored) <= 5
    assert all(model.table.cost(a) <= model.target for a in scored)
    assert losses['ce_best'] <= losses['loss_ce'] <= losses['ce_worst']
    # the entropy bonus's term: mean per-position entropy, at most uniform over the ops
    assert 0 < losses['entropy'] <= math.log(model.space.shape[-1]) + 1e-6
    (losses['loss_ce'] + losses['loss_constraint']).backward()
    assert model.generator.tail.weight.grad.abs().sum() > 0
    for k, v in model.supernet.state_dict().items():
        assert torch.equal(v, before[k]), k
    with pytest.raises(ValueError, match="unknown estimator 'score', expected one of"):
        build_generator(name, estimator='score')
    with pytest.raises(ValueError, match='num_samples >= 2 .an integer., got 1'):
        build_generator(name, estimator='reinforce', num_samples=1)
    with pytest.raises(ValueError, match='entropy_weight must be a number >= 0, got -0.1'):
        build_generator(name, estimator='reinforce', entropy_weight=-0.1)


@pytest.mark.parametrize('name', [GENERATOR_CONFIG, NB201_GENERATOR_CONFIG])
def test_generator_reward_error_scores_samples_by_their_top1_error(name):
    """``reward='error'``: REINFORCE (and self-imitation) score each fitted sample by its
    top-1 error on the batch, as the search scores top-1, not by its CE."""
    torch.manual_seed(0)
    model = build_generator(name, bn_mode='batch', estimator='reinforce', num_samples=4,
                            reward='error', monitor=False)
    model.train()
    model.target = sum(model.constraint_range) / 2
    inputs, samples = batch(8)
    arch = model.fitted(model.space.sampler(0).sample(), model.target)
    # the error of that architecture, from the supernet's own logits
    model.supernet.backbone.set_arch(arch)
    with batch_statistics(model.supernet):
        logits = model.supernet(inputs, mode='tensor')
    labels = torch.tensor([s.gt_label.item() for s in samples])
    expected = (logits.argmax(1) != labels).float().mean()
    assert model.arch_score(inputs, samples, arch) == model.arch_error(inputs, samples, arch)
    torch.testing.assert_close(model.arch_error(inputs, samples, arch), expected)
    scored, errors = [], []
    arch_ce, arch_error = model.arch_ce, model.arch_error
    model.arch_ce = lambda i, s, a: scored.append(('ce', a)) or arch_ce(i, s, a)
    model.arch_error = lambda i, s, a: errors.append(arch_error(i, s, a)) or errors[-1]
    losses = model(inputs, samples, mode='loss')
    assert not scored and 1 <= len(errors) <= 4
    assert all(float(e) * 8 == round(float(e) * 8) for e in errors)  # k / 8 wrong
    torch.testing.assert_close(losses['ce_best'], min(errors))
    torch.testing.assert_close(losses['ce_worst'], max(errors))
    (losses['loss_ce'] + losses['loss_constraint']).backward()
    assert model.generator.tail.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="unknown reward 'top5', expected one of"):
        build_generator(name, estimator='reinforce', reward='top5')
    with pytest.raises(ValueError, match="reward='error' needs estimator='reinforce'"):
        build_generator(name, estimator='gumbel', reward='error')


def test_sweep_scores_by_the_models_reward():
    """``best_by='sweep'`` compares epochs by what the model trains on: its top-1 error
    with ``reward='error'`` (a fraction), image-weighted over the sweep's batches."""
    torch.manual_seed(0)
    model = build_generator(NB201_GENERATOR_CONFIG, bn_mode='batch', estimator='reinforce',
                            reward='error', monitor=False).eval()
    hook = GeneratorHook(tau0=1.0, tau_end=1.0, num_targets=2, best_by='sweep',
                         sweep_images=8)
    inputs, samples = batch(8)
    hook._sweep_batches = [dict(inputs=inputs[:5], data_samples=samples[:5]),
                           dict(inputs=inputs[5:], data_samples=samples[5:])]
    targets = list(model.constraint_range)
    archs = model.generate(targets)
    got = hook.sweep_ce(SimpleNamespace(model=model), targets, archs)
    expected = [float(model.arch_error(inputs[:5], samples[:5], model.fitted(a, t))) * 5
                + float(model.arch_error(inputs[5:], samples[5:], model.fitted(a, t))) * 3
                for t, a in zip(targets, archs)]
    assert got == pytest.approx(sum(expected) / 16)
    assert 0 <= got <= 1 and round(got * 16) == pytest.approx(got * 16)


@pytest.mark.parametrize('name', [GENERATOR_CONFIG, NB201_GENERATOR_CONFIG])
def test_generator_fill_tolerance_none_keeps_samples_ungrown(name):
    """With ``fill_tolerance=None`` the REINFORCE samples are only shrunk to the target, so
    a cheap draw stays cheap; with the default 1 % they are grown towards it."""
    costs = {}
    for tol in (None, 0.01):
        torch.manual_seed(0)
        model = build_generator(name, bn_mode='batch', estimator='reinforce', num_samples=6,
                                fill_tolerance=tol, monitor=False)
        model.train()
        model.target = model.constraint_range[1]
        scored = []
        arch_ce = model.arch_ce
        model.arch_ce = lambda i, s, arch: scored.append(arch) or arch_ce(i, s, arch)
        model(*batch(), mode='loss')
        costs[tol] = [model.table.cost(a) for a in scored]
    assert all(c <= model.target for c in costs[None] + costs[0.01])
    assert min(costs[None]) < 0.9 * model.target
    assert sum(costs[0.01]) / len(costs[0.01]) > sum(costs[None]) / len(costs[None])
    with pytest.raises(ValueError, match=r'fill_tolerance must be None or in \[0, 1\), got 1.5'):
        build_generator(name, fill_tolerance=1.5)


def test_generator_bad_bn_mode():
    with pytest.raises(ValueError, match="bn_mode must be 'running' or 'batch', got 'train'"):
        build_generator(bn_mode='train')


def test_generator_bad_advantage():
    with pytest.raises(ValueError, match="unknown REINFORCE advantage 'best'"):
        build_generator(NB201_GENERATOR_CONFIG, estimator='reinforce', advantage='best')


def test_generator_without_monitor_returns_only_the_losses():
    model = build_generator(NB201_GENERATOR_CONFIG, monitor=False)
    model.train()
    model.target = 100.0
    assert set(model(*batch(), mode='loss')) == {'loss_ce', 'loss_constraint', 'cost', 'target'}


def test_per_iteration_temperature_schedule():
    hook = GeneratorHook(tau0=5.0, tau_end=0.5)
    taus = [hook.temperature(i, 101) for i in range(101)]
    assert taus[0] == pytest.approx(5.0) and taus[-1] == pytest.approx(0.5)
    assert taus[50] == pytest.approx((5.0 * 0.5)**0.5)  # geometric
    assert all(a > b for a, b in zip(taus, taus[1:]))
    with pytest.raises(ValueError, match='temperatures must be > 0'):
        GeneratorHook(tau_end=0.0)


def test_per_iteration_entropy_schedule():
    model = build_generator(NB201_GENERATOR_CONFIG, estimator='reinforce', num_samples=2,
                            entropy_weight=0.5)
    hook = GeneratorHook(tau0=1.0, tau_end=1.0, entropy_end=0.05)
    hook.before_train(SimpleNamespace(model=model))  # the hook reads only runner.model
    weights = [hook.entropy_weight(i, 101) for i in range(101)]
    assert weights[0] == pytest.approx(0.5) and weights[-1] == pytest.approx(0.05)
    assert weights[50] == pytest.approx(0.275)  # linear
    assert all(a > b for a, b in zip(weights, weights[1:]))
    assert hook.entropy_weight(500, 101) == pytest.approx(0.05)  # held after the last
    with pytest.raises(ValueError, match="entropy_end must be a number >= 0 or None, got -0.1"):
        GeneratorHook(entropy_end=-0.1)
    gumbel = build_generator(NB201_GENERATOR_CONFIG)
    with pytest.raises(ValueError, match="entropy_end needs a generator with "
                                         "estimator='reinforce', got estimator='gumbel'"):
        GeneratorHook(entropy_end=0.1).before_train(SimpleNamespace(model=gumbel))


def test_search_table_percentile_among_fitting_background():
    background = [dict(mflops=m, top1=t) for m, t in
                  [(50, 10.0), (60, 20.0), (70, 30.0), (200, 99.0)]]
    row = dict(target=100.0, top1=20.0, mflops=90.0, params_m=1.0, repaired='no', arch='a')
    assert background_percentile(row, background) == (pytest.approx(200 / 3), 3)
    p, n = background_percentile(dict(row, target=10.0), background)
    assert n == 0 and np.isnan(p)
    row['percentile'], row['num_fitting'] = background_percentile(row, background)
    assert '| 67 (3) |' in markdown_table([row], 'generator')


def test_sgnas_proxy_stride_keeps_weights_and_space():
    plain = UnifiedSupernet('cifar', arch='SGNAS-A')
    proxy = UnifiedSupernet('cifar', arch='SGNAS-A', proxy_stride=2)
    assert {k: v.shape for k, v in plain.state_dict().items()} == \
        {k: v.shape for k, v in proxy.state_dict().items()}
    x = torch.randn(2, 3, 32, 32)
    assert plain.eval()(x)[0].shape == (2, 1280, 4, 4)
    assert proxy.eval()(x)[0].shape == (2, 1280, 2, 2)
    assert flops_table(proxy).mflops(proxy.arch) == \
        flops_table(plain).mflops(plain.arch)
    for bad in (3, 0, 2.0, True):
        with pytest.raises(ValueError, match='proxy_stride must be 1 or 2'):
            UnifiedSupernet('cifar', proxy_stride=bad)


def test_sgnas_width_mult_is_a_narrower_net_of_the_same_space():
    plain = UnifiedSupernet('cifar', arch='SGNAS-A')
    proxy = UnifiedSupernet('cifar', arch='SGNAS-A', width_mult=0.5)
    assert [s.out_channels for s in proxy.specs] == \
        [16, 16, 24, 24, 24, 24, 40, 40, 40, 40, 48, 48, 48, 48, 96, 96, 96, 96, 160]
    assert proxy.stem[-1].conv.out_channels == 8 and proxy.layers[0].in_channels == 8
    params = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert params(proxy) < 0.4 * params(plain)
    x = torch.randn(2, 3, 32, 32)
    assert proxy.eval()(x)[0].shape == (2, 1280, 4, 4)  # the head keeps its 1280 outputs
    for arch in ('SGNAS-B', SGNASSpace.smallest()):
        proxy.set_arch(arch)
        torch.testing.assert_close(proxy.forward_soft(x, SGNASSpace.onehot(proxy.arch))[0],
                                   proxy(x)[0], rtol=1e-4, atol=1e-4)
    # the space, its FLOPs table and the static net are the variant's
    assert flops_table(proxy).mflops(plain.arch) == flops_table(plain).mflops(plain.arch)
    assert proxy.static_net('SGNAS-A').out_channels[18] == 320
    assert UnifiedSupernet('cifar', width_mult=1).specs == plain.specs
    for bad in (0, 1.5, -0.5, True, '0.5'):
        with pytest.raises(ValueError, match=r'width_mult must be a number in \(0, 1\]'):
            UnifiedSupernet('cifar', width_mult=bad)


def test_shared_kernels_train_one_weight_for_every_kernel():
    torch.manual_seed(0)
    net = UnifiedSupernet('cifar', shared_kernels=True)
    assert not any('.dw.3.' in k or '.dw.5.' in k for k in net.state_dict())
    net.train()
    for arch in ('333sss|' * 18 + '33ssss', '555sss|' * 18 + '55ssss'):
        net.zero_grad()
        net.set_arch(arch)
        net(torch.randn(2, 3, 32, 32))[0].sum().backward()
        grad = net.layers[5].dw['7'].weight.grad
        k = int(arch[0])
        c = (7 - k) // 2
        inner = torch.zeros_like(grad, dtype=torch.bool)
        inner[:, :, c:c + k, c:c + k] = True
        assert grad[inner].abs().sum() > 0 and grad[~inner].abs().sum() == 0
    # soft and hard forwards agree on one-hot weights (eval)
    from mmsgnas.spaces import SGNASSpace
    net.eval()
    net.set_arch('SGNAS-B')
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(net.forward_soft(x, SGNASSpace.onehot(net.arch))[0], net(x)[0],
                               rtol=1e-4, atol=1e-4)


def test_monitor_interval_and_best_by_values():
    model = build_generator(NB201_GENERATOR_CONFIG, monitor_interval=3)
    model.train()
    model.target = 100.0
    logged = ['ce_random' in model(*batch(), mode='loss') for _ in range(6)]
    assert logged == [True, False, False, True, False, False]
    with pytest.raises(ValueError, match='monitor_interval must be an integer >= 1, got 0'):
        build_generator(monitor_interval=0)
    with pytest.raises(ValueError, match=r"best_by must be one of \('flops', 'ce', 'sweep'\), got 'top1'"):
        GeneratorHook(best_by='top1')
