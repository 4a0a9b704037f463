"""Cost at equal quality: the generator vs random search and evolution, for N targets.

    python tools/benchmarks/search_cost.py work_dirs/nb201/supernet/epoch_60.pth \
        --train-config configs/sgnas/sgnas_generator-reinforce_nb201-supernet_1xb128-120e_cifar10-subset.py --config configs/sgnas/sgnas_search_nb201-supernet_1xb64_cifar10-subset.py
    python tools/benchmarks/search_cost.py work_dirs/quickstart/supernet/epoch_24.pth

Generator: trained once under the real Runner (``--train-config``, the generator config; its
time counts for every N), then all N targets in one forward, budget fitting (as the
generator was trained: its ``fill_tolerance``), and one
evaluation each: its score at each target is the bar. Random search and evolution then run
per target on the same evaluator until an architecture under the target scores at least the
generator's (capped at ``--cap`` evaluations per target; where a method never reaches it the
table says so and its time counts the whole cap). The evaluator's memo is cleared per method
and target, so nothing is reused across them. Prints one Markdown table with the ratios, and
the ratio at the paper's scale extrapolated from the measured per-image costs.
"""
import argparse
import tempfile
import time

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

import mmsgnas  # noqa: F401
from mmsgnas.engine import unwrap
from mmsgnas.search import (SubnetEvaluator, calibration, evolution_search, fit_budget,
                            random_search)

# section 4.1 of the paper and the released code: the generator trains 50 epochs on 20 % of
# ImageNet train (256,233 images); random search evaluates 1,000 architectures per target on
# the 50,000 validation images
PAPER = dict(gen_images=50 * 256233, evals_per_target=1000, eval_images=50000)


SEARCH_CONFIG = 'configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py'
GENERATOR_CONFIG = 'configs/sgnas/sgnas_generator-reinforce_unified-supernet_1xb64-40e_cifar10-subset.py'

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('supernet_checkpoint')
    parser.add_argument('--config', default=SEARCH_CONFIG,
                        help='the search config (evaluation split, BN recalibration)')
    parser.add_argument('--train-config', default=GENERATOR_CONFIG,
                        help='the generator config (its model must be the search config\'s)')
    parser.add_argument('--ns', type=int, nargs='+', default=[1, 5, 10])
    parser.add_argument('--cap', type=int, default=300,
                        help='most evaluations per target for random search and evolution')
    parser.add_argument('--population', type=int, default=20)
    parser.add_argument('--generator-epochs', type=int, default=None,
                        help='default: the config\'s max_epochs')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.cap < args.population or args.cap % args.population:
        raise ValueError(f'--cap ({args.cap}) must be a multiple of --population '
                         f'({args.population})')
    max_n = max(args.ns)

    cfg = Config.fromfile(args.train_config)
    search_cfg = Config.fromfile(args.config)
    cfg.model.supernet_checkpoint = args.supernet_checkpoint
    cfg.work_dir = tempfile.mkdtemp(prefix='search_cost_')
    cfg.log_level = 'WARNING'
    if args.generator_epochs:
        cfg.train_cfg.max_epochs = args.generator_epochs
    # training only: the search loop is what this script times
    test_cfg, test_loader_cfg = search_cfg.test_cfg, search_cfg.test_dataloader
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None

    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.perf_counter() - start
    gen_images = cfg.train_cfg.max_epochs * len(runner.train_dataloader.dataset)
    model = unwrap(runner.model)
    model.eval()
    low, high = model.constraint_range
    targets = np.linspace(low, high, max_n + 2)[1:-1].round(2).tolist()
    evaluator = SubnetEvaluator(model.supernet, Runner.build_dataloader(test_loader_cfg),
                                *calibration(test_cfg), data_preprocessor=model.data_preprocessor)
    images = evaluator.num_images

    start = time.perf_counter()
    bars = []
    gen_times = {}
    for i, (target, arch) in enumerate(zip(targets, model.generate(targets))):
        fitted = fit_budget(arch, model.space, model.table, target, model.fill_tolerance)[0]
        bars.append(evaluator.top1(fitted))
        gen_times[i + 1] = time.perf_counter() - start
    eval_s = gen_times[max_n] / max_n  # one generated architecture: fit + evaluate

    runs = {'random': [], 'evolution': []}
    # per target both methods, each line printed as it completes: a long run killed midway
    # still shows what it measured
    for i, (target, bar) in enumerate(zip(targets, bars)):
        for method, search in (('random', random_search), ('evolution', evolution_search)):
            evaluator.scores.clear()
            start = time.perf_counter()
            if method == 'random':
                row = search(target, model.space, model.table, evaluator, args.cap, 100000,
                             seed=args.seed + i, stop_at=bar)
            else:
                row = search(target, model.space, model.table, evaluator, args.population,
                             args.cap // args.population, args.population // 2, 0.1, 100000,
                             seed=args.seed + i, stop_at=bar)
            runs[method].append(dict(row, seconds=time.perf_counter() - start))
            print(f'{method} at {target:g} (bar {bar:.2f} %): '
                  f'{_reach(runs[method][-1], args.cap)}', flush=True)

    print(f'generator training: {train_s:.1f} s ({cfg.train_cfg.max_epochs} epochs, '
          f'{gen_images} image steps; counted for every N); {images} images per evaluation; '
          f'random / evolution: until the generator\'s score at the target, at most {args.cap} '
          f'evaluations (evolution: population {args.population})')
    print('\n| target | generator top-1 | random: evaluations to reach | evolution: evaluations '
          'to reach |\n|---|---|---|---|')
    for target, bar, r, e in zip(targets, bars, runs['random'], runs['evolution']):
        print(f"| {target:g} | {bar:.2f} | {_reach(r, args.cap)} | {_reach(e, args.cap)} |")
    print('\n| N targets | generator (s) | random (s) | evolution (s) | random / generator |'
          ' evolution / generator |\n|---|---|---|---|---|---|')
    times = {}
    for n in args.ns:
        g = train_s + gen_times[n]
        r = sum(x['seconds'] for x in runs['random'][:n])
        e = sum(x['seconds'] for x in runs['evolution'][:n])
        times[n] = dict(generator=g, random=r, evolution=e)
        print(f'| {n} | {g:.1f} | {r:.1f} | {e:.1f} | {r / g:.2f}x | {e / g:.2f}x |')

    # the paper's scale from the per-image costs measured here
    gen_per_image = train_s / gen_images
    eval_per_image = eval_s / images
    per_target = PAPER['evals_per_target'] * PAPER['eval_images'] * eval_per_image
    gen_total = PAPER['gen_images'] * gen_per_image
    print(f'\nper image: generator training step {1e3 * gen_per_image:.2f} ms, evaluation '
          f'{1e3 * eval_per_image:.3f} ms. At the paper\'s scale ({PAPER["gen_images"]:,} '
          f'generator image steps; random search {PAPER["evals_per_target"]} evaluations of '
          f'{PAPER["eval_images"]:,} images per target) random search costs '
          f'{per_target / gen_total:.1f}x the generator\'s training per target, so the '
          f'generator is ahead from N = {int(np.ceil(gen_total / per_target))} target(s).')
    return dict(times=times, bars=bars, runs=runs, targets=targets)


def _reach(row: dict, cap: int) -> str:
    return (f"{row['evaluations']} ({row['seconds']:.1f} s)" if row['reached'] else
            f"never in {cap} (best {row['top1']:.2f}, {row['seconds']:.1f} s)")


if __name__ == '__main__':
    main()
