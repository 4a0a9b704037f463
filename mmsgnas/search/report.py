"""Search outputs: one architecture file each, a results table (CSV, Markdown), two plots."""
import csv
import json
import os
import os.path as osp
from contextlib import contextmanager
from typing import IO, Callable, Dict, Iterator, List, Optional, Sequence

from mmsgnas.spaces import SGNASSpace


@contextmanager
def atomic_open(path: str) -> Iterator[IO[str]]:
    """A text file written to ``<path>.tmp`` and renamed to ``path`` once complete, so a
    kill never leaves a half-written results file behind."""
    with open(path + '.tmp', 'w', newline='') as f:
        yield f
    os.replace(path + '.tmp', path)


COLUMNS = ('target', 'mflops', 'params_m', 'top1', 'repaired', 'arch', 'file')
# the constraint's column and the architecture files' suffix, by unit
COST_KEYS = {'MFLOPs': ('mflops', 'M'), 'ms': ('latency_ms', 'ms')}
LATENCY_COLUMNS = ('latency_ms', 'measured_ms')


def cost_key(unit: str) -> str:
    if unit not in COST_KEYS:
        raise ValueError(f'unknown cost unit {unit!r}, expected one of {tuple(COST_KEYS)}')
    return COST_KEYS[unit][0]


def arch_file(out_dir: str, target: float, unit: str = 'MFLOPs') -> str:
    cost_key(unit)
    return osp.join(out_dir, f'arch_{target:g}{COST_KEYS[unit][1]}.json')


def write_results(out_dir: str, rows: List[dict],
                  background: Optional[Sequence[Dict[str, float]]] = None,
                  method: str = 'generator',
                  fmt: Callable[[tuple], str] = SGNASSpace.format,
                  unit: str = 'MFLOPs') -> Dict[str, str]:
    """Write the search results of ``rows`` (dicts with target, arch, mflops, params, top1,
    repaired, and optionally ``generated``: the generator's raw output before fitting) under
    ``out_dir``; returns the paths written. ``unit``: of the targets, ``'MFLOPs'`` or
    ``'ms'`` (then rows and background also hold ``latency_ms``, the table's prediction, and
    rows ``measured_ms``, the static network measured whole).

    Files: ``arch_<target>M.json`` (``ms`` for latency) per architecture (``{'arch': ..., ...}``, accepted by
    ``SGNASNet(arch=path)`` and the downstream configs), ``best_arch.json`` (a copy of the one
    with the highest inherited top-1, for configs that take "the best"), ``results.csv``, ``results.md``,
    ``target_vs_flops.png`` (paper Fig. 7a) and ``top1_vs_flops.png`` (Fig. 5/6a) with the
    ``background`` architectures (dicts with mflops, top1 and optionally arch) in grey, also
    written as ``background.csv``. ``fmt`` writes an architecture as its space's string.
    """
    os.makedirs(out_dir, exist_ok=True)
    key = cost_key(unit)
    arch_columns = COLUMNS + (LATENCY_COLUMNS if unit == 'ms' else ())
    columns = arch_columns + (('generated', ) if all('generated' in r for r in rows) else ())
    if background:
        for row in rows:
            row['percentile'], row['num_fitting'] = background_percentile(row, background, key)
        columns += ('percentile', 'num_fitting')
    for row in rows:
        row['arch'] = fmt(row['arch'])
        if 'generated' in row:
            row['generated'] = fmt(row['generated'])
        row['file'] = arch_file(out_dir, row['target'], unit)
        with atomic_open(row['file']) as f:
            json.dump({k: row[k] for k in arch_columns if k != 'file'} | {'method': method},
                      f, indent=2)
    paths = dict(csv=osp.join(out_dir, 'results.csv'), md=osp.join(out_dir, 'results.md'),
                 best=osp.join(out_dir, 'best_arch.json'))
    best = max(rows, key=lambda r: r['top1'])
    with atomic_open(paths['best']) as f:
        json.dump({k: best[k] for k in columns} | {'method': method}, f, indent=2)
    with atomic_open(paths['csv']) as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: r[k] for k in columns} for r in rows)
    with atomic_open(paths['md']) as f:
        f.write(markdown_table(rows, method, unit))
    if background:
        paths['background'] = osp.join(out_dir, 'background.csv')
        with atomic_open(paths['background']) as f:
            fields = ('mflops', ) + (('latency_ms', ) if unit == 'ms' else ()) + ('top1', 'arch')
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows({k: fmt(b['arch']) if k == 'arch' else b[k] for k in fields
                              if k != 'arch' or 'arch' in b} for b in background)
    paths.update(plot(out_dir, rows, background, method, unit))
    return paths


