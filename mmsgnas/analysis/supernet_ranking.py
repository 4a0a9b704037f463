"""How well a supernet discriminates: random architectures scored as the search scores them."""
from typing import Optional

import numpy as np
from scipy.stats import kendalltau

from mmsgnas.search import SubnetEvaluator, standard_error
from mmsgnas.spaces import NB201Space
from .nb201_ground_truth import NB201GroundTruth


def rank_random(space, table, evaluator: SubnetEvaluator, num: int, seed: int = 0,
                ground_truth: Optional[NB201GroundTruth] = None) -> dict:
    """Score ``num`` uniform samples of ``space`` (duplicates dropped) with ``evaluator``:
    median, quartiles, range, one standard error at the median, Kendall tau of FLOPs vs
    top-1, and per FLOPs quintile the median, the spread (std, best - worst) and std / SE; on
    NAS-Bench-201 also Kendall tau against the ground truth (CIFAR-10) and of FLOPs alone,
    over all and per FLOPs quintile (in one quintile FLOPs barely rank: what the supernet
    adds to them)."""
    if num < 5:
        raise ValueError(f'num must be at least 5 (one per FLOPs quintile), got {num}')
    sampler = space.sampler(seed)
    archs = list(dict.fromkeys(sampler.sample() for _ in range(num)))
    top1 = np.array([evaluator.top1(a) for a in archs])
    halves = np.array([evaluator.half_scores.get(tuple(a), (np.nan, np.nan)) for a in archs])
    flops = np.array([table.mflops(a) for a in archs])
    median = float(np.median(top1))
    se = standard_error(median, evaluator.num_images)
    result = dict(num=len(archs), images=evaluator.num_images, median=median,
                  quartiles=[float(q) for q in np.percentile(top1, [25, 75])],
                  min=float(top1.min()), max=float(top1.max()), standard_error=se,
                  flops_tau=float(kendalltau(flops, top1).statistic), bins=[],
                  split_half_r=_correlation(halves), relative_noise=_relative_noise(halves),
                  archs=[space.format(a) for a in archs], top1=top1.tolist())
    parts = np.array_split(np.argsort(flops), 5)
    for part in parts:
        acc = top1[part]
        std = float(acc.std(ddof=1))
        noise = _relative_noise(halves[part])
        result['bins'].append(dict(
            flops=[float(flops[part].min()), float(flops[part].max())], n=len(part),
            median=float(np.median(acc)), std=std, spread=float(acc.max() - acc.min()),
            std_over_se=std / se, split_half_r=_correlation(halves[part]),
            relative_noise=noise, std_over_noise=std / noise))
    if isinstance(space, NB201Space):
        truth = ground_truth or NB201GroundTruth.get()
        gt = np.array([truth.accuracy(a, 'cifar10') for a in archs])
        result['ground_truth_tau'] = float(kendalltau(top1, gt).statistic)
        result['flops_ground_truth_tau'] = float(kendalltau(flops, gt).statistic)
        for part, row in zip(parts, result['bins']):
            row['ground_truth_tau'] = float(kendalltau(top1[part], gt[part]).statistic)
            row['flops_ground_truth_tau'] = float(kendalltau(flops[part], gt[part]).statistic)
    return result


def rank_band(table, evaluator: SubnetEvaluator, low: float, high: float,
              ground_truth: Optional[NB201GroundTruth] = None) -> dict:
    """Score every distinct NAS-Bench-201 cell with FLOPs in ``[low, high]`` M (one per
    function: dead edges as ``none``), what a search at a budget chooses among: Kendall tau
    against the ground truth (CIFAR-10) in the band, its mean and best, and the ground truth of
    the cell the supernet scores best and of its top 3. Random samples seldom reach the dear
    end (6 of 6 edges with ops that cost FLOPs), so :func:`rank_random` does not see it."""
    if not 0 <= low <= high:
        raise ValueError(f'a FLOPs band needs 0 <= low <= high, got [{low!r}, {high!r}]')
    flops = {a: table.mflops(a) for a in {NB201Space.canonical(a) for a in NB201Space.all_archs()}}
    archs = sorted(a for a, f in flops.items() if low <= f <= high)
    if len(archs) < 2:
        raise ValueError(f'the band [{low}, {high}] MFLOPs holds {len(archs)} distinct NB201 '
                         f'cell(s); a ranking needs at least 2 (FLOPs from '
                         f'{min(flops.values()):.1f} to {max(flops.values()):.1f} M)')
    top1 = np.array([evaluator.top1(a) for a in archs])
    truth = ground_truth or NB201GroundTruth.get()
    gt = np.array([truth.accuracy(a, 'cifar10') for a in archs])
    order = np.argsort(-top1, kind='stable')
    halves = np.array([evaluator.half_scores.get(tuple(a), (np.nan, np.nan)) for a in archs])
    return dict(band=[float(low), float(high)], num=len(archs), images=evaluator.num_images,
                archs=[NB201Space.format(a) for a in archs], top1=top1.tolist(),
                ground_truth=gt.tolist(), flops=[flops[a] for a in archs],
                ground_truth_tau=float(kendalltau(top1, gt).statistic),
                ground_truth_mean=float(gt.mean()), ground_truth_best=float(gt.max()),
                ground_truth_of_top1=float(gt[order[0]]),
                ground_truth_of_top3=float(gt[order[:3]].mean()),
                rank_of_best=int(np.where(order == int(np.argmax(gt)))[0][0]) + 1,
                split_half_r=_correlation(halves), relative_noise=_relative_noise(halves))


def _correlation(halves: np.ndarray) -> float:
    """Pearson r between the two columns (nan if either is constant or missing)."""
    a, b = halves[:, 0], halves[:, 1]
    if np.isnan(halves).any() or len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float('nan')
    return float(np.corrcoef(a, b)[0, 1])


def _relative_noise(halves: np.ndarray) -> float:
    """The evaluation noise of one full-split top-1 relative to other architectures: the
    difference of its halves is twice its noise (the architecture's true score cancels), its
    mean over architectures (one half easier than the other) is removed."""
    if np.isnan(halves).any() or len(halves) < 3:
        return float('nan')
    diff = halves[:, 0] - halves[:, 1]
    return float((diff - diff.mean()).std(ddof=1) / 2)
