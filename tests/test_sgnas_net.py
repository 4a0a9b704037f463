"""SGNASNet as a downstream backbone: the mmpretrain contract, detection use, loading."""
import pytest
import torch
from torch import nn

from mmsgnas.models import DropoutLinearClsHead, SGNASNet
from mmsgnas.spaces import NAMED_ARCHS, SGNASSpace

NAMES = sorted(NAMED_ARCHS)


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('variant, size, strides', [
    ('imagenet', 64, {5: 8, 13: 16, 18: 32, 19: 32}),
    ('cifar', 32, {5: 2, 13: 4, 18: 8, 19: 8}),
])
def test_out_indices_shapes_and_channels(name, variant, size, strides):
    net = SGNASNet(name, variant=variant, out_indices=tuple(strides)).eval()
    outs = net(torch.randn(2, 3, size, size))
    assert len(outs) == len(strides)
    for out, (index, stride) in zip(outs, strides.items()):
        assert out.shape == (2, net.out_channels[index], size // stride, size // stride)
    assert [net.out_channels[i] for i in (5, 13, 18, 19)] == [40, 96, 320, 1280]


@pytest.mark.parametrize('bad, match', [
    ('SGNAS-Z', 'SGNAS-Z'),
    ('3333ss|' * 18 + '3s33ss', 'layer 18'),
    ('missing_arch.json', 'does not exist'),
])
def test_bad_arch_errors(bad, match):
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        SGNASNet(bad)


@pytest.mark.parametrize('kwargs, match', [
    (dict(out_indices=(20, )), 'out_indices'),
    (dict(frozen_stages=21), 'frozen_stages'),
    (dict(variant='mnist'), 'mnist'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGNASNet('SGNAS-C', **kwargs)


def test_arch_from_search_output_file(tmp_path):
    path = tmp_path / 'arch_300M.json'
    path.write_text('{"arch": "%s", "target": 300}' %
                    SGNASSpace.format(SGNASSpace.parse('SGNAS-B')))
    assert SGNASNet(str(path)).arch == SGNASSpace.parse('SGNAS-B')


def test_frozen_stages():
    # as mmpretrain's MobileNetV2 test: frozen stages in eval mode, no gradients
    net = SGNASNet('SGNAS-C', frozen_stages=3)
    net.train()
    for module in [net.stem, *net.layers[:3]]:
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                assert not m.training
        assert all(not p.requires_grad for p in module.parameters())
    for module in [*net.layers[3:], net.head]:
        assert all(p.requires_grad for p in module.parameters())
        assert all(m.training for m in module.modules())


def test_norm_eval():
    net = SGNASNet('SGNAS-C', norm_eval=True)
    net.train()
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert bns and all(not m.training for m in bns)
    net = SGNASNet('SGNAS-C', norm_eval=False).train()
    assert all(m.training for m in net.modules())


def test_sync_bn_by_config_and_conversion():
    net = SGNASNet('SGNAS-A', with_se=True, norm_cfg=dict(type='SyncBN'))
    assert any(isinstance(m, nn.SyncBatchNorm) for m in net.modules())
    assert not any(type(m) is nn.BatchNorm2d for m in net.modules())
    net = nn.SyncBatchNorm.convert_sync_batchnorm(SGNASNet('SGNAS-A', with_se=True))
    assert not any(type(m) is nn.BatchNorm2d for m in net.modules())


def test_se_and_hswish_variant():
    net = SGNASNet('SGNAS-A', with_se=True, act_cfg=dict(type='HSwish'))
    acts = {type(m).__name__ for m in net.modules()}
    assert acts & {'HSwish', 'Hardswish'} and 'ReLU6' not in acts
    plain = SGNASNet('SGNAS-A')
    assert sum(p.numel() for p in net.parameters()) > sum(p.numel() for p in plain.parameters())


def test_dropout_head():
    head = DropoutLinearClsHead(num_classes=10, in_channels=16, dropout_rate=0.5)
    feats = (torch.ones(4, 16), )
    head.train()
    assert (head.pre_logits(feats) == 0).any()
    head.eval()
    assert torch.equal(head.pre_logits(feats), feats[0])
    with pytest.raises(ValueError, match='dropout_rate'):
        DropoutLinearClsHead(num_classes=10, in_channels=16, dropout_rate=1.5)
