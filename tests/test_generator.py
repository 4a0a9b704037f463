import math
import random

import pytest
import torch

from mmsgnas.algorithms import ArchGenerator, PriorPool, constraint_loss
from mmsgnas.algorithms.sgnas import CONSTRAINT_CHANNELS, encode_target
from mmsgnas.engine.generator_loops import TARGET_SAMPLINGS, check_target_sampling, draw_target
from mmsgnas.flops import SGNASFlopsTable
from mmsgnas.models import UnifiedSupernet
from mmsgnas.search import targets_in
from mmsgnas.spaces import SGNASSpace

from conftest import random_archs


def test_generator_shapes_and_parameter_count():
    g = ArchGenerator()
    assert sum(p.numel() for p in g.parameters()) == 67969
    prior = SGNASSpace.onehot(SGNASSpace.parse('SGNAS-A'))[None].repeat(5, 1, 1, 1)
    assert g(torch.rand(5), prior).shape == (5, 19, 6, 4)


def test_target_encodings():
    """``'constant'`` copies the target into every channel; ``'hat'`` gives each part of the
    range channels of its own (one-hot at the centres, linear between neighbours, summing to 1),
    the lower end included."""
    t = torch.tensor([0.0, 0.05, 1 / 9, 0.5, 1.0])
    torch.testing.assert_close(encode_target(t, 'constant'), t[:, None].expand(-1, 10))
    hat = encode_target(t, 'hat')
    assert hat.shape == (5, CONSTRAINT_CHANNELS)
    torch.testing.assert_close(hat.sum(1), torch.ones(5))
    torch.testing.assert_close(hat[0], torch.eye(10)[0])
    torch.testing.assert_close(hat[2], torch.eye(10)[1])
    torch.testing.assert_close(hat[4], torch.eye(10)[9])
    torch.testing.assert_close(hat[1, :2], torch.tensor([0.55, 0.45]))
    assert (hat[1, 2:] == 0).all()
    with pytest.raises(ValueError, match=r"unknown target_encoding 'onehot', expected one of "
                                         r"\('constant', 'hat'\)"):
        ArchGenerator(target_encoding='onehot')


def test_hat_encoding_lets_the_lower_end_differ_from_the_prior_alone():
    """The released generator's constraint branch is bias-free ReLU convs: its output is the
    target times its output at 1, so at the range's lower end (0) the logits are the prior's
    alone. With ``'hat'`` the lower end has an input of its own; the parameters are the same."""
    torch.manual_seed(0)
    constant, hat = ArchGenerator(), ArchGenerator(target_encoding='hat')
    hat.load_state_dict(constant.state_dict())  # same shapes, same weights
    prior = SGNASSpace.onehot(SGNASSpace.parse('SGNAS-A'))[None]
    zeros = torch.zeros(1, CONSTRAINT_CHANNELS, 19, 24)
    assert not constant.constraint(zeros).any()
    branch = constant.constraint(torch.full((1, CONSTRAINT_CHANNELS, 19, 24), 0.3))
    torch.testing.assert_close(branch, 0.3 * constant.constraint(torch.ones_like(zeros)))
    lower = torch.zeros(1)
    without_target = constant.tail(constant.body(constant.stem(constant.prior(
        prior.reshape(1, 1, 19, 24)))) + constant.prior(prior.reshape(1, 1, 19, 24)))
    torch.testing.assert_close(constant(lower, prior), without_target.reshape(1, 19, 6, 4))
    assert (hat(lower, prior) - constant(lower, prior)).abs().max() > 1e-3
    assert (hat(lower, prior) - hat(torch.full((1, ), 0.1), prior)).abs().max() > 1e-3


def test_decode_roundtrip_and_forced_sampling():
    for arch in random_archs(2, 20):
        assert SGNASSpace.decode(SGNASSpace.onehot(arch)) == [arch]
    logits = torch.zeros(19, 6, 4)
    logits[:, :, 3] = 1.0  # skip everywhere: sub-blocks 0 and 1 cannot skip
    logits[:, 2, 1] = 5.0  # a kernel after... sub-block 2 picks 5
    logits[:, 4, 0] = 5.0  # ...but sub-block 3 skips, so sub-block 4 is dropped
    arch = SGNASSpace.decode(logits)[0]
    assert all(t[2] == '5' and t[3:] == 'sss' for t in arch)
    assert SGNASSpace.mask()[:2, 3].all() and not SGNASSpace.mask()[2:, 3].any()


