"""Check latency tables against the whole networks they predict: random architectures, the
table's sum of parts vs the static network (SGNASNet / NB201Net; under ONNX Runtime the
exported model) measured end to end with the table's own runtime, threads and protocol (the
50 networks timed interleaved, as the table's parts were).

    python tools/analysis/latency_check.py work_dirs/latency/sgnas-cifar_*.json --num 50

Prints, per table, the mean absolute error (ms and % of the measured latency), the worst
error and Kendall tau between predicted and measured latency; ``--out`` saves every pair.
``--twice`` times the networks a second time and reports how well the two timings agree
(Kendall tau between them: what the timing itself allows a table to reach here), the table
then judged against their mean.

This machine's speed drifts (up to 1.5x, within minutes as well as between hours), and a table
predicts at the speed of its calibration. So the error is also given for the table calibrated
within this run: the scale (median measured / predicted) of the even networks applied to the
odd ones and the other way round ("calibrated now, two-fold"). With no time between that
calibration and its use, and the same kind of networks on both sides, it is a lower bound of
the error of a table recalibrated just before use.
"""
import argparse
import json
import os
import os.path as osp
import time

import numpy as np
from scipy.stats import kendalltau

import mmsgnas  # noqa: F401
from mmsgnas.flops import NB201FlopsTable, SGNASFlopsTable
from mmsgnas.latency import load_latency_table
from mmsgnas.search import fit_budget


def sample(table, num: int, seed: int, spread: bool) -> list:
    """``num`` random architectures; ``spread``: each fitted (by FLOPs) to one of ``num``
    budgets evenly over the space's FLOPs range, so they span the latency range too."""
    sampler = table.space.sampler(seed)
    archs = [sampler.sample() for _ in range(num)]
    if not spread:
        return archs
    flops = (NB201FlopsTable.get() if table.space.name == 'nb201' else
             SGNASFlopsTable.get(table.variant, table.input_size))
    budgets = np.linspace(flops.min_mflops, flops.max_mflops, num + 2)[1:-1]
    return [fit_budget(a, table.space, flops, float(b))[0] for a, b in zip(archs, budgets)]


def errors(predicted: np.ndarray, measured: np.ndarray) -> dict:
    error = np.abs(predicted - measured)
    return dict(mae_ms=float(error.mean()), mape=float(100 * np.mean(error / measured)),
                worst_pct=float(100 * np.max(error / measured)),
                bias_pct=float(100 * np.mean((predicted - measured) / measured)))


def two_fold(predicted: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """The predictions scaled as a calibration within this run would: the median ratio of
    the even networks applied to the odd ones and the other way round."""
    scaled = np.empty_like(predicted)
    for half in (0, 1):
        fit = np.arange(len(predicted)) % 2 == half
        scaled[~fit] = predicted[~fit] * np.median(measured[fit] / predicted[fit])
    return scaled


def repeatability(first: np.ndarray, second: np.ndarray) -> dict:
    """How two timings of the same networks agree: Kendall tau and the mean deviation of their
    ratio from its median (%)."""
    ratio = first / second
    return dict(kendall_tau=float(kendalltau(first, second).statistic),
                deviation_pct=float(100 * np.mean(np.abs(ratio / np.median(ratio) - 1))))


def check(path: str, num: int, seed: int, spread: bool = False, twice: bool = False) -> dict:
    table = load_latency_table(path, device='this')
    meter = table.meter()
    archs = sample(table, num, seed, spread)
    start = time.perf_counter()
    predicted = np.array([table.ms(a) for a in archs])
    measured = np.array(table.measure_all(archs, meter))
    repeat = None
    if twice:
        again = np.array(table.measure_all(archs, meter))
        repeat = repeatability(measured, again)
        measured = (measured + again) / 2
    return dict(table=path, runtime=table.header['runtime'], num=num, seed=seed, spread=spread,
                repeat=repeat,
                **errors(predicted, measured),
                calibrated_now=errors(two_fold(predicted, measured), measured),
                kendall_tau=float(kendalltau(predicted, measured).statistic),
                measured_range=[float(measured.min()), float(measured.max())],
                seconds=time.perf_counter() - start,
                pairs=[dict(arch=table.space.format(a), predicted_ms=float(p),
                            measured_ms=float(m)) for a, p, m in zip(archs, predicted, measured)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('tables', nargs='+', help='latency table files')
    parser.add_argument('--num', type=int, default=50, help='random architectures')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--spread', action='store_true',
                        help='random architectures fitted to budgets over the FLOPs range')
    parser.add_argument('--twice', action='store_true',
                        help='time the networks twice: report how the timings agree, judge '
                             'the table against their mean')
    parser.add_argument('--out', default=None, help='JSON file for the results')
    args = parser.parse_args(argv)
    if args.num < 2:
        parser.error(f'--num must be at least 2 (Kendall tau needs pairs), got {args.num}')
    results = [check(p, args.num, args.seed, args.spread, args.twice) for p in args.tables]
    print('| table | runtime | archs | measured range (ms) | MAE (ms) | MAE (%) | worst (%) | '
          'bias (%) | Kendall tau | calibrated now, two-fold: MAE (%) / worst (%) / bias (%) | '
          'timed twice: tau / deviation (%) |\n|---|---|---|---|---|---|---|---|---|---|---|')
    for r in results:
        lo, hi = r['measured_range']
        kind = f"{r['num']} {'spread' if r['spread'] else 'uniform'}"
        c = r['calibrated_now']
        now = f"{c['mape']:.1f} / {c['worst_pct']:.1f} / {c['bias_pct']:+.1f}"
        r2 = r['repeat']
        repeat = f"{r2['kendall_tau']:.3f} / {r2['deviation_pct']:.1f}" if r2 else '-'
        print(f"| {osp.basename(r['table'])} | {r['runtime']} | {kind} | {lo:.2f}-{hi:.2f} "
              f"| {r['mae_ms']:.3f} | {r['mape']:.1f} | {r['worst_pct']:.1f} | "
              f"{r['bias_pct']:+.1f} | {r['kendall_tau']:.3f} | {now} | {repeat} |")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    main()
