import pytest

from mmsgnas.spaces import NAMED_ARCHS, SGNASSpace
from mmsgnas.spaces.sgnas import layer_expansion, layer_kernels

from conftest import random_archs

A = NAMED_ARCHS['SGNAS-A']


def test_roundtrip_named():
    for name, s in NAMED_ARCHS.items():
        arch = SGNASSpace.parse(s)
        assert len(arch) == 19
        assert SGNASSpace.format(arch) == s
        assert SGNASSpace.parse(name) == arch


def test_token_helpers():
    assert layer_kernels('7333ss') == [7, 3, 3, 3]
    assert layer_expansion('7333ss') == 4
    assert layer_expansion('573733') == 6


@pytest.mark.parametrize('bad, match', [
    ('|'.join(['333sss'] * 18), r'18 layer token\(s\), expected 19'),
    (A.replace('573733', '57373'), r'layer 0: .* 5 characters, expected 6'),
    (A.replace('7333ss', '7x33ss'), r"layer 1: .* invalid character\(s\) \['x'\]"),
    (A.replace('353sss', '3s3sss'), r'layer 2: .* skip before a kernel'),
    (A.replace('353sss', '3sssss'), r'layer 2: .* 1 kernel\(s\), expected at least 2'),
    (A.replace('353sss', 'ssssss'), r'layer 2: .* 0 kernel\(s\)'),
])
def test_malformed_strings(bad, match):
    with pytest.raises(ValueError, match=match):
        SGNASSpace.parse(bad)


def test_get_arch_errors(tmp_path):
    with pytest.raises(ValueError, match='unknown architecture .*SGNAS-D'):
        SGNASSpace.parse('SGNAS-D')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        SGNASSpace.parse(str(tmp_path / 'missing.txt'))
    f = tmp_path / 'arch.txt'
    f.write_text('# searched\n' + A + '\n')
    assert SGNASSpace.parse(str(f)) == SGNASSpace.parse(A)
    j = tmp_path / 'arch.json'
    j.write_text('{"arch": "%s", "mflops": 1}' % A)
    assert SGNASSpace.parse(str(j)) == SGNASSpace.parse(A)
    j.write_text('{"flops": 1}')
    with pytest.raises(ValueError, match="no 'arch' key"):
        SGNASSpace.parse(str(j))


def test_enumeration_counts():
    distinct = SGNASSpace.layer_choices()
    ordered = SGNASSpace.layer_choices(ordered=True)
    assert len(distinct) == len(set(distinct)) == 80
    assert len(ordered) == len(set(ordered)) == 1089
    # distinct = ordered tokens up to kernel order
    canon = {''.join(sorted(t.rstrip('s'))) for t in ordered}
    assert len(canon) == 80
    for t in ordered:
        SGNASSpace.parse([t] * 19)


def test_sampler_seeded_and_uniform():
    a = random_archs(3, 5)
    assert a == random_archs(3, 5)
    assert a != random_archs(4, 5)
    tokens = [t for arch in random_archs(0, 400) for t in arch]
    for t in tokens[:50]:
        SGNASSpace.parse([t] * 19)
    counts = {e: sum(layer_expansion(t) == e for t in tokens) for e in range(2, 7)}
    assert set(counts) == {2, 3, 4, 5, 6}
    n = len(tokens)
    assert all(abs(c / n - 0.2) < 0.03 for c in counts.values()), counts
    kernels = [k for t in tokens for k in layer_kernels(t)]
    for k in (3, 5, 7):
        assert abs(kernels.count(k) / len(kernels) - 1 / 3) < 0.03


def test_extremes():
    assert all(t == '33ssss' for t in SGNASSpace.smallest())
    assert all(t == '777777' for t in SGNASSpace.largest())
