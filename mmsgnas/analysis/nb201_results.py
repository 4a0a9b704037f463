"""NAS-Bench-201 results: ground truth of searched architectures, Table 3 and Fig. 5.

A *run* is one search: rows ``dict(target, arch, top1)`` (what a search loop writes to
``results.csv``), keyed by method and seed. Everything here only reads the benchmark.
"""
from typing import List, Mapping, Optional, Sequence

import numpy as np
from scipy.stats import kendalltau

from mmsgnas.flops import NB201FlopsTable
from mmsgnas.search import fit_budget
from mmsgnas.spaces import NB201Space
from .nb201_ground_truth import DATASETS, NB201GroundTruth

# the paper's Table 3 (test accuracy, %), SGNAS row: mean and std over its three runs
PAPER_SGNAS = {'cifar10': (93.53, 0.12), 'cifar100': (70.31, 1.09),
               'imagenet16-120': (44.98, 2.10)}
TITLES = {'cifar10': 'CIFAR-10', 'cifar100': 'CIFAR-100', 'imagenet16-120': 'ImageNet16-120'}

Runs = Mapping[str, Mapping[int, Sequence[dict]]]  # method -> seed -> rows


class Benchmark:
    """All 15,625 architectures with their FLOPs and ground-truth test accuracies."""

    def __init__(self, ground_truth: Optional[NB201GroundTruth] = None,
                 table: Optional[NB201FlopsTable] = None) -> None:
        self.gt = ground_truth or NB201GroundTruth.get()
        self.table = table or NB201FlopsTable.get()
        archs = NB201Space.all_archs()
        self.flops = self.table.all_mflops().numpy()
        self.acc = {d: np.array([self.gt.accuracy(a, d) for a in archs]) for d in DATASETS}

    def accuracy(self, arch, dataset: str = 'cifar10') -> float:
        return self.gt.accuracy(arch, dataset)

    def percentile(self, arch, target: float, dataset: str = 'cifar10') -> float:
        """Share (%) of the architectures with FLOPs <= ``target`` whose accuracy is <= that
        of ``arch`` (100: the best at this budget)."""
        return float(100.0 * np.mean(self.within(target, dataset) <=
                                     self.accuracy(arch, dataset)))

    def optimal(self, target: float, dataset: str = 'cifar10') -> float:
        """The best accuracy among the architectures with FLOPs <= ``target``."""
        return float(self.within(target, dataset).max())

    def within(self, target: float, dataset: str = 'cifar10') -> np.ndarray:
        """The accuracies of the architectures with FLOPs <= ``target``."""
        return self.acc[dataset][self.flops <= target + 1e-9]


def _mean_std(values: Sequence[float]) -> str:
    values = np.asarray(values, dtype=np.float64)
    return f'{values.mean():.2f} ± {values.std():.2f}'


def best_of_run(rows: Sequence[dict]) -> dict:
    """The run's pick: the architecture with the highest inherited top-1 over its targets
    (what ``best_arch.json`` holds)."""
    return max(rows, key=lambda r: float(r['top1']))


def kendall_tau(bench: Benchmark, background: Sequence[dict],
                dataset: str = 'cifar10') -> float:
    """Kendall tau between inherited-weight top-1 and ground truth (rows with arch, top1)."""
    ours = [float(b['top1']) for b in background]
    truth = [bench.accuracy(b['arch'], dataset) for b in background]
    return float(kendalltau(ours, truth).statistic)


def fitted_random_control(space, table, targets: Sequence[float], seeds: Sequence[int],
                          tolerance: float = 0.01, draws: int = 100) -> dict:
    """A control with no supernet at all: per seed, ``draws`` uniform random architectures,
    each put through the same budget fitting as the generator's output at every target. What
    it reaches on average is what fitting to the budget alone gives (one draw per seed is too
    few: at 50 MFLOPs one broken cell in three moves the mean by 28 points)."""
    if draws < 1:
        raise ValueError(f'draws must be >= 1, got {draws!r}')
    runs = {}
    for seed in seeds:
        sampler = space.sampler(10_000 + seed)
        archs = [sampler.sample() for _ in range(draws)]
        runs[seed] = [dict(target=float(t), arch=fit_budget(a, space, table, t, tolerance)[0])
                      for a in archs for t in targets]
    return runs


