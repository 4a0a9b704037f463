"""Wall time to get architectures for N targets: generator vs evolution vs random search.

    python tools/benchmarks/search_cost.py work_dirs/quickstart/supernet/epoch_2.pth

Generator: trained once under the real Runner (``configs/sgnas/generator.py``; its time is
counted for every N), then all N targets in one forward, budget fitting, and one evaluation
per architecture. Random and evolution search run per target with the same number of
evaluations per target (``--evals-per-target``) on the same evaluator. Targets are evenly
spread over the generator's constraint range; every method's time for N is measured, not
extrapolated. Prints one Markdown table with the ratios.
"""
import argparse
import itertools
import tempfile
import time

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

import mmsgnas  # noqa: F401
from mmsgnas.engine.supernet_access import unwrap
from mmsgnas.search import SubnetEvaluator, calibration, fit_budget
from mmsgnas.search.evolution import evolution_search, random_search


def build_evaluator(cfg, model, val_batches):
    loader = Runner.build_dataloader(cfg.test_dataloader)
    if val_batches:
        loader = list(itertools.islice(loader, val_batches))
    return SubnetEvaluator(model.supernet, loader, *calibration(cfg.test_cfg),
                           data_preprocessor=model.data_preprocessor)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('supernet_checkpoint')
    parser.add_argument('--config', default='configs/sgnas/search.py')
    parser.add_argument('--ns', type=int, nargs='+', default=[1, 5, 10])
    parser.add_argument('--evals-per-target', type=int, default=20)
    parser.add_argument('--generator-epochs', type=int, default=None,
                        help='default: the config\'s max_epochs')
    parser.add_argument('--val-batches', type=int, default=0,
                        help='evaluate on the first K val batches only (0: the whole split)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    max_n = max(args.ns)

    cfg = Config.fromfile(args.config)
    cfg.model.supernet_checkpoint = args.supernet_checkpoint
    cfg.work_dir = tempfile.mkdtemp(prefix='search_cost_')
    cfg.log_level = 'WARNING'
    if args.generator_epochs:
        cfg.train_cfg.max_epochs = args.generator_epochs
    # training only: the search loop is what this script times
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    test_loader_cfg = Config.fromfile(args.config).test_dataloader

    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.perf_counter() - start
    model = unwrap(runner.model)
    model.eval()
    low, high = model.constraint_range
    targets = np.linspace(low, high, max_n + 2)[1:-1].tolist()
    cfg.test_dataloader = test_loader_cfg
    evaluator = build_evaluator(cfg, model, args.val_batches)

    times = {'generator': {}, 'random': {}, 'evolution': {}}
    for n in args.ns:
        start = time.perf_counter()
        for target, arch in zip(targets[:n], model.generate(targets[:n])):
            evaluator.top1(fit_budget(arch, model.space, target)[0])
        times['generator'][n] = train_s + time.perf_counter() - start
    pop = max(2, int(round(args.evals_per_target**0.5)))
    gens = args.evals_per_target // pop
    for method in ('random', 'evolution'):
        elapsed = 0.0
        for i, target in enumerate(targets):
            start = time.perf_counter()
            if method == 'random':
                random_search(target, model.space, evaluator, args.evals_per_target, 100000,
                              seed=args.seed + i)
            else:
                evolution_search(target, model.space, evaluator, pop, gens, max(1, pop // 2), 0.1,
                                 100000, seed=args.seed + i)
            elapsed += time.perf_counter() - start
            if i + 1 in args.ns:
                times[method][i + 1] = elapsed

    images = sum(len(b[1]) for b in evaluator.batches)
    print(f'generator training: {train_s:.1f} s ({cfg.train_cfg.max_epochs} epochs, counted '
          f'for every N); evaluations per target: generator 1, random {args.evals_per_target}, '
          f'evolution {pop * gens} ({pop} x {gens}); {images} val images per evaluation')
    print('| N targets | generator (s) | random (s) | evolution (s) | random / generator |'
          ' evolution / generator |\n|---|---|---|---|---|---|')
    for n in args.ns:
        g, r, e = times['generator'][n], times['random'][n], times['evolution'][n]
        print(f'| {n} | {g:.1f} | {r:.1f} | {e:.1f} | {r / g:.2f}x | {e / g:.2f}x |')
    return times


if __name__ == '__main__':
    main()
