import pytest
import torch
from torch import nn

from mmsgnas.models import ShadowBatchNorm, UnifiedSupernet
from mmsgnas.models.unified_supernet import UnifiedBlock
from mmsgnas.spaces import ArchSampler, SGNASSpace

SIZES = {'imagenet': 224, 'cifar': 32}


def make(variant='cifar', **kwargs):
    return UnifiedSupernet(variant=variant, init_cfg=None, **kwargs)


@pytest.mark.parametrize('variant, final', [('imagenet', 7), ('cifar', 4)])
def test_output_shapes(variant, final):
    net = make(variant, arch=ArchSampler(0).sample(), out_indices=(1, 5, 13, 18, 19)).eval()
    outs = net(torch.randn(1, 3, SIZES[variant], SIZES[variant]))
    assert [o.shape[1] for o in outs] == [32, 40, 96, 320, 1280]
    assert [net.out_channels[i] for i in (1, 5, 13, 18, 19)] == [32, 40, 96, 320, 1280]
    assert outs[-1].shape[-1] == final
    assert outs[2].shape[-1] == final * 2


def test_requires_arch():
    # a fresh supernet has the largest architecture active, and runs
    net = make()
    assert net.arch == SGNASSpace.largest()
    assert net(torch.randn(1, 3, 32, 32))[0].shape == (1, 1280, 4, 4)
    # a unified block on its own has no architecture until a token is set
    with pytest.raises(RuntimeError, match='no architecture is set'):
        UnifiedBlock(16, 16, 1)(torch.randn(1, 16, 8, 8))


@pytest.mark.parametrize('kwargs, match', [
    (dict(out_indices=(20, )), 'out_indices item 20 is out of range'),
    (dict(out_indices=()), 'out_indices is empty'),
    (dict(frozen_stages=21), 'frozen_stages 21 is out of range'),
    (dict(variant='svhn'), "unknown variant 'svhn'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UnifiedSupernet(**kwargs)


def test_set_arch_is_cheap_and_validated():
    net = make()
    params = [id(p) for p in net.parameters()]
    net.set_arch(SGNASSpace.smallest())
    net.set_arch(SGNASSpace.largest())
    assert [id(p) for p in net.parameters()] == params
    with pytest.raises(ValueError, match='layer 3'):
        net.set_arch(list(SGNASSpace.smallest()[:3]) + ['3s3sss'] + list(SGNASSpace.smallest()[4:]))


def test_skipped_subblocks_get_no_gradient_and_shadow_bn_by_e():
    torch.manual_seed(0)
    net = make().train()
    arch = list(SGNASSpace.largest())
    arch[3] = '53ssss'  # e = 2 in layer 3 (40 -> 40)
    net.set_arch(arch)
    net(torch.randn(4, 3, 32, 32))[0].mean().backward()
    block = net.layers[3]
    assert block.expand.weight.grad[:80].abs().sum() > 0
    assert block.expand.weight.grad[80:].abs().sum() == 0
    assert block.project.weight.grad[:, 80:].abs().sum() == 0
    # sub-block 0 uses the 5x5 kernel, sub-block 1 the 3x3
    assert block.dw['5'].weight.grad[:40].abs().sum() > 0
    assert block.dw['5'].weight.grad[40:].abs().sum() == 0
    assert block.dw['3'].weight.grad[:40].abs().sum() == 0
    assert block.dw['3'].weight.grad[40:80].abs().sum() > 0
    assert block.dw['7'].weight.grad is None
    used = [bn.weight.grad is not None for bn in block.shadow_bn.bns]
    assert used == [True, False, False, False, False]
    # running statistics move only for the active channels
    assert torch.all(block.expand_bn.running_mean[80:] == 0)
    assert torch.any(block.expand_bn.running_mean[:80] != 0)


def test_shadow_bn_errors_and_sync_conversion():
    sbn = ShadowBatchNorm(8)
    with pytest.raises(ValueError, match='no shadow BN for expansion rate 7'):
        sbn(torch.randn(2, 8, 2, 2), 7)
    net = nn.SyncBatchNorm.convert_sync_batchnorm(make())
    shadow = net.layers[0].shadow_bn.bns
    assert all(isinstance(bn, nn.SyncBatchNorm) for bn in shadow)
    assert len(shadow) == 5


def test_frozen_stages_and_norm_eval():
    net = make(frozen_stages=3, norm_eval=True, arch=SGNASSpace.smallest())
    net.train()
    for stage in [net.stem, net.layers[0], net.layers[1], net.layers[2]]:
        assert not any(p.requires_grad for p in stage.parameters())
        assert not stage.training
    assert all(p.requires_grad for p in net.layers[3].parameters())
    assert all(not m.training for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    assert net.layers[3].training


def test_parameter_count_is_that_of_one_unified_supernet():
    # per layer: expansion, three depthwise convs, projection, BNs: far below one block per
    # operation (the paper's point)
    n = sum(p.numel() for p in make('imagenet').parameters())
    assert 4.0e6 < n < 4.5e6, n


@pytest.mark.parametrize('zero_init', [False, True])
def test_zero_init_residual_starts_residual_blocks_as_identity(zero_init):
    net = UnifiedSupernet('cifar', arch='SGNAS-A', zero_init_residual=zero_init,
                          out_indices=tuple(range(19)))
    net.init_weights()
    net.eval()
    residual = [i for i, block in enumerate(net.layers) if block.residual]
    assert residual, 'the macro has residual blocks'
    feats = net(torch.randn(2, 3, 32, 32))
    for i in residual:
        same = torch.equal(feats[i], feats[i - 1])
        assert same == zero_init
