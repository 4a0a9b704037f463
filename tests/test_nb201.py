"""NAS-Bench-201: encoding, ground-truth lookup, FLOPs table exactness, cell supernet."""
import gzip
import random

import pytest
import torch

from mmsgnas.analysis.nb201_ground_truth import NB201GroundTruth
from mmsgnas.flops import NB201FlopsTable, measure_nb201_macs
from mmsgnas.models import NB201Net, NB201Supernet
from mmsgnas.spaces import NB201Sampler, NB201Space
from mmsgnas.spaces.nb201 import NUM_ARCHS, OPS

BEST_RESNET_LIKE = '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|'


def test_encoding_roundtrip_and_enumeration():
    archs = NB201Space.all_archs()
    assert len(archs) == len(set(archs)) == NUM_ARCHS == 15625
    for arch in random.Random(0).sample(archs, 50):
        assert NB201Space.parse(NB201Space.format(arch)) == arch
        assert archs[NB201Space.index(arch)] == arch
        assert NB201Space.decode(NB201Space.onehot(arch)) == [arch]
    assert NB201Space.format(NB201Space.parse(BEST_RESNET_LIKE)) == BEST_RESNET_LIKE


@pytest.mark.parametrize('bad, match', [
    ('|nor_conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|', "unknown NB201 operation 'nor_conv_5x5'"),
    ('|none~0|+|none~0|none~1|', '2 node groups, expected 3'),
    ('|none~0|+|none~0|+|none~0|none~1|none~2|', 'node 2 .* 1 inputs, expected 2'),
    ('|none~0|+|none~0|none~2|+|none~0|none~1|none~2|', "must be '<op>~1'"),
    ('none~0|+|none~0|none~1|+|none~0|none~1|none~2|', 'must start and end with'),
    (('none', ) * 5, 'has 6 edges, got 5'),
])
def test_malformed_strings(bad, match):
    with pytest.raises(ValueError, match=match):
        NB201Space.parse(bad)


def test_ground_truth_lookup():
    gt = NB201GroundTruth.get()
    assert round(gt.best('cifar10'), 2) == 94.37
    assert round(gt.best('cifar100'), 2) == 73.51
    assert round(gt.best('imagenet16-120'), 2) == 47.31
    # from the benchmark's own row for this string
    arch = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
    assert gt.accuracy(arch) == pytest.approx(93.66, abs=1e-6)
    assert gt.accuracy(NB201Space.parse(arch), 'cifar100') == pytest.approx(70.2933, abs=1e-3)
    with pytest.raises(ValueError, match='unknown dataset'):
        gt.accuracy(arch, 'mnist')


def test_ground_truth_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        NB201GroundTruth(str(tmp_path / 'missing.csv'))
    bad = tmp_path / 'bad.csv.gz'
    with gzip.open(bad, 'wt') as f:
        f.write('ArchitectureString,CIFAR10TestAccuracy200Epochs\n')
    with pytest.raises(ValueError, match='lacks the columns'):
        NB201GroundTruth(str(bad))


def test_flops_table_is_exact():
    table = NB201FlopsTable.get()
    sampler = NB201Sampler(0)
    for arch in [sampler.sample() for _ in range(8)] + [('none', ) * 6, ('nor_conv_3x3', ) * 6]:
        assert table.macs(arch) == measure_nb201_macs(arch)
        assert table.soft_mflops(NB201Space.onehot(arch)[None].double()).item() == pytest.approx(
            table.mflops(arch), abs=1e-9)
    flops = table.all_mflops()
    assert flops.numel() == NUM_ARCHS
    for i in random.Random(1).sample(range(NUM_ARCHS), 20):
        assert flops[i].item() == pytest.approx(table.mflops(NB201Space.all_archs()[i]), abs=1e-9)
    assert (round(table.min_mflops, 2), round(table.max_mflops, 2)) == (7.78, 220.12)


def test_cell_supernet_hard_soft_and_static():
    torch.manual_seed(0)
    net = NB201Supernet().eval()
    # a fresh supernet has the largest architecture active, and runs
    assert net.arch == NB201Space.reference_archs()['largest']
    assert net(torch.randn(1, 3, 32, 32))[0].shape == (1, 64, 8, 8)
    x = torch.randn(2, 3, 32, 32)
    for arch in [NB201Sampler(3).sample() for _ in range(3)]:
        net.set_arch(arch)
        hard = net(x)[0]
        assert hard.shape == (2, 64, 8, 8)
        soft = net.forward_soft(x, NB201Space.onehot(arch))[0]
        torch.testing.assert_close(soft, hard, rtol=1e-5, atol=1e-5)
    assert NB201Net(arch)(x)[0].shape == (2, 64, 8, 8)
    with pytest.raises(ValueError, match=r'expected \(6, 5\)'):
        net.forward_soft(x, torch.ones(6, 4))
    # soft weights reach every op's parameters
    net.train()
    w = torch.full((6, len(OPS)), 0.2, requires_grad=True)
    net.forward_soft(x, w)[0].sum().backward()
    assert w.grad is not None and torch.isfinite(w.grad).all()


