"""Cost at equal quality: the generator vs random search and evolution, for N targets.

    python tools/benchmarks/search_cost.py work_dirs/nb201/supernet/epoch_60.pth \
        --train-config configs/sgnas/sgnas_generator-reinforce_nb201-supernet_1xb128-120e_cifar10-subset.py --config configs/sgnas/sgnas_search_nb201-supernet_1xb64_cifar10-subset.py
    python tools/benchmarks/search_cost.py work_dirs/quickstart/supernet/epoch_24.pth

Generator: trained once under the real Runner (``--train-config``, the generator config; its
time counts for every N), then the kept generator (``best_generator.pth``, what a search
loads) proposes all N targets in one forward, fitted to the budget as it was trained (its
``fill_tolerance``), and each pick is evaluated once: its score at each target is the bar.
Random search and evolution then run per target on the same evaluator until an architecture
under the target scores at least the generator's (capped at ``--cap`` evaluations per target;
where a method never reaches it the table says so and its time counts the whole cap). The
evaluator's memo is cleared per method and target, so nothing is reused across them. Prints
one Markdown table with the ratios, and the ratio at the paper's scale extrapolated from the
measured per-image costs.

Everything is saved as it is produced under ``--work-dir``: the generator's training (its
Runner work dir, ``generator/``, with ``stage_done.json`` holding the training time once it
has finished) and one line per search in ``searches.jsonl``. Run again with the same
arguments, it reuses the finished training and searches and runs only what is missing.
"""
import argparse
import json
import os
import os.path as osp
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
    parser.add_argument('--work-dir', default='work_dirs/search_cost',
                        help='the generator\'s training and every result, saved as produced; '
                             'a rerun with the same arguments reuses what is finished')
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
    if min(args.ns) < 1:
        raise ValueError(f'--ns must be target counts >= 1, got {args.ns}')
    max_n = max(args.ns)
    os.makedirs(args.work_dir, exist_ok=True)
    settings = dict(supernet=osp.abspath(args.supernet_checkpoint),
                    train_config=osp.abspath(args.train_config),
                    config=osp.abspath(args.config), generator_epochs=args.generator_epochs,
                    seed=args.seed)
    _check_settings(osp.join(args.work_dir, 'settings.json'), settings)

    cfg = Config.fromfile(args.train_config)
    search_cfg = Config.fromfile(args.config)
    cfg.model.supernet_checkpoint = args.supernet_checkpoint
    cfg.work_dir = osp.join(args.work_dir, 'generator')
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(cfg.get('randomness') or {}, seed=args.seed)
    if args.generator_epochs:
        cfg.train_cfg.max_epochs = args.generator_epochs
    # training only: the search loop is what this script times
    test_cfg, test_loader_cfg = search_cfg.test_cfg, search_cfg.test_dataloader
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None

    runner = Runner.from_cfg(cfg)
    done_file = osp.join(cfg.work_dir, 'stage_done.json')
    if osp.isfile(done_file):
        with open(done_file) as f:
            trained = json.load(f)
        print(f'generator: reusing the one trained in {cfg.work_dir}', flush=True)
    else:
        start = time.perf_counter()
        runner.train()
        trained = dict(seconds=time.perf_counter() - start, epochs=cfg.train_cfg.max_epochs,
                       image_steps=cfg.train_cfg.max_epochs * len(runner.train_dataloader.dataset))
        with open(done_file, 'w') as f:
            json.dump(trained, f)
    train_s, gen_images = trained['seconds'], trained['image_steps']
    # the generator a user searches with: the epoch the generator hook kept, else the last
    best = osp.join(cfg.work_dir, 'best_generator.pth')
    runner.load_checkpoint(best if osp.isfile(best) else
                           osp.join(cfg.work_dir, f'epoch_{trained["epochs"]}.pth'))
    model = unwrap(runner.model)
    model.eval()
    low, high = model.constraint_range
    targets = np.linspace(low, high, max_n + 2)[1:-1].round(2).tolist()
    evaluator = SubnetEvaluator(model.supernet, Runner.build_dataloader(test_loader_cfg),
                                *calibration(test_cfg), data_preprocessor=model.data_preprocessor,
                                channels_last=model.channels_last)
    images = evaluator.num_images

    start = time.perf_counter()
    bars, picks, costs = [], [], []
    gen_times = {}
    for i, (target, arch) in enumerate(zip(targets, model.generate(targets))):
        fitted = fit_budget(arch, model.space, model.table, target, model.fill_tolerance)[0]
        picks.append(model.space.format(fitted))
        costs.append(model.table.cost(fitted))
        bars.append(evaluator.top1(fitted))
        gen_times[i + 1] = time.perf_counter() - start
    eval_s = gen_times[max_n] / max_n  # one generated architecture: fit + evaluate

    # per target both methods, each saved (and printed) as it completes: a rerun reuses the
    # searches already done, and a long run killed midway still shows what it measured
    rows_file = osp.join(args.work_dir, 'searches.jsonl')
    saved = _saved_rows(rows_file)
    runs = {'random': [], 'evolution': []}
    for i, (target, bar) in enumerate(zip(targets, bars)):
        for method, search in (('random', random_search), ('evolution', evolution_search)):
            key = dict(method=method, target=target, bar=bar, cap=args.cap,
                       population=args.population)
            row = saved.get(_key(key))
            if row is None:
                evaluator.scores.clear()
                start = time.perf_counter()
                if method == 'random':
                    row = search(target, model.space, model.table, evaluator, args.cap,
                                 100000, seed=args.seed + i, stop_at=bar)
                else:
                    row = search(target, model.space, model.table, evaluator,
                                 args.population, args.cap // args.population,
                                 args.population // 2, 0.1, 100000, seed=args.seed + i,
                                 stop_at=bar)
                row = dict(key, seconds=time.perf_counter() - start, top1=row['top1'],
                           evaluations=row['evaluations'], reached=row['reached'],
                           arch=model.space.format(row['arch']))
                with open(rows_file, 'a') as f:
                    f.write(json.dumps(row) + '\n')
            runs[method].append(row)
            print(f'{method} at {target:g} (bar {bar:.2f} %): {_reach(row, args.cap)}',
                  flush=True)

    print(f'generator training: {train_s:.1f} s ({trained["epochs"]} epochs, '
          f'{gen_images} image steps; counted for every N); {images} images per evaluation; '
          f'random / evolution: until the generator\'s score at the target, at most {args.cap} '
          f'evaluations (evolution: population {args.population})')
    print('\n| target | generator: pick (cost) | top-1 | random: evaluations to reach | '
          'evolution: evaluations to reach |\n|---|---|---|---|---|')
    for target, pick, cost, bar, r, e in zip(targets, picks, costs, bars, runs['random'],
                                             runs['evolution']):
        pick = pick.replace('|', '\\|')  # NB201's pipes, inside a Markdown cell
        print(f"| {target:g} | `{pick}` ({cost:.2f}) | {bar:.2f} | {_reach(r, args.cap)} | "
              f"{_reach(e, args.cap)} |")
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
    return dict(times=times, bars=bars, picks=picks, runs=runs, targets=targets,
                train_s=train_s)


