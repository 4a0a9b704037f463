"""Check latency tables against the whole networks they predict: random architectures, the
table's sum of parts vs the static network (SGNASNet / NB201Net; under ONNX Runtime the
exported model) measured end to end with the table's own runtime, threads and protocol (the 50 networks timed
interleaved, as the table's parts were).

    python tools/analysis/latency_check.py work_dirs/latency/sgnas-cifar_*.json --num 50

Prints, per table, the mean absolute error (ms and % of the measured latency), the worst
error and Kendall tau between predicted and measured latency; ``--out`` saves every pair.

A shared machine's speed drifts (here up to 1.5x between hours), and a table predicts at the
speed its parts were measured at. So the parts of the first ``--speed-networks`` networks are
timed again with the networks: their sums against the table say how fast the machine runs now
(``speed``), and the errors are also given for the predictions times that one factor
("at today's speed"): the table's own error, without the machine's drift.
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
from mmsgnas.latency.calibration import speed_now, time_with_parts
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


def check(path: str, num: int, seed: int, spread: bool = False, speed_networks: int = 10) -> dict:
    table = load_latency_table(path, device='this')
    archs = sample(table, num, seed, spread)
    start = time.perf_counter()
    predicted = np.array([table.ms(a) for a in archs])
    measured, sums = time_with_parts(table, archs, table.meter(), speed_networks)
    measured = np.array(measured)
    speed = speed_now(table, archs, sums) if speed_networks else float('nan')
    return dict(table=path, runtime=table.header['runtime'], num=num, seed=seed, spread=spread,
                **errors(predicted, measured), speed=speed, speed_networks=speed_networks,
                at_speed=errors(predicted * speed, measured) if speed_networks else None,
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
    parser.add_argument('--speed-networks', type=int, default=10,
                        help='networks whose parts are timed again for the speed now (0: none)')
    parser.add_argument('--out', default=None, help='JSON file for the results')
    args = parser.parse_args(argv)
    if args.num < 2:
        parser.error(f'--num must be at least 2 (Kendall tau needs pairs), got {args.num}')
    if not 0 <= args.speed_networks <= args.num:
        parser.error(f'--speed-networks must be in [0, --num={args.num}], got '
                     f'{args.speed_networks}')
    results = [check(p, args.num, args.seed, args.spread, args.speed_networks)
               for p in args.tables]
    print('| table | runtime | archs | measured range (ms) | MAE (ms) | MAE (%) | worst (%) | '
          'bias (%) | Kendall tau | speed now | at that speed: MAE (%) / worst (%) / bias (%) |'
          '\n|---|---|---|---|---|---|---|---|---|---|---|')
    for r in results:
        lo, hi = r['measured_range']
        kind = f"{r['num']} {'spread' if r['spread'] else 'uniform'}"
        s = r['at_speed']
        at = f"{s['mape']:.1f} / {s['worst_pct']:.1f} / {s['bias_pct']:+.1f}" if s else '-'
        print(f"| {osp.basename(r['table'])} | {r['runtime']} | {kind} | {lo:.2f}-{hi:.2f} "
              f"| {r['mae_ms']:.3f} | {r['mape']:.1f} | {r['worst_pct']:.1f} | "
              f"{r['bias_pct']:+.1f} | {r['kendall_tau']:.3f} | {r['speed']:.3f}x | {at} |")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    main()
