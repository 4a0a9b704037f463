"""The whole accuracy / cost front in one call: the generator (K targets, one forward) against
random search and evolution given the same number of evaluations in total, side by side.

    python tools/benchmarks/pareto_front.py \
        configs/sgnas/sgnas_search-pareto_unified-supernet_1xb32_cifar10-subset.py \
        work_dirs/quickstart/generator/best_generator.pth
    python tools/benchmarks/pareto_front.py \
        configs/sgnas/sgnas_search-pareto_nb201-supernet_1xb64_cifar10-subset.py \
        work_dirs/nb201/generator/best_generator.pth --ground-truth

Each method runs its search loop with ``front=True`` under the real Runner (its own
``<work_dir>/<method>/``): the generator on the config's K targets; random search on
``--random-targets`` targets with as many candidates each as make K evaluations; evolution on
``--evolution-targets`` targets, population x generations per target likewise. All three share
the evaluator settings and the background (same seed), so the hypervolumes (reference: the
highest target and the background's lowest top-1) compare directly. ``--ground-truth`` (NB201)
also draws the benchmark's own front (test accuracy against FLOPs) in ``pareto_compare.png``.
"""
import argparse
import copy
import json
import os
import os.path as osp
import time

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmsgnas  # noqa: F401
from mmsgnas.analysis.nb201_ground_truth import NB201GroundTruth
from mmsgnas.flops import NB201FlopsTable
from mmsgnas.search.pareto import non_dominated, plot_front
from mmsgnas.search.report import cost_key, read_results
from mmsgnas.spaces import NB201Space, SGNASSpace


def split(total: int, targets: int) -> int:
    if total % targets:
        raise ValueError(f'{total} evaluations do not split evenly over {targets} targets')
    return total // targets


def method_cfgs(cfg: Config, args) -> dict:
    """The three search configs: generator (the config's), random and evolution."""
    k = cfg.test_cfg.get('num_targets', 50)
    base = dict(cfg.test_cfg, targets=None, front=True)
    gen = dict(base, type='mmsgnas.GeneratorSearchLoop', num_targets=k, out_dir='generator')
    common = {key: base[key] for key in ('calib_batches', 'calib_dataloader', 'num_background',
                                         'seed', 'measure_latency') if key in base}
    rand = dict(common, type='mmsgnas.RandomSearchLoop', front=True, out_dir='random',
                num_targets=args.random_targets,
                num_candidates=split(k, args.random_targets))
    per_target = split(k, args.evolution_targets)
    evo = dict(common, type='mmsgnas.EvolutionSearchLoop', front=True, out_dir='evolution',
               num_targets=args.evolution_targets, population=args.population,
               generations=split(per_target, args.population),
               top_k=max(1, args.population // 2))
    return dict(generator=gen, random=rand, evolution=evo)


def run(cfg: Config, test_cfg: dict, checkpoint: str, work_dir: str) -> dict:
    cfg = copy.deepcopy(cfg)
    cfg.test_cfg = test_cfg
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    start = time.perf_counter()
    metrics = Runner.from_cfg(cfg).test()
    return dict(metrics=metrics, seconds=time.perf_counter() - start)


def ground_truth_front() -> list:
    """The NB201 ground truth's own front: CIFAR-10 test accuracy against FLOPs."""
    truth, table = NB201GroundTruth.get(), NB201FlopsTable.get()
    points = [(table.mflops(a), truth.accuracy(a)) for a in NB201Space.all_archs()]
    return [points[i] for i in non_dominated(points)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a front search config (GeneratorSearchLoop, front=True)')
    parser.add_argument('checkpoint', help='the trained generator')
    parser.add_argument('--work-dir', default=None)
    parser.add_argument('--random-targets', type=int, default=10)
    parser.add_argument('--evolution-targets', type=int, default=5)
    parser.add_argument('--population', type=int, default=5)
    parser.add_argument('--ground-truth', action='store_true', help='NB201: the benchmark front')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    work_dir = args.work_dir or osp.join('work_dirs', 'pareto_front')
    results, cfgs = {}, method_cfgs(cfg, args)
    for method, test_cfg in cfgs.items():
        results[method] = run(cfg, test_cfg, args.checkpoint, work_dir)
    hv = {m: r['metrics'][f'{m}/hypervolume'] for m, r in results.items()}
    unit = 'ms' if cfg.model.get('constraint', 'flops') == 'latency' else 'MFLOPs'
    print(f'\n| method | evaluated | front | hypervolume ({unit} x points) | vs generator | '
          f'time (s) |\n|---|---|---|---|---|---|')
    for m, r in results.items():
        out = osp.join(work_dir, cfgs[m]['out_dir'])
        front = read_results(osp.join(out, 'pareto.csv'), _space(cfg))
        evaluated = int(r['metrics'][f'{m}/evaluated'])
        print(f'| {m} | {evaluated} | {len(front)} | {hv[m]:.3f} | '
              f'{hv[m] / hv["generator"]:.2f}x | {r["seconds"]:.0f} |')
    if args.ground_truth:
        key = cost_key(unit)
        fronts = {m: read_results(osp.join(work_dir, m, 'pareto.csv'), NB201Space)
                  for m in results}
        background = read_results(osp.join(work_dir, 'generator', 'background.csv'),
                                  NB201Space)
        points = [(float(r[key]), r['top1']) for r in fronts['generator']]
        path = plot_front(osp.join(work_dir, 'pareto_compare.png'), points,
                          fronts['generator'], background, key, unit, 'generator',
                          ('ground truth test accuracy (%)', ground_truth_front()))
        print(f'wrote {path}')
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'pareto_front.json'), 'w') as f:
        json.dump({m: dict(hypervolume=hv[m], seconds=r['seconds'],
                           evaluated=r['metrics'][f'{m}/evaluated'])
                   for m, r in results.items()}, f, indent=1)
    return hv


def _space(cfg):
    return NB201Space if 'NB201' in cfg.model.supernet.backbone.type else SGNASSpace


if __name__ == '__main__':
    main()
