"""The supernet ranking: the split-half check (noise alone vs real differences) and, on
NAS-Bench-201, Kendall tau against the ground truth per FLOPs quintile."""
import numpy as np
import pytest

from mmsgnas.analysis.nb201_ground_truth import NB201GroundTruth
from mmsgnas.analysis.supernet_ranking import rank_band, rank_random
from mmsgnas.flops import NB201FlopsTable, SGNASFlopsTable
from mmsgnas.spaces import NB201Space, SGNASSpace


class FakeEvaluator:
    """Scores an architecture by a hidden quality plus independent noise per half."""

    def __init__(self, quality_sd: float, noise_sd: float, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.quality_sd, self.noise_sd = quality_sd, noise_sd
        self.num_images = 1000
        self.half_scores = {}

    def top1(self, arch) -> float:
        quality = 50 + self.quality_sd * self.rng.standard_normal()
        halves = quality + self.noise_sd * self.rng.standard_normal(2) + np.array([1.0, -1.0])
        self.half_scores[tuple(arch)] = tuple(halves.tolist())
        return float(halves.mean())


@pytest.mark.parametrize('quality_sd', [0.0, 3.0])
def test_split_half_separates_noise_from_differences(quality_sd):
    noise_sd = 2.0  # per half: 2 / sqrt(2) for the mean of the two halves
    r = rank_random(SGNASSpace(), SGNASFlopsTable.get('cifar'),
                    FakeEvaluator(quality_sd, noise_sd), 200, seed=1)
    assert r['relative_noise'] == pytest.approx(noise_sd / np.sqrt(2), rel=0.15)
    if quality_sd == 0:
        assert abs(r['split_half_r']) < 0.2
        assert all(b['std_over_noise'] < 1.5 for b in r['bins'])
    else:
        assert r['split_half_r'] > 0.5
        assert all(b['std_over_noise'] > 1.5 for b in r['bins'])


class TruthEvaluator:
    """Scores an NB201 architecture by its ground truth (a perfect supernet)."""
    num_images = 1000
    half_scores: dict = {}

    def __init__(self, truth) -> None:
        self.truth = truth

    def top1(self, arch) -> float:
        return self.truth.accuracy(arch, 'cifar10')


def test_nb201_ground_truth_tau_per_flops_quintile():
    truth = NB201GroundTruth.get()
    r = rank_random(NB201Space(), NB201FlopsTable.get(), TruthEvaluator(truth), 100, seed=0,
                    ground_truth=truth)
    assert r['ground_truth_tau'] == pytest.approx(1.0)
    assert len(r['bins']) == 5
    for row in r['bins']:  # a perfect ranking within each quintile, where FLOPs rank worse
        assert row['ground_truth_tau'] == pytest.approx(1.0)
        assert row['flops_ground_truth_tau'] < 0.9


def test_nb201_band_ranks_every_distinct_cell_at_a_budget():
    """``rank_band`` scores each function of a FLOPs band once; a perfect supernet ranks the
    band's best first, an inverted one last."""
    truth, table = NB201GroundTruth.get(), NB201FlopsTable.get()
    r = rank_band(table, TruthEvaluator(truth), 180, 200, ground_truth=truth)
    assert r['num'] == len(set(r['archs'])) >= 10
    assert all(180 <= f <= 200 for f in r['flops'])
    assert r['ground_truth_tau'] == pytest.approx(1.0) and r['rank_of_best'] == 1
    assert r['ground_truth_of_top1'] == r['ground_truth_best'] >= r['ground_truth_mean']

    class Inverted(TruthEvaluator):
        def top1(self, arch) -> float:
            return -super().top1(arch)

    worst = rank_band(table, Inverted(truth), 180, 200, ground_truth=truth)
    assert worst['ground_truth_tau'] == pytest.approx(-1.0) and worst['rank_of_best'] == r['num']
    with pytest.raises(ValueError, match=r'holds 0 distinct NB201 cell\(s\)'):
        rank_band(table, TruthEvaluator(truth), 221, 300, ground_truth=truth)
    with pytest.raises(ValueError, match=r'0 <= low <= high, got \[200, 180\]'):
        rank_band(table, TruthEvaluator(truth), 200, 180, ground_truth=truth)
