import json
import random

import pytest

from mmsgnas.flops import FlopsTable
from mmsgnas.models import SGNASNet
from mmsgnas.search import (evolution_search, fill, fit_budget, grow_moves, random_search, repair,
                            shrink_moves, write_results)
from mmsgnas.space import ArchSampler, largest_arch, parse_arch, smallest_arch


class FlopsProxyEvaluator:
    """Scores by a fixed random function of the architecture (the search logic under test
    needs a deterministic score, not a trained network)."""

    def __init__(self):
        self.num_evaluated = 0

    def top1(self, arch):
        self.num_evaluated += 1
        return random.Random(hash(arch)).uniform(10, 60)


def test_repair_fits_deterministically():
    table = FlopsTable.get('cifar')
    for target in (55.0, 80.0, 100.0, 150.0):
        arch, repaired = repair(largest_arch(), table, target)
        assert repaired and table.mflops(arch) <= target
        assert repair(largest_arch(), table, target) == (arch, True)
        # close to the budget: no single shrink move of the result is needed
        assert table.mflops(arch) > target - 3.0
    arch = ArchSampler(0).sample()
    assert repair(arch, table, table.mflops(arch)) == (arch, False)
    with pytest.raises(ValueError, match='below the smallest architecture'):
        repair(largest_arch(), table, 40.0)


def test_shrink_moves_lower_flops():
    table = FlopsTable.get('cifar')
    arch = ArchSampler(3).sample()
    for m in shrink_moves(arch):
        assert table.mflops(m) < table.mflops(arch)
    assert shrink_moves(smallest_arch()) == []


def test_grow_moves_raise_flops():
    table = FlopsTable.get('cifar')
    arch = ArchSampler(4).sample()
    for m in grow_moves(arch):
        assert table.mflops(m) > table.mflops(arch)
    assert grow_moves(largest_arch()) == []


@pytest.mark.parametrize('seed', range(4))
def test_fit_budget_lands_within_tolerance_under_target(seed):
    table = FlopsTable.get('cifar')
    arch = ArchSampler(seed).sample()
    for target in (60.0, 90.0, 120.0, 160.0):
        fitted, action = fit_budget(arch, table, target, tolerance=0.01)
        assert 0.99 * target <= table.mflops(fitted) <= target
        over = table.mflops(arch) > target
        assert action.startswith('shrunk') == over
        assert fit_budget(arch, table, target, 0.01) == (fitted, action)  # deterministic
    # no growing asked: an under-budget architecture stays as it is
    assert fit_budget(arch, table, 170.0, tolerance=None) == (arch, 'no')
    with pytest.raises(ValueError, match='repair it first'):
        fill(largest_arch(), table, 100.0)


@pytest.mark.parametrize('search', ['random', 'evolution'])
def test_baselines_respect_budget_and_budget_of_evaluations(search):
    table = FlopsTable.get('cifar')
    ev = FlopsProxyEvaluator()
    if search == 'random':
        row = random_search(90.0, table, ev, num_candidates=12, max_tries=10000, seed=0)
        assert ev.num_evaluated == 12
    else:
        row = evolution_search(90.0, table, ev, population=6, generations=3, top_k=3,
                               mutation_prob=0.2, max_tries=10000, seed=0)
        assert ev.num_evaluated == 18
    assert table.mflops(row['arch']) <= 90.0
    with pytest.raises(ValueError, match=r'found only 0 of .* under 52.0 MFLOPs in 50 tries'):
        random_search(52.0, table, ev, num_candidates=5, max_tries=50, seed=0)


def test_report_files(tmp_path):
    table = FlopsTable.get('cifar')
    archs = ArchSampler(1).sample_many(3)
    rows = [dict(target=table.mflops(a) + 1, arch=a, mflops=table.mflops(a), params_m=1.0,
                 top1=30.0 + i, repaired=i == 1) for i, a in enumerate(archs)]
    background = [dict(mflops=table.mflops(a), top1=20.0) for a in ArchSampler(2).sample_many(5)]
    paths = write_results(str(tmp_path), rows, background)
    for key in ('csv', 'md', 'target_plot', 'top1_plot'):
        assert (tmp_path / paths[key].split('/')[-1]).stat().st_size > 0
    assert open(paths['md']).read().count('\n| ') == 4
    content = json.loads(open(rows[0]['file']).read())
    assert parse_arch(content['arch']) == archs[0]
    net = SGNASNet(rows[0]['file'], 'cifar', init_cfg=None)  # the file drops into SGNASNet
    assert net.arch == archs[0]


def test_evaluator_uses_the_given_data_preprocessor():
    """The supernet nested in the generator has no normalisation of its own: the search
    must normalise with the generator model's preprocessor (a regression: top-1 at chance)."""
    import torch
    from mmpretrain.models import ClsDataPreprocessor
    from mmpretrain.structures import DataSample
    from torch import nn
    from mmsgnas.search import SubnetEvaluator

    classifier = nn.Module()
    classifier.data_preprocessor = ClsDataPreprocessor()  # what a nested config builds
    norm = ClsDataPreprocessor(mean=[125.0] * 3, std=[50.0] * 3)
    images = torch.full((2, 3, 4, 4), 125, dtype=torch.uint8)
    batch = dict(inputs=list(images), data_samples=[DataSample().set_gt_label(1)] * 2)
    raw = SubnetEvaluator(classifier, [batch]).batches[0][0]
    normed = SubnetEvaluator(classifier, [batch], data_preprocessor=norm).batches[0][0]
    assert raw.abs().max() == 125 and normed.abs().max() == 0