def test_supernet_channels_last_is_the_same_function():
    """``channels_last=True`` lays the activations out channels-last from the stem on: the
    same outputs, hard and soft, and the same gradients (up to rounding) as the default."""
    x = torch.randn(4, 3, 32, 32)
    arch = NB201Sampler(5).sample()
    out = {}
    for channels_last in (False, True):
        torch.manual_seed(0)
        net = NB201Supernet(arch, cells_per_stage=1, channels_last=channels_last).train()
        hard = net(x)[0]
        assert hard.is_contiguous(memory_format=torch.channels_last) == channels_last
        hard.square().mean().backward()
        grads = [p.grad.clone() for p in net.parameters() if p.grad is not None]
        soft = net.forward_soft(x, NB201Space.onehot(arch))[0]
        out[channels_last] = (hard.detach(), soft.detach(), grads)
    for default, last in zip(out[False][:2], out[True][:2]):
        torch.testing.assert_close(last.contiguous(), default, rtol=1e-4, atol=1e-5)
    assert len(out[True][2]) == len(out[False][2]) > 0
    for default, last in zip(out[False][2], out[True][2]):
        torch.testing.assert_close(last.contiguous(), default.contiguous(), rtol=1e-3, atol=1e-5)
    with pytest.raises(ValueError, match="channels_last must be True or False, got 'no'"):
        NB201Supernet(channels_last='no')


def test_static_net_channels_last_is_the_same_function():
    """The static network with ``channels_last=True``: the same outputs as the default."""
    x = torch.randn(4, 3, 32, 32)
    arch = NB201Sampler(3).sample()
    out = []
    for channels_last in (False, True):
        torch.manual_seed(0)
        net = NB201Net(arch, cells_per_stage=1, channels_last=channels_last).train()
        y = net(x)[0]
        assert y.is_contiguous(memory_format=torch.channels_last) == channels_last
        out.append(y.detach().contiguous())
    torch.testing.assert_close(out[1], out[0], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="channels_last must be True or False, got 1"):
        NB201Net(arch, channels_last=1)


def test_supernet_bn_normalises_by_the_batch():
    """As SETN's supernet: no running statistics, so a subnet's eval output does not depend
    on the paths trained before it (the static NB201Net keeps the usual BN)."""
    net = NB201Supernet(('nor_conv_3x3', ) * 6)
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(not bn.track_running_stats and bn.running_mean is None for bn in bns)
    assert all(m.track_running_stats for m in NB201Net(('nor_conv_3x3', ) * 6).modules()
               if isinstance(m, torch.nn.BatchNorm2d))
    tracked = NB201Supernet(track_running_stats=True)
    assert all(m.running_mean is not None for m in tracked.modules()
               if isinstance(m, torch.nn.BatchNorm2d))


@pytest.mark.parametrize('arch, expected', [
    # edge 2->3 is none: node 2 is dead, so are its two input edges
    ('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_3x3~0|skip_connect~1|none~2|',
     '|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|none~2|'),
    # and node 1 too when edge 1->3 is none as well
    ('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|none~2|',
     '|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|'),
    # node 1 reaches the output only through node 2: nothing is dead
    ('|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|',
     '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|'),
])
def test_canonical_drops_dead_edges_and_keeps_the_function(arch, expected):
    arch, expected = NB201Space.parse(arch), NB201Space.parse(expected)
    lean = NB201Space.canonical(arch)
    assert lean == expected and NB201Space.canonical(lean) == lean
    table = NB201FlopsTable.get()
    assert table.mflops(lean) < table.mflops(arch) or lean == arch
    torch.manual_seed(0)
    net = NB201Supernet().eval()
    x = torch.randn(4, 3, 32, 32)
    net.set_arch(arch)
    before = net(x)[0]
    net.set_arch(lean)
    torch.testing.assert_close(net(x)[0], before)
    # growing never puts a conv on a dead edge: every grow move changes the function
    for grown in NB201Space.grow_moves(lean):
        assert NB201Space.canonical(grown) == grown


def test_canonical_forms_over_the_whole_space():
    """Over every architecture: canonical forms are fixed points and never cost more."""
    table = NB201FlopsTable.get()
    archs = NB201Space.all_archs()
    leans = {NB201Space.canonical(a) for a in archs}
    assert all(NB201Space.canonical(a) == a for a in leans)
    assert all(table.mflops(NB201Space.canonical(a)) <= table.mflops(a) for a in archs[::97])
    assert len(leans) < len(archs)
