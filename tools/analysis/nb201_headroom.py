"""How good must a supernet's ranking be to beat the no-supernet control on NAS-Bench-201?

    python tools/analysis/nb201_headroom.py [--targets 50 100 150 200] \
        [--noise 0 0.5 1 2 4 8] [--draws 300] [--num-random 200] [--out headroom.json]

Reads only the benchmark's ground truth (no supernet, about 30 s). Prints two tables:

1. The control of ``tools/nb201_benchmark.py`` (uniform random cells put through the search's
   budget fitting, ``--control-draws`` a seed over ``--seeds``) per target: the CIFAR-10
   ground truth it reaches, its percentile among all cells within the target (the mean of
   its cells' percentiles, as the benchmark's table shows it), how many distinct cells the
   fitting lands on and at what FLOPs, and the optimum within the target.
2. A score that is the ground truth plus independent Gaussian noise of ``sd`` points: its
   Kendall tau over ``--num-random`` random cells (what ``supernet_ranking.py`` reports of a
   supernet) and, per target, the ground truth of the cell it scores best among all cells
   within the target (mean over ``--draws`` noise draws) with how often (the share of the
   draws) that cell beats the control's mean.

So a supernet's measured tau reads as the pick a perfect generator of its score can expect.
"""
import argparse
import json

import numpy as np

from mmsgnas.analysis.nb201_headroom import control_summary, noisy_ranker
from mmsgnas.analysis.nb201_results import PAPER_SGNAS, Benchmark


def main(argv=None) -> dict:
    """Print both tables; return them (``controls``, ``noisy_ranker``), also to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--targets', nargs='+', type=float, default=[50, 100, 150, 200],
                        help='MFLOPs budgets (the benchmark\'s by default)')
    parser.add_argument('--noise', nargs='+', type=float, default=[0, 0.5, 1, 2, 4, 8],
                        help='standard deviations (points of top-1) of the noisy score')
    parser.add_argument('--draws', type=int, default=300, help='noise draws per sd')
    parser.add_argument('--num-random', type=int, default=200,
                        help='random cells the tau is measured over (as supernet_ranking.py)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2],
                        help='the control\'s seeds (the benchmark\'s by default)')
    parser.add_argument('--control-draws', type=int, default=100,
                        help='random cells per seed in the control (the benchmark\'s)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the noise')
    parser.add_argument('--out', default=None, help='JSON output path')
    args = parser.parse_args(argv)
    bench = Benchmark()
    controls = control_summary(bench, args.targets, args.seeds, args.control_draws)
    lines = ['| target (MFLOPs) | control: CIFAR-10 (mean ± SE) | its percentile within the '
             'target | distinct fitted cells | their FLOPs (M) | optimum within the target |',
             '|---|---|---|---|---|---|']
    for c in controls:
        lines.append(f"| {c['target']:g} | {c['mean']:.2f} ± {c['se']:.2f} | "
                     f"{c['percentile']:.1f} | {c['distinct']} | "
                     f"{', '.join(f'{f:g}' for f in c['flops'][:4])}"
                     f"{' ...' if len(c['flops']) > 4 else ''} | {c['optimum']:.2f} |")
    paper = PAPER_SGNAS['cifar10']
    lines += ['', f'(The paper\'s SGNAS on NB201, Table 3, CIFAR-10: {paper[0]:.2f} ± '
              f'{paper[1]:.2f}, trained on the full CIFAR-10.)', '',
              f'| noise sd (points) | tau over {args.num_random} random cells | ' + ' | '.join(
                  f"{c['target']:g} M: GT of the pick (P > control)" for c in controls) + ' |',
              '|---|---|' + '---|' * len(controls)]
    ranked = []
    for sd in args.noise:
        r = noisy_ranker(bench, args.targets, sd, draws=args.draws,
                         num_random=args.num_random, seed=args.seed)
        picks = []
        for c in controls:
            got = r['picks'][c['target']]
            picks.append(dict(target=c['target'], mean=float(got.mean()), std=float(got.std()),
                              over_control=float(np.mean(got > c['mean']))))
        lines.append(f"| {sd:g} | {r['tau']:.2f} | " + ' | '.join(
            f"{p['mean']:.2f} ({p['over_control']:.2f})" for p in picks) + ' |')
        ranked.append(dict(noise_sd=sd, tau=r['tau'], picks=picks))
    print('\n'.join(lines))
    out = dict(controls=controls, noisy_ranker=ranked)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    main()