def read_results(path: str, space) -> List[dict]:
    """Rows of a ``results.csv`` or ``background.csv`` written by :func:`write_results`, with
    architectures parsed by ``space`` and the numbers as floats."""
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r['arch'] = space.parse(r['arch'])
        if r.get('generated'):
            r['generated'] = space.parse(r['generated'])
        for key in ('target', 'mflops', 'params_m', 'top1', 'percentile') + LATENCY_COLUMNS:
            if r.get(key) not in (None, ''):
                r[key] = float(r[key])
    return rows


def standard_error(top1: float, images: int) -> float:
    """One standard error (points) of a top-1 (%) measured on ``images`` images."""
    p = top1 / 100.0
    return 100.0 * (p * (1 - p) / images)**0.5


def background_percentile(row: dict, background: Sequence[Dict[str, float]],
                          key: str = 'mflops') -> tuple:
    """``(percentile, n)``: the share (%) of the ``n`` background architectures that fit the
    row's target (``key``, the constraint's cost, <= target) whose top-1 is at most the
    row's (NaN when none fit)."""
    fitting = [b['top1'] for b in background if b[key] <= row['target']]
    if not fitting:
        return float('nan'), 0
    return 100.0 * sum(t <= row['top1'] for t in fitting) / len(fitting), len(fitting)


def markdown_table(rows: List[dict], method: str, unit: str = 'MFLOPs') -> str:
    ranked = all('percentile' in r for r in rows)
    latency = unit == 'ms'
    lines = [f'Search by {method}', '',
             f'| target ({unit}) | ' +
             ('latency predicted (ms) | latency measured (ms) | ' if latency else '') +
             'FLOPs (M) | params (M) | top-1 (%) | ' +
             ('percentile among random (n) | ' if ranked else '') + 'repaired | arch |',
             '|---|---|---|---|' + ('---|---|' if latency else '') + ('---|' if ranked else '')
             + '---|---|']
    for r in rows:
        rank = f"{r['percentile']:.0f} ({r['num_fitting']}) | " if ranked else ''
        ms = ''
        if latency:
            measured = r.get('measured_ms')
            ms = (f"{r['latency_ms']:.2f} | " +
                  (f'{measured:.2f} | ' if measured is not None else 'not measured | '))
        lines.append(f"| {r['target']:g} | {ms}{r['mflops']:.2f} | {r['params_m']:.2f} | "
                     f"{r['top1']:.2f} | {rank}{r['repaired']} | `{r['arch']}` |")
    if ranked:
        lines += ['', 'percentile: share of the random background architectures that fit the '
                      'target (n of them) scoring at most this top-1']
    return '\n'.join(lines) + '\n'


def plot(out_dir: str, rows: List[dict], background, method: str,
         unit: str = 'MFLOPs') -> Dict[str, str]:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    key = cost_key(unit)
    name = 'FLOPs' if unit == 'MFLOPs' else 'latency'
    stem = 'flops' if unit == 'MFLOPs' else 'latency'
    paths = {}
    targets = [r['target'] for r in rows]
    costs = [r[key] for r in rows]
    fig, ax = plt.subplots(figsize=(4.5, 4))
    lo, hi = min(targets + costs), max(targets + costs)
    ax.plot([lo, hi], [lo, hi], '--', color='grey', lw=1, label=f'{name} = target')
    ax.plot(targets, costs, 'o-', color='tab:blue', label=method)
    ax.set_xlabel(f'target ({unit})')
    ax.set_ylabel(f'{name} of the architecture ({unit})')
    ax.legend()
    paths['target_plot'] = _save(fig, osp.join(out_dir, f'target_vs_{stem}.png'))
    fig, ax = plt.subplots(figsize=(5, 4))
    if background:
        ax.scatter([b[key] for b in background], [b['top1'] for b in background], s=8,
                   color='lightgrey', label=f'{len(background)} random architectures')
    ax.scatter(costs, [r['top1'] for r in rows], s=30, color='tab:red', zorder=3, label=method)
    ax.set_xlabel(f'{name} ({unit})')
    ax.set_ylabel('top-1 (%), supernet weights')
    ax.legend()
    paths['top1_plot'] = _save(fig, osp.join(out_dir, f'top1_vs_{stem}.png'))
    return paths


def _save(fig, path: str) -> str:
    import matplotlib.pyplot as plt
    fig.tight_layout()
    root, ext = osp.splitext(path)
    fig.savefig(f'{root}.tmp{ext}', dpi=120)
    os.replace(f'{root}.tmp{ext}', path)
    plt.close(fig)
    return path
