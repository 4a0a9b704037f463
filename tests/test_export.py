import pytest
import torch
from torch import nn

from mmsgnas.models import SGNASNet, UnifiedSupernet, load_from_supernet
from mmsgnas.spaces import NAMED_ARCHS, ArchSampler, SGNASSpace

from conftest import random_archs

SIZES = {'imagenet': 64, 'cifar': 32}  # imagenet variant run at 64 px to keep the test fast


def randomised_supernet(variant, shared_kernels=False):
    torch.manual_seed(0)
    net = UnifiedSupernet(variant=variant, shared_kernels=shared_kernels)
    net.init_weights()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return net.eval()


@pytest.mark.parametrize('shared_kernels', [False, True])
@pytest.mark.parametrize('variant', ['imagenet', 'cifar'])
def test_export_is_exact(variant, shared_kernels):
    supernet = randomised_supernet(variant, shared_kernels)
    ckpt = {'state_dict': {'backbone.' + k: v for k, v in supernet.state_dict().items()}}
    x = torch.randn(2, 3, SIZES[variant], SIZES[variant])
    archs = random_archs(7, 4) + [SGNASSpace.smallest(), SGNASSpace.largest(),
                                             NAMED_ARCHS['SGNAS-B']]
    for arch in archs:
        supernet.set_arch(arch)
        expected = supernet(x)[0]
        net = load_from_supernet(SGNASNet(arch, variant, init_cfg=None), ckpt).eval()
        torch.testing.assert_close(net(x)[0], expected, rtol=1e-5, atol=1e-5)
    if shared_kernels:  # one 7x7 weight per block; its centre is the 3x3 of the static net
        assert {k.split('.')[-2] for k in ckpt['state_dict'] if '.dw.' in k} == {'7'}
        block = supernet.layers[3]
        torch.testing.assert_close(block.dw_weight(3), block.dw['7'].weight[:, :, 2:5, 2:5])


def test_export_accepts_bare_state_dict_and_file(tmp_path):
    supernet = randomised_supernet('cifar')
    path = tmp_path / 'supernet.pth'
    torch.save({'state_dict': {'backbone.' + k: v for k, v in supernet.state_dict().items()}},
               path)
    arch = ArchSampler(1).sample()
    a = load_from_supernet(SGNASNet(arch, 'cifar', init_cfg=None), str(path))
    b = load_from_supernet(SGNASNet(arch, 'cifar', init_cfg=None), supernet.state_dict())
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)


def test_mismatched_checkpoint_errors():
    supernet = randomised_supernet('cifar')
    state = supernet.state_dict()
    net = SGNASNet('SGNAS-A', 'cifar', init_cfg=None)
    broken = {k: v for k, v in state.items() if k != 'layers.4.dw.7.weight'}
    with pytest.raises(ValueError, match=r"does not match: it has no 'layers.4.dw.7.weight'"):
        load_from_supernet(net, broken)
    narrow = dict(state)
    narrow['layers.4.expand.weight'] = state['layers.4.expand.weight'][:100]
    with pytest.raises(ValueError, match=r"'layers.4.expand.weight' has shape \(100, 40, 1, 1\)"):
        load_from_supernet(net, narrow)
    with pytest.raises(ValueError, match='does not match'):
        load_from_supernet(net, SGNASNet('SGNAS-B', 'cifar', init_cfg=None).state_dict())
    with pytest.raises(ValueError, match='SE layers'):
        load_from_supernet(SGNASNet('SGNAS-A', 'cifar', with_se=True, init_cfg=None), state)


def test_cumulative_bn_statistics_match_the_static_net():
    """With momentum=None the supernet's sliced BNs keep the cumulative average that the static
    net's nn.BatchNorm2d keeps, also when one BN runs several slices (kernels 3, 5, 3)."""
    torch.manual_seed(0)
    bn = dict(type='BN', momentum=None)
    supernet = UnifiedSupernet(variant='cifar', norm_cfg=bn)
    supernet.init_weights()
    arch = ['353333', '3535ss'] + ['735sss'] * 17
    supernet.set_arch(arch)
    net = load_from_supernet(SGNASNet(arch, 'cifar', norm_cfg=bn, init_cfg=None),
                             supernet.state_dict())
    for m in list(supernet.modules()) + list(net.modules()):
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
    supernet.train(), net.train()
    with torch.no_grad():
        for i in range(3):
            x = torch.randn(4, 3, 32, 32) * (i + 1)
            supernet(x), net(x)
    exported = load_from_supernet(SGNASNet(arch, 'cifar', norm_cfg=bn, init_cfg=None),
                                  supernet.state_dict())
    for (k, v), (k2, v2) in zip(net.state_dict().items(), exported.state_dict().items()):
        if 'running' in k:
            torch.testing.assert_close(v, v2, msg=k)


@pytest.mark.parametrize('widen', [1.0, 0.5])
def test_nb201_export_is_exact(tmp_path, widen):
    """export_subnet slices an NB201 path out of an NB201 supernet classifier checkpoint: the
    static net (same cells per stage and width, batch-statistics BN) gives the supernet's
    outputs; a net built otherwise is refused by name."""
    from mmsgnas.models import NB201Net, NB201Supernet, export_subnet
    supernet = NB201Supernet(cells_per_stage=1, widen_factor=widen).eval()
    ckpt = tmp_path / 'supernet.pth'
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in supernet.state_dict().items()}),
               ckpt)
    arch = ('nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none',
            'nor_conv_3x3')
    out = export_subnet(str(ckpt), NB201Net(arch, 1, track_running_stats=False,
                                            widen_factor=widen))
    net = NB201Net(arch, 1, track_running_stats=False, widen_factor=widen).eval()
    net.load_state_dict({k[len('backbone.'):]: v for k, v in out['state_dict'].items()})
    supernet.set_arch(arch)
    x = torch.randn(4, 3, 32, 32)
    torch.testing.assert_close(net(x)[0], supernet(x)[0], rtol=0, atol=0)
    with pytest.raises(ValueError, match="has no 'stem.1.running_mean'"):
        export_subnet(str(ckpt), NB201Net(arch, 1, widen_factor=widen))
    with pytest.raises(ValueError, match="'stem.0.weight' gets shape"):
        export_subnet(str(ckpt), NB201Net(arch, 1, track_running_stats=False,
                                          widen_factor=2 * widen))
