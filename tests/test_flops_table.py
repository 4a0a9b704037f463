import pytest

from mmsgnas.flops import SGNASFlopsTable, count_conv_macs
from mmsgnas.models import SGNASNet
from mmsgnas.spaces import NAMED_ARCHS, SGNASSpace

from conftest import random_archs


@pytest.mark.parametrize('variant, size, n', [('imagenet', 224, 20), ('cifar', 32, 20)])
def test_table_equals_measured_conv_macs(variant, size, n):
    table = SGNASFlopsTable.get(variant, size)
    archs = random_archs(11, n) + [SGNASSpace.smallest(), SGNASSpace.largest()]
    archs += [SGNASSpace.parse(a) for a in NAMED_ARCHS.values()]
    for arch in archs:
        measured = count_conv_macs(SGNASNet(arch, variant, init_cfg=None), size)['']
        assert table.macs(arch) == measured, arch


def test_table_range_and_cache():
    table = SGNASFlopsTable.get('imagenet')
    assert table is SGNASFlopsTable.get('imagenet')
    assert 177 < table.min_mflops < 179 and 555 < table.max_mflops < 557
    cifar = SGNASFlopsTable.get('cifar')
    assert 51 < cifar.min_mflops < 52 and 171 < cifar.max_mflops < 172
    other = SGNASFlopsTable.get('imagenet', 192)
    assert other.input_size == 192 and other.max_mflops < table.max_mflops


@pytest.mark.parametrize('name, mflops, params_m', [('SGNAS-A', 373, 6.0), ('SGNAS-B', 326, 5.5),
                                                    ('SGNAS-C', 281, 4.7)])
def test_published_nets_with_se_and_hswish(name, mflops, params_m):
    """The paper's figures: FLOPs include the SE convs, params the SE and the classifier."""
    from tools.get_flops import main
    result = main([name, '--with-se', '--act', 'HSwish'])
    assert abs(result['mflops'] - mflops) <= 1.0
    assert round(result['params_with_classifier'] / 1e6, 1) == params_m
