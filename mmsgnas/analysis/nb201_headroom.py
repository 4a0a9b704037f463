"""How far the no-supernet control is on NAS-Bench-201, and what ranking would beat it.

Ground truth only: the control of ``tools/nb201_benchmark.py`` (uniform random cells put
through the search's budget fitting) summarised per target, and a simulated score (the
ground truth plus independent Gaussian noise) whose Kendall tau reads like a supernet's.
"""
from typing import Dict, List, Sequence

import numpy as np
from scipy.stats import kendalltau

from mmsgnas.flops import NB201FlopsTable
from mmsgnas.spaces import NB201Space
from .nb201_results import Benchmark, fitted_random_control


def control_summary(bench: Benchmark, targets: Sequence[float], seeds: Sequence[int],
                    draws: int = 100) -> List[dict]:
    """The no-supernet control at each target, as the benchmark draws it.

    Args:
        bench: the ground truth and FLOPs of all architectures.
        targets: MFLOPs budgets.
        seeds: the control's seeds (``draws`` random cells each).
        draws: random cells per seed.

    Returns:
        One dict per target: ``mean`` and ``se`` of the fitted cells' CIFAR-10 ground truth,
        ``percentile`` (the mean of each fitted cell's percentile among all cells within the
        target, as the benchmark's table shows it), ``distinct`` cells the fitting lands on,
        their ``flops`` (sorted, rounded to 0.1 M) and the ``optimum`` within the target.
    """
    runs = fitted_random_control(NB201Space(), NB201FlopsTable.get(), targets, seeds,
                                 draws=draws)
    rows = []
    for t in targets:
        archs = [r['arch'] for s in runs for r in runs[s] if r['target'] == float(t)]
        acc = np.array([bench.accuracy(a) for a in archs])
        rows.append(dict(
            target=float(t), mean=float(acc.mean()), se=float(acc.std() / np.sqrt(acc.size)),
            percentile=float(np.mean([bench.percentile(a, t) for a in archs])),
            distinct=len(set(map(tuple, archs))),
            flops=sorted({round(bench.table.mflops(a), 1) for a in archs}),
            optimum=bench.optimal(t)))
    return rows


def noisy_ranker(bench: Benchmark, targets: Sequence[float], noise_sd: float,
                 draws: int = 300, num_random: int = 200, seed: int = 0,
                 dataset: str = 'cifar10') -> Dict[str, object]:
    """What a score that is the ground truth plus independent Gaussian noise would pick.

    Args:
        bench: the ground truth and FLOPs of all architectures.
        targets: MFLOPs budgets.
        noise_sd: the noise's standard deviation, in points of top-1.
        draws: noise draws.
        num_random: uniformly drawn architectures the tau is measured over.
        seed: seed of the draws.
        dataset: the ground truth's dataset.

    Returns:
        ``tau``: the score's Kendall tau against the ground truth over ``num_random`` random
        architectures, the mean over ``draws`` draws (the reading ``supernet_ranking.py``
        gives of a supernet); ``picks``: per target, an array of ``draws`` ground truths of
        the architecture the score rates best among *all* those within the target (what a
        perfect generator of that score would return).

    Raises:
        ValueError: on a negative or NaN ``noise_sd``, ``draws`` < 1, ``num_random`` outside
            [2, the number of architectures], or a target under the smallest architecture.
    """
    if not noise_sd >= 0:
        raise ValueError(f'noise_sd must be >= 0 (points of top-1), got {noise_sd!r}')
    if draws < 1:
        raise ValueError(f'draws must be >= 1, got {draws!r}')
    truth = bench.acc[dataset]
    if not 2 <= num_random <= len(truth):
        raise ValueError(f'num_random must be in [2, {len(truth)}], got {num_random!r}')
    rng = np.random.default_rng(seed)
    taus = []
    for _ in range(draws):
        idx = rng.choice(len(truth), num_random, replace=False)
        taus.append(kendalltau(truth[idx] + rng.normal(0, noise_sd, num_random),
                               truth[idx]).statistic)
    picks = {}
    for t in targets:
        within = bench.within(t, dataset)
        if within.size == 0:
            raise ValueError(f'target {t} MFLOPs is below the smallest architecture '
                             f'({bench.flops.min():.2f} MFLOPs)')
        picks[float(t)] = np.array([within[(within + rng.normal(0, noise_sd, within.size))
                                           .argmax()] for _ in range(draws)])
    return dict(tau=float(np.mean(taus)), picks=picks)