def _check_settings(path: str, settings: dict) -> None:
    """Write ``settings`` to ``path``, or check them against those a previous run of this
    work dir wrote (its generator and searches are only reused for the same ones)."""
    if osp.isfile(path):
        with open(path) as f:
            previous = json.load(f)
        changed = {k: (previous.get(k), v) for k, v in settings.items() if previous.get(k) != v}
        if changed:
            raise ValueError(f'{osp.dirname(path)} holds a run with other settings '
                             f'(setting: (that run, this one)): {changed}; use another '
                             f'--work-dir')
        return
    with open(path, 'w') as f:
        json.dump(settings, f, indent=1)


KEY = ('method', 'target', 'bar', 'cap', 'population')  # what identifies a saved search


def _key(row: dict) -> str:
    return json.dumps({k: row[k] for k in KEY}, sort_keys=True)


def _saved_rows(path: str) -> dict:
    """The searches a previous run saved, by their :data:`KEY`."""
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        return {_key(row): row for row in map(json.loads, f)}


def _reach(row: dict, cap: int) -> str:
    return (f"{row['evaluations']} ({row['seconds']:.1f} s)" if row['reached'] else
            f"never in {cap} (best {row['top1']:.2f}, {row['seconds']:.1f} s)")


if __name__ == '__main__':
    main()
