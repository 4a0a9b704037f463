"""The accuracy / cost trade-off of a search: the non-dominated set of what it evaluated, its
hypervolume, and the files: ``pareto.csv`` / ``.md``, one architecture file per front member,
``pareto.png``."""
import csv
import json
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .report import _save, atomic_open, cost_key

Point = Tuple[float, float]  # (cost, top-1)


def non_dominated(points: Sequence[Point]) -> List[int]:
    """Indices of the points no other point dominates (cost <= and top-1 >= with one of them
    strict), by increasing cost; of equal points the first is kept."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1], i))
    front, best = [], -np.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def hypervolume(points: Sequence[Point], ref_cost: float, ref_top1: float) -> float:
    """Area (cost x top-1 points) dominated by ``points`` inside the reference box: cost up to
    ``ref_cost``, top-1 down to ``ref_top1``. Points outside the box add nothing."""
    inside = [p for p in points if p[0] <= ref_cost and p[1] >= ref_top1]
    front = [inside[i] for i in non_dominated(inside)]  # cost and top-1 both increasing
    area = 0.0
    for j, (cost, top1) in enumerate(front):  # the best top-1 for costs up to the next one
        right = front[j + 1][0] if j + 1 < len(front) else ref_cost
        area += (right - cost) * (top1 - ref_top1)
    return float(area)


class VisitedScores:
    """The evaluator, remembering every architecture a search scored (in order): the set
    the search's front is taken over. Everything else goes to the evaluator."""

    def __init__(self, evaluator) -> None:
        self.evaluator = evaluator
        self.visited: Dict[tuple, float] = {}

    def top1(self, arch) -> float:
        score = self.evaluator.top1(arch)
        self.visited.setdefault(tuple(arch), score)
        return score

    def __getattr__(self, name):
        return getattr(self.evaluator, name)


def write_front(out_dir: str, entries: List[dict], background: Sequence[dict], method: str,
                fmt: Callable[[tuple], str], unit: str = 'MFLOPs',
                ref: Optional[Point] = None) -> Dict[str, str]:
    """Write the non-dominated set of ``entries`` (dicts with arch, top1 and the constraint's
    cost: ``mflops`` or ``latency_ms``) under ``out_dir``: ``pareto.csv``, ``pareto.md``,
    ``pareto/arch_<i>.json`` per member (as the search's architecture files) and
    ``pareto.png`` (``background`` in grey, every entry, the front). ``ref``: the
    hypervolume's reference point (default: the costliest entry, the lowest top-1)."""
    key = cost_key(unit)
    points = [(e[key], e['top1']) for e in entries]
    front = [dict(entries[i]) for i in non_dominated(points)]
    ref = ref or (max(p[0] for p in points), min(p[1] for p in points))
    hv = hypervolume(points, *ref)
    folder = osp.join(out_dir, 'pareto')
    os.makedirs(folder, exist_ok=True)
    columns = ('rank', key) + (('mflops', ) if key != 'mflops' else ()) + ('top1', 'arch', 'file')
    for rank, member in enumerate(front):
        member['rank'] = rank
        member['arch'] = fmt(member['arch'])
        member['file'] = osp.join(folder, f'arch_{rank}.json')
        with atomic_open(member['file']) as f:
            json.dump({k: member[k] for k in columns if k not in ('file', 'rank')} |
                      {'method': method, 'front_rank': rank}, f, indent=2)
    paths = dict(pareto_csv=osp.join(out_dir, 'pareto.csv'),
                 pareto_md=osp.join(out_dir, 'pareto.md'))
    with atomic_open(paths['pareto_csv']) as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: m[k] for k in columns} for m in front)
    with atomic_open(paths['pareto_md']) as f:
        f.write(f'Pareto front of search by {method}: {len(front)} of {len(entries)} evaluated '
                f'architectures; hypervolume {hv:.3f} ({unit} x top-1 points, reference '
                f'{ref[0]:g} {unit}, {ref[1]:.2f} %)\n\n| rank | {unit} | top-1 (%) | arch |\n'
                '|---|---|---|---|\n')
        for m in front:
            f.write(f"| {m['rank']} | {m[key]:.2f} | {m['top1']:.2f} | `{m['arch']}` |\n")
    paths['pareto_png'] = plot_front(osp.join(out_dir, 'pareto.png'), points, front,
                                     background, key, unit, method)
    return dict(paths, hypervolume=hv, ref=list(ref), num_front=len(front))


def plot_front(path: str, points: Sequence[Point], front: List[dict], background, key: str,
               unit: str, method: str, reference: Optional[Tuple[str, Sequence[Point]]] = None
               ) -> str:
    """``pareto.png``: the background, every evaluated point and the front as a staircase;
    ``reference``: ``(label, points)`` of another front on a second axis (NB201: the ground
    truth's accuracy)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 4))
    if background:
        ax.scatter([b[key] for b in background], [b['top1'] for b in background], s=8,
                   color='lightgrey', label=f'{len(background)} random architectures')
    ax.scatter([p[0] for p in points], [p[1] for p in points], s=12, color='tab:blue',
               alpha=0.5, label=f'{len(points)} evaluated by {method}')
    ax.step([m[key] for m in front], [m['top1'] for m in front], where='post', color='tab:red',
            marker='o', ms=4, label=f'front ({len(front)})', zorder=3)
    ax.set_xlabel(f'{"FLOPs" if key == "mflops" else "latency"} ({unit})')
    ax.set_ylabel('top-1 (%), supernet weights')
    handles, labels = ax.get_legend_handles_labels()
    if reference is not None:
        label, ref_points = reference
        twin = ax.twinx()
        twin.step([p[0] for p in ref_points], [p[1] for p in ref_points], where='post',
                  color='tab:green', label=label)
        twin.set_ylabel(label)
        h2, l2 = twin.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, fontsize=7, loc='lower right')
    return _save(fig, path)


def read_image(path: str) -> np.ndarray:
    """An RGB ``uint8`` array of a PNG (for a visualizer's ``add_image``)."""
    import matplotlib.image as mpimg
    image = mpimg.imread(path)
    if image.dtype != np.uint8:
        image = (image * 255).round().astype(np.uint8)
    return image[..., :3]