def markdown_table(bench: Benchmark, runs: Runs, background: Sequence[dict],
                   notes: Sequence[str] = (), controls: Optional[Runs] = None) -> str:
    """Table 3 (one pick per run, mean ± std over seeds, next to the optimum and the paper's
    SGNAS row), then per target: accuracy, FLOPs and percentile at the budget, with the
    ``controls`` (runs without inherited top-1, e.g. :func:`fitted_random_control`)."""
    controls = controls or {}
    methods = list(runs)
    seeds = sorted({s for m in methods for s in runs[m]})
    head = '| method | ' + ' | '.join(f'{TITLES[d]} test (%)' for d in DATASETS) + ' |'
    lines = [f'### NAS-Bench-201, test accuracy (ground truth, 200 epochs), mean ± std over '
             f'{len(seeds)} seeds', '', head, '|---|---|---|---|',
             '| optimal (benchmark) | ' + ' | '.join(
                 f'{bench.gt.best(d):.2f}' for d in DATASETS) + ' |',
             '| SGNAS (paper, Table 3) | ' + ' | '.join(
                 f'{PAPER_SGNAS[d][0]:.2f} ± {PAPER_SGNAS[d][1]:.2f}' for d in DATASETS) + ' |']
    for m in methods:
        picks = [best_of_run(runs[m][s]) for s in sorted(runs[m])]
        lines.append(f'| {m} (ours, best of its targets) | ' + ' | '.join(
            _mean_std([bench.accuracy(p['arch'], d) for p in picks]) for d in DATASETS) + ' |')
    lines += ['', '### Per FLOPs target (mean ± std over seeds; percentile: CIFAR-10 accuracy '
              'among all architectures with FLOPs <= target)', '',
              '| target (MFLOPs) | method | FLOPs (M) | ' +
              ' | '.join(TITLES[d] for d in DATASETS) + ' | percentile | top-1 inherited |',
              '|---|---|---|---|---|---|---|---|']
    targets = sorted({float(r['target']) for m in methods for s in runs[m] for r in runs[m][s]})
    for t in targets:
        lines.append(f'| {t:g} | optimal at <= {t:g} | | ' + ' | '.join(
            f'{bench.optimal(t, d):.2f}' for d in DATASETS) + ' | 100 | |')
        for m, method_runs in list(runs.items()) + list(controls.items()):
            rows = [r for s in sorted(method_runs) for r in method_runs[s]
                    if float(r['target']) == t]
            top1 = _mean_std([float(r['top1']) for r in rows]) if m in runs else '-'
            lines.append(
                f'| {t:g} | {m} | ' + _mean_std([bench.table.mflops(r['arch']) for r in rows]) +
                ' | ' + ' | '.join(_mean_std([bench.accuracy(r['arch'], d) for r in rows])
                                   for d in DATASETS) + ' | ' +
                _mean_std([bench.percentile(r['arch'], t) for r in rows]) + f' | {top1} |')
    if background:
        lines += ['', f'Supernet ranking: Kendall tau between inherited-weight top-1 and '
                  f'CIFAR-10 ground truth over {len(background)} random architectures: '
                  f'**{kendall_tau(bench, background):.3f}**.']
    lines += [''] + [f'- {n}' for n in notes]
    return '\n'.join(lines) + '\n'


def raw_generator_summary(bench: Benchmark, rows: Sequence[dict]) -> str:
    """How the generator's raw argmax (before budget fitting) compares with what the search
    returns: CIFAR-10 accuracy, percentile at the target, share over the target."""
    raw = [r for r in rows if r.get('generated')]
    if not raw:
        return 'the generator rows hold no raw output'
    over = [bench.table.mflops(r['generated']) > float(r['target']) for r in raw]
    within = [r for r, o in zip(raw, over) if not o]
    pct = (_mean_std([bench.percentile(r['generated'], float(r['target'])) for r in within])
           if within else 'n/a')
    return (f"generator raw argmax before budget fitting: CIFAR-10 "
            f"{_mean_std([bench.accuracy(r['generated']) for r in raw])}, over target "
            f"{sum(over)} / {len(raw)}, percentile of those within {pct}; after fitting "
            f"(the table's rows) {_mean_std([bench.accuracy(r['arch']) for r in raw])}")


def _cell(arch) -> str:
    """An architecture string inside a Markdown table cell (its pipes escaped)."""
    return '`' + NB201Space.format(arch).replace('|', '\\|') + '`'


def architectures_table(bench: Benchmark, runs: Runs) -> str:
    """Every searched architecture with its ground truth (Markdown)."""
    lines = ['| method | seed | target | FLOPs (M) | CIFAR-10 | percentile | top-1 inherited | '
             'arch | generated (raw) |', '|---|---|---|---|---|---|---|---|---|']
    for m in runs:
        for s in sorted(runs[m]):
            for r in runs[m][s]:
                t = float(r['target'])
                raw = (f"{_cell(r['generated'])} "
                       f"({bench.table.mflops(r['generated']):.2f} M)"
                       if r.get('generated') else '')
                lines.append(f"| {m} | {s} | {t:g} | {bench.table.mflops(r['arch']):.2f} | "
                             f"{bench.accuracy(r['arch']):.2f} | "
                             f"{bench.percentile(r['arch'], t):.1f} | {float(r['top1']):.2f} | "
                             f"{_cell(r['arch'])} | {raw} |")
    return '\n'.join(lines) + '\n'


MARKERS = {'generator': ('s', 'tab:blue'), 'random': ('^', 'tab:orange'),
           'evolution': ('D', 'tab:green')}


def plot_fig5(bench: Benchmark, runs: Runs, path: str) -> str:
    """Fig. 5: FLOPs vs ground-truth accuracy of all architectures (grey), searched ones
    highlighted, one panel per dataset (PNG)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(DATASETS), figsize=(5 * len(DATASETS), 4))
    for ax, d in zip(axes, DATASETS):
        ax.scatter(bench.flops, bench.acc[d], s=2, color='lightgrey', rasterized=True,
                   label=f'all {len(bench.flops):,} architectures')
        searched = [bench.accuracy(r['arch'], d) for m in runs for s in runs[m]
                    for r in runs[m][s]]
        for m in runs:
            archs: List = [r['arch'] for s in runs[m] for r in runs[m][s]]
            marker, color = MARKERS.get(m, ('o', 'tab:red'))
            ax.scatter([bench.table.mflops(a) for a in archs],
                       [bench.accuracy(a, d) for a in archs], marker=marker, s=36,
                       facecolors='none' if m != 'generator' else color, edgecolors=color,
                       zorder=3, label=m)
        # the lowest 5 % (degenerate cells) would flatten the plot; searched ones all show
        low = min(np.percentile(bench.acc[d], 5), min(searched, default=100.0) - 1)
        ax.set_ylim(low, bench.acc[d].max() + 1)
        ax.set_title(TITLES[d])
        ax.set_xlabel('FLOPs (M)')
        ax.set_ylabel('test accuracy (%)')
    axes[0].legend(loc='lower right', fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

