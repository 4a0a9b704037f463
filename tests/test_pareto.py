"""The Pareto front of a search: non-domination, hypervolume and the files written."""
import csv
import json
import os.path as osp
import random

import pytest

from conftest import random_archs
from mmsgnas.flops import SGNASFlopsTable
from mmsgnas.models import SGNASNet
from mmsgnas.search.pareto import VisitedScores, hypervolume, non_dominated, write_front
from mmsgnas.spaces import SGNASSpace


def dominates(a, b) -> bool:
    return a[0] <= b[0] and a[1] >= b[1] and a != b


@pytest.mark.parametrize('seed', range(5))
def test_front_is_exactly_the_non_dominated_set(seed):
    rng = random.Random(seed)
    points = [(rng.randint(0, 30), rng.randint(0, 30)) for _ in range(60)]
    front = non_dominated(points)
    members = [points[i] for i in front]
    assert [p[0] for p in members] == sorted(p[0] for p in members)
    for i, p in enumerate(points):
        if i in front:
            assert not any(dominates(q, p) for q in points)
        else:  # dominated, or a copy of a member
            assert any(dominates(q, p) or q == p for q in members)
    assert len(set(members)) == len(members)


def test_hypervolume_of_known_fronts():
    assert hypervolume([(2.0, 50.0)], 10.0, 40.0) == pytest.approx(8 * 10)
    # two steps: [2, 5) at 50, [5, 10] at 60
    assert hypervolume([(2.0, 50.0), (5.0, 60.0)], 10.0, 40.0) == pytest.approx(3 * 10 + 5 * 20)
    # dominated points and points outside the box add nothing
    assert hypervolume([(2.0, 50.0), (5.0, 60.0), (6.0, 55.0), (12.0, 90.0), (1.0, 30.0)],
                       10.0, 40.0) == pytest.approx(130.0)
    assert hypervolume([], 10.0, 40.0) == 0.0


class Scores:
    """A deterministic scorer of architectures (the files, not the evaluator, are tested)."""

    def __init__(self):
        self.calls = 0

    def top1(self, arch):
        self.calls += 1
        return float(sum(map(len, (t.rstrip('s') for t in arch))))


def test_write_front_files(tmp_path):
    table = SGNASFlopsTable.get('cifar')
    visited = VisitedScores(Scores())
    archs = random_archs(0, 40)
    for arch in archs + archs[:5]:
        visited.top1(arch)
    assert len(visited.visited) == 40 and visited.calls == 45
    entries = [dict(arch=a, top1=t, mflops=table.mflops(a)) for a, t in visited.visited.items()]
    out = write_front(str(tmp_path), entries, entries[:10], 'generator', SGNASSpace.format,
                      'MFLOPs', ref=(max(e['mflops'] for e in entries), 0.0))
    rows = list(csv.DictReader(open(out['pareto_csv'])))
    assert len(rows) == out['num_front'] >= 1
    points = [(e['mflops'], e['top1']) for e in entries]
    for r in rows:
        p = (float(r['mflops']), float(r['top1']))
        assert not any(dominates(q, p) for q in points)
        arch = json.load(open(r['file']))['arch']
        assert SGNASNet(r['file'], 'cifar', init_cfg=None).arch_str == arch == r['arch']
    assert out['hypervolume'] == pytest.approx(hypervolume(points, *out['ref']))
    assert osp.getsize(out['pareto_png']) > 1000
    assert 'hypervolume' in open(out['pareto_md']).read()