def test_soft_cost_equals_table_for_one_hot_and_is_differentiable():
    table = SGNASFlopsTable.get('cifar')
    for arch in random_archs(4, 10):
        onehot = SGNASSpace.onehot(arch).double()
        assert abs(table.soft_mflops(onehot).item() - table.mflops(arch)) < 1e-9
    w = torch.full((19, 6, 4), 0.25, dtype=torch.float64, requires_grad=True)
    table.soft_mflops(w).backward()
    assert w.grad[:, :, 3].lt(0).all() and w.grad[:, :, 2].gt(w.grad[:, :, 0]).all()


def test_soft_forward_with_one_hot_equals_hard_forward():
    torch.manual_seed(0)
    net = UnifiedSupernet('cifar', init_cfg=None).eval()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 2.0)
    x = torch.randn(2, 3, 32, 32)
    for arch in random_archs(9, 2):
        net.set_arch(arch)
        torch.testing.assert_close(net.forward_soft(x, SGNASSpace.onehot(arch))[0], net(x)[0],
                                   rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match=r'arch_weights has shape \(19, 6\)'):
        net.forward_soft(x, torch.zeros(19, 6))


def test_soft_forward_gradients_reach_weights_not_frozen_supernet():
    net = UnifiedSupernet('cifar', init_cfg=None).eval().requires_grad_(False)
    w = torch.softmax(torch.randn(19, 6, 4), -1).requires_grad_()
    net.forward_soft(torch.randn(2, 3, 32, 32), w)[0].mean().backward()
    assert w.grad is not None and w.grad.abs().sum() > 0
    assert all(p.grad is None for p in net.parameters())


def test_constraint_loss_forms():
    c, t = torch.tensor([105.0]), torch.tensor([100.0])
    assert constraint_loss(c, t, 'symmetric').item() == 25.0
    assert constraint_loss(c, t, 'asymmetric').item() == pytest.approx(30.0)
    assert constraint_loss(torch.tensor([95.0]), t, 'asymmetric').item() == 25.0
    assert constraint_loss(torch.tensor([100.05]), t, 'asymmetric').item() == 0.0
    with pytest.raises(ValueError, match="unknown constraint loss form 'cubic'"):
        constraint_loss(c, t, 'cubic')


def test_prior_pool_nearest():
    space = SGNASSpace()
    table = SGNASFlopsTable.get('cifar')
    pool = PriorPool.random(space, table, 50, seed=1)
    targets = torch.tensor([60.0, 100.0, 160.0], dtype=torch.float64)
    priors = pool.nearest(targets)
    for target, prior in zip(targets, priors):
        got = table.mflops(SGNASSpace.decode(prior)[0])
        assert got == pytest.approx(min(pool.costs.tolist(), key=lambda f: abs(f - target)))
    with pytest.raises(ValueError, match='size must be >= 1'):
        PriorPool.random(space, table, 0)


def test_targets_outside_the_space_are_errors():
    table = SGNASFlopsTable.get('cifar')
    with pytest.raises(ValueError, match=r'outside the space: feasible range is \[51.29, 171.76\]'):
        targets_in(table, [40.0, 100.0])
    with pytest.raises(ValueError, match='list of targets is empty'):
        targets_in(table, [])
    assert targets_in(table, [60, 100]) == (60.0, 100.0)


@pytest.mark.parametrize('sampling', TARGET_SAMPLINGS)
def test_training_targets_stay_in_range_and_repeat_by_seed(sampling):
    draws = [draw_target((20.0, 200.0), sampling, random.Random(i)) for i in range(4000)]
    assert all(20.0 <= t <= 200.0 for t in draws)
    assert draws == [draw_target((20.0, 200.0), sampling, random.Random(i)) for i in range(4000)]
    # the cheap tenth of the interval [20, 38] gets 10 % of uniform targets; log-uniform
    # gives it log(1.9) / log(10) = 27.9 %, as many as [105, 200]
    share = sum(t <= 38.0 for t in draws) / len(draws)
    expected = 0.1 if sampling == 'uniform' else math.log(1.9) / math.log(10)
    assert abs(share - expected) < 0.03, (sampling, share)


def test_bad_target_sampling_is_an_error():
    with pytest.raises(ValueError, match=r"target_sampling must be one of .*got 'log'"):
        draw_target((20.0, 200.0), 'log', random.Random(0))
    with pytest.raises(ValueError, match=r'needs a constraint range above 0, got \(0.0, 5.0\)'):
        check_target_sampling('log-uniform', (0.0, 5.0))
    check_target_sampling('uniform', (0.0, 5.0))
