"""The supernet ranking: the split-half check (noise alone vs real differences) and, on
NAS-Bench-201, Kendall tau against the ground truth per FLOPs quintile."""
import numpy as np
import pytest

from mmsgnas.analysis.nb201_ground_truth import NB201GroundTruth
from mmsgnas.analysis.supernet_ranking import rank_random
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
