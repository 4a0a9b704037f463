"""Few-shot split of the NB201 supernet: dispatch, loading the unsplit supernet, training one
sub-supernet an iteration, and scoring by the generator."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.testing import RunnerTestCase
from mmpretrain.structures import DataSample

from conftest import NB201_GENERATOR_CONFIG, NB201_SUPERNET_CONFIG, REPO, load_tool
from mmsgnas.algorithms.checkpoints import load_supernet
from mmsgnas.flops import NB201FlopsTable, flops_table
from mmsgnas.models import (NB201Net, NB201SplitSupernet, NB201Supernet, export_subnet,
                            strip_prefix)
from mmsgnas.spaces import NB201Space
from mmsgnas.spaces.nb201 import OPS
from test_supernet_loops import small_supernet_cfg

SPLIT_CONFIG = 'sgnas_nb201-supernet-split_1xb64-50e_cifar10-subset.py'
NB201_REINFORCE_CONFIG = 'sgnas_generator-reinforce_nb201-supernet_1xb128-120e_cifar10-subset.py'


def split_net(**kwargs) -> NB201SplitSupernet:
    torch.manual_seed(0)
    net = NB201SplitSupernet(cells_per_stage=1, widen_factor=0.25, **kwargs)
    net.init_weights()
    return net.eval()


@pytest.mark.parametrize('edge', [0, 3, 5])
def test_set_arch_dispatches_on_the_split_edge(edge):
    net = split_net(split_edge=edge)
    x = torch.randn(2, 3, 32, 32)
    for seed in range(6):
        arch = NB201Space().sampler(seed).sample()
        net.set_arch(arch)
        assert net.active == OPS.index(arch[edge]) == net.split_of(arch)
        sub = net.subnets[net.active]
        assert sub.arch == arch
        torch.testing.assert_close(net(x)[0], sub(x)[0])
    with pytest.raises(ValueError, match='split_edge must be an edge index'):
        NB201SplitSupernet(split_edge=6)
    with pytest.raises(ValueError, match='split must be a sub-supernet index in 0..4, got 5'):
        net.into_split(arch, 5)
    assert net.into_split(arch, 1)[edge] == OPS[1]


def test_soft_forward_mixes_the_sub_supernets():
    net = split_net()
    x = torch.randn(2, 3, 32, 32)
    arch = NB201Space.parse(['nor_conv_1x1', 'skip_connect', 'nor_conv_3x3', 'avg_pool_3x3',
                             'nor_conv_3x3', 'skip_connect'])
    one_hot = torch.zeros(6, 5)
    one_hot[torch.arange(6), torch.tensor([OPS.index(op) for op in arch])] = 1
    net.set_arch(arch)
    torch.testing.assert_close(net.forward_soft(x, one_hot)[0], net(x)[0], rtol=1e-4, atol=1e-5)
    # half on each of two ops of the split edge: the mean of the two sub-supernets' outputs
    soft = one_hot.clone()
    soft[3] = 0
    soft[3, OPS.index('avg_pool_3x3')] = soft[3, OPS.index('nor_conv_1x1')] = 0.5
    outs = []
    for op in ('avg_pool_3x3', 'nor_conv_1x1'):
        net.set_arch(net.into_split(arch, OPS.index(op)))
        outs.append(net(x)[0])
    torch.testing.assert_close(net.forward_soft(x, soft)[0], (outs[0] + outs[1]) / 2,
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r'expected \(6, 5\)'):
        net.forward_soft(x, torch.zeros(5, 5))


def test_unsplit_supernet_state_loads_into_every_sub_supernet():
    torch.manual_seed(1)
    unsplit = NB201Supernet(cells_per_stage=1, widen_factor=0.25).eval()
    net = split_net()
    net.load_state_dict(unsplit.state_dict())  # strict: every sub-supernet's key is filled
    x = torch.randn(2, 3, 32, 32)
    for seed in range(5):
        arch = NB201Space().sampler(seed).sample()
        unsplit.set_arch(arch)
        net.set_arch(arch)
        torch.testing.assert_close(net(x)[0], unsplit(x)[0])
    # a split state dict loads as it is
    other = split_net()
    other.load_state_dict(net.state_dict())
    other.set_arch(net.arch)
    torch.testing.assert_close(other(x)[0], net(x)[0])
    assert flops_table(net) is NB201FlopsTable.get()


class TestSplitTraining(RunnerTestCase):

    def test_each_iteration_trains_one_sub_supernet_in_turn(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        split = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', SPLIT_CONFIG))
        unsplit = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_SUPERNET_CONFIG))
        assert split.model.backbone.type == 'mmsgnas.NB201SplitSupernet'
        assert split.train_cfg.sandwich == unsplit.train_cfg.sandwich
        cfg.model = split.model
        cfg.train_cfg.update(sandwich=split.train_cfg.sandwich, distill=True, paths_per_iter=2)
        cfg.optim_wrapper = split.optim_wrapper
        cfg.param_scheduler = None
        runner = self.build_runner(cfg)
        net = runner.model.backbone
        before = {k: v.clone() for k, v in net.state_dict().items()}
        seen = []
        original = NB201Supernet.set_arch

        def record(sub, arch):
            seen.append((runner.train_loop.iter, NB201Space.parse(arch)[3]))
            return original(sub, arch)

        NB201Supernet.set_arch = record
        try:
            runner.train()  # 2 iterations: sub-supernets 0 and 1, then validation
        finally:
            NB201Supernet.set_arch = original
        # every path of iteration i (teacher and two samples) in sub-supernet i
        assert [s for s in seen if s[0] == 0] == [(0, OPS[0])] * 3
        assert [s for s in seen if s[0] == 1] == [(1, OPS[1])] * 3
        changed = {k: any(not torch.equal(v, before[key]) for key, v in net.state_dict().items()
                          if key.startswith(f'subnets.{k}.')) for k in range(5)}
        assert changed == {0: True, 1: True, 2: False, 3: False, 4: False}


@pytest.mark.parametrize('name', [NB201_GENERATOR_CONFIG, NB201_REINFORCE_CONFIG])
def test_generator_trains_on_the_split_supernet(name, tmp_path):
    """Both estimators score through the split: REINFORCE by ``set_arch`` (the sub-supernet of
    each sample), Gumbel by the mixture of the sub-supernets; a split checkpoint loads."""
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', name))
    cfg.model.supernet.backbone.update(type='mmsgnas.NB201SplitSupernet', split_edge=3)
    cfg.model.supernet_checkpoint = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert isinstance(model.supernet.backbone, NB201SplitSupernet)
    path = str(tmp_path / 'split.pth')
    torch.save(dict(state_dict=model.supernet.state_dict()), path)
    load_supernet(model.supernet, path)  # strict
    model.train()
    model.target = 150.0
    inputs = torch.randn(4, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(4)]
    seen = []
    original = NB201SplitSupernet.set_arch

    def record(net, arch):
        seen.append(original(net, arch))
        return seen[-1]

    NB201SplitSupernet.set_arch = record
    try:
        losses = model(inputs, samples, mode='loss')
    finally:
        NB201SplitSupernet.set_arch = original
    loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    loss.backward()
    assert model.generator.tail.weight.grad is not None
    assert all(p.grad is None for p in model.supernet.parameters())
    if name == NB201_REINFORCE_CONFIG:  # each sample scored by its own sub-supernet
        assert seen and all(len(a) == 6 for a in seen)


def test_benchmark_split_edge_reaches_every_later_stage():
    tool = load_tool('tools/nb201_benchmark.py')
    for name in (tool.SPLIT_CONFIG, tool.GENERATOR_CONFIG, tool.SEARCH_CONFIG):
        cfg = tool.load(name, 'work_dirs/x', 'x', False, split_edge=2)
        backbone = cfg.model.get('supernet', cfg.model).backbone
        assert (backbone.type, backbone.split_edge, backbone.cells_per_stage) == (
            'mmsgnas.NB201SplitSupernet', 2, 1)


def test_export_from_the_split_takes_the_sub_supernet_of_the_arch(tmp_path):
    net = split_net()
    path = str(tmp_path / 'split.pth')
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in net.state_dict().items()}), path)
    x = torch.randn(2, 3, 32, 32)
    for seed in range(3):
        arch = NB201Space().sampler(seed).sample()
        static = NB201Net(arch, 1, track_running_stats=False, widen_factor=0.25).eval()
        ckpt = export_subnet(path, static, split_edge=3)
        static.load_state_dict(strip_prefix(ckpt, 'backbone.'))
        net.set_arch(arch)
        torch.testing.assert_close(static(x)[0], net(x)[0])
    with pytest.raises(ValueError, match='split supernet .*name its split_edge'):
        export_subnet(path, static)
    with pytest.raises(ValueError, match='split_edge must be an NB201 edge index'):
        export_subnet(path, static, split_edge=6)
