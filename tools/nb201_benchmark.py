"""The NAS-Bench-201 experiment (paper section 4.3, Table 3, Fig. 5) in one command.

    python tools/nb201_benchmark.py [--work-dir work_dirs/nb201] [--seeds 0 1 2] [--short]
        [--cells-per-stage N] [--widen-factor W] [--split-edge E]

1. trains one NB201 supernet (``SUPERNET_CONFIG``), shared by the seeds; with
   ``--split-edge``, then fine-tunes its few-shot split on that edge (``SPLIT_CONFIG``), which
   every later stage uses;
2. per seed: trains a generator (``GENERATOR_CONFIG``, the seed sets the run's randomness and
   the prior pool) and searches the targets with it, and with random search and evolution on
   the same supernet and evaluator (``SEARCH_CONFIG``; all three in configs/sgnas);
3. evaluates random architectures on the supernet (the first seed's search background) for
   the Kendall tau of the supernet's ranking against the ground truth;
4. looks every searched architecture up in the benchmark and writes ``results.md`` (Table 3
   layout and per-target rows with percentiles), ``architectures.md`` and ``fig5.png``.

Every stage runs the project's configs under mmengine's Runner, in this process. A finished
stage is marked (``stage_done.json``: its time, the settings it ran with and the run ids of the
stages it took checkpoints from) and reused by the next call; a finished stage of other
settings is an error (delete its folder, and the stages after it, to run it again).
With ``--split-edge E`` the split and every stage on it go to ``<work-dir>/splitE/``, next to the
unsplit run, sharing its supernet. ``--short`` shrinks every stage to a few iterations on a
few images (a smoke test of the whole pipeline, not a result).
"""
import argparse
import json
import os
import os.path as osp
import time
import uuid
from typing import Optional, Sequence

from mmengine.config import Config
from mmengine.runner import Runner

import mmsgnas  # noqa: F401  (registries, checkpoint allow-list)
from mmsgnas.analysis.nb201_results import (Benchmark, architectures_table,
                                            fitted_random_control, markdown_table, plot_fig5,
                                            raw_generator_summary)
from mmsgnas.flops import NB201FlopsTable
from mmsgnas.models.nb201_supernet import stage_channels
from mmsgnas.search import FILL_TOLERANCE, read_results
from mmsgnas.spaces import NB201Space

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'sgnas')
METHODS = ('generator', 'random', 'evolution')
SUPERNET_CONFIG = 'sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py'
SPLIT_CONFIG = 'sgnas_nb201-supernet-split_1xb64-50e_cifar10-subset.py'
GENERATOR_CONFIG = 'sgnas_generator-reinforce_nb201-supernet_1xb128-120e_cifar10-subset.py'
SEARCH_CONFIG = 'sgnas_search_nb201-supernet_1xb64_cifar10-subset.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/nb201')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--targets', type=float, nargs='+', default=None,
                        help='FLOPs targets in MFLOPs (default: the search config\'s)')
    parser.add_argument('--num-random', type=int, default=10,
                        help='random search: evaluations per target')
    parser.add_argument('--population', type=int, default=6)
    parser.add_argument('--generations', type=int, default=2,
                        help='evolution: population x generations evaluations per target')
    parser.add_argument('--tau-archs', type=int, default=200,
                        help='random architectures for the supernet\'s Kendall tau')
    parser.add_argument('--cells-per-stage', type=int, default=None,
                        help="cells per stage of the supernet in every stage's config (default: "
                        "the configs' reduced-cost proxy; the benchmark's own network has 5)")
    parser.add_argument('--widen-factor', type=float, default=None,
                        help="the supernet's stage channels (16, 32, 64) times this in every "
                        "stage's config, the head's input with them (default: the configs')")
    parser.add_argument('--split-edge', type=int, default=None, choices=range(6),
                        help='fine-tune the supernet split on this edge (3: 0->3) and search '
                        'on the split (default: no split)')
    parser.add_argument('--short', action='store_true',
                        help='a few iterations per stage (pipeline smoke test)')
    return parser.parse_args(argv)


def load(name: str, work_dir: str, experiment: str, short: bool,
         cells_per_stage: Optional[int] = None, widen_factor: Optional[float] = None,
         split_edge: Optional[int] = None) -> Config:
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.work_dir = work_dir
    classifier = cfg.model.get('supernet', cfg.model)  # model, or model.supernet
    if split_edge is not None:
        classifier.backbone.type = 'mmsgnas.NB201SplitSupernet'
        classifier.backbone.split_edge = split_edge
    if cells_per_stage is not None:
        classifier.backbone.cells_per_stage = cells_per_stage
    if widen_factor is not None:
        classifier.backbone.widen_factor = widen_factor
        classifier.head.in_channels = stage_channels(widen_factor)[-1]
    cfg.experiment_name = experiment  # one logger / visualizer per stage in this process
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field, None)
        if loader is not None:
            loader.setdefault('collate_fn', dict(type='default_collate'))
            if short:  # every 16th image: all classes (the split files are class-sorted)
                loader.dataset.indices = list(range(0, 1000, 16))
                loader.batch_size = 32
                loader.num_workers = 0
                loader.persistent_workers = False
    if short:
        cfg.log_level = 'WARNING'
        for hook in cfg.get('custom_hooks', []):
            if hook.get('best_by') == 'sweep':  # the short split holds 63 images
                hook['sweep_images'] = 32
    return cfg


CONTROL_DRAWS = 100  # random architectures per seed in the no-supernet control
DONE = 'stage_done.json'  # written when a stage has finished: only such a stage is reused
BACKGROUND = 'background.csv'  # the first seed's generator search: random architectures


def network(args) -> dict:
    """The supernet's depth and width every stage uses (the configs' where not given)."""
    backbone = load(SUPERNET_CONFIG, args.work_dir, 'nb201_cells', False,
                    args.cells_per_stage, args.widen_factor).model.backbone
    return dict(cells_per_stage=backbone.cells_per_stage,
                widen_factor=float(backbone.get('widen_factor', 1.0)))


def stage_settings(args, upstream: Sequence[str] = (), **extra) -> dict:
    """What a stage's output depends on beyond its folder, as resolved values (JSON-normal,
    as a marker holds them): ``--short``, the network, ``extra``, and the run ids of the
    stages it takes checkpoints from (``upstream``, their folders), so a retrained supernet
    does not pass for the one a generator was trained on."""
    return json.loads(json.dumps(dict(
        short=args.short, **args.network, **extra,
        upstream=[marker(d)['id'] for d in upstream])))


def marker(out_dir: str) -> dict:
    with open(osp.join(out_dir, DONE)) as f:
        return json.load(f)


def finished(out_dir: str, settings: dict) -> bool:
    """Whether the stage in ``out_dir`` has finished (its marker is there). A finished stage of
    other settings is an error, not a stage to reuse or overwrite: its outputs would pass for
    this call's."""
    if not osp.isfile(osp.join(out_dir, DONE)):
        return False
    done = marker(out_dir)
    if done.get('settings') != settings:
        old = '' if 'settings' in done else ' (a marker of before 2026-12-07, without settings)'
        raise ValueError(
            f'{out_dir} holds the stage {done.get("stage")!r} run with settings '
            f'{done.get("settings")}{old}, not this call\'s {settings}: use another '
            f'--work-dir, or delete {out_dir} (and the stages after it) to run it again')
    return True


def run_stage(name: str, cfg: Config, mode: str, settings: dict,
              out_dir: Optional[str] = None) -> Runner:
    """Run a stage; on success, mark its output folder (``out_dir``, default the work dir)
    finished with its time and settings. A killed or failed stage leaves no marker, so the
    next call runs it again rather than reusing a half-trained generator or a search without
    its background."""
    print(f'[nb201] {name} ...', flush=True)
    os.makedirs(out_dir or cfg.work_dir, exist_ok=True)
    done = osp.join(out_dir or cfg.work_dir, DONE)
    if osp.isfile(done):
        os.remove(done)
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    getattr(runner, mode)()
    seconds = time.perf_counter() - start
    with open(done + '.tmp', 'w') as f:
        json.dump(dict(stage=name, seconds=seconds, settings=settings, id=uuid.uuid4().hex), f)
    os.replace(done + '.tmp', done)
    print(f'[nb201] {name}: {seconds:.0f} s', flush=True)
    return runner


def train_supernet_stage(name: str, cfg: Config, short: bool, settings: dict) -> str:
    """Train a supernet stage (``--short``: one epoch, no schedule) unless its marked
    checkpoint exists; the checkpoint's path."""
    if short:
        cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = 1
        cfg.param_scheduler = None
    ckpt = osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    if not (finished(cfg.work_dir, settings) and osp.isfile(ckpt)):
        run_stage(name, cfg, 'train', settings)
    return ckpt


def train_supernet(args) -> str:
    cfg = load(SUPERNET_CONFIG, osp.join(args.work_dir, 'supernet'), 'nb201_supernet',
               args.short, args.cells_per_stage, args.widen_factor)
    return train_supernet_stage('supernet', cfg, args.short, stage_settings(args))


def train_split(args, base: str) -> str:
    cfg = load(SPLIT_CONFIG, osp.join(args.root, 'supernet'), 'nb201_supernet_split',
               args.short, args.cells_per_stage, args.widen_factor, args.split_edge)
    cfg.load_from = base
    return train_supernet_stage(
        'supernet split', cfg, args.short,
        stage_settings(args, [osp.dirname(base)], split_edge=args.split_edge))


def train_generator(args, seed, supernet) -> str:
    work_dir = osp.join(args.root, f'seed_{seed}', 'generator_train')
    ckpt = osp.join(work_dir, 'best_generator.pth')
    settings = stage_settings(args, [osp.dirname(supernet)], split_edge=args.split_edge)
    if finished(work_dir, settings) and osp.isfile(ckpt):
        return ckpt
    cfg = load(GENERATOR_CONFIG, work_dir, f'nb201_generator_seed{seed}', args.short,
               args.cells_per_stage, args.widen_factor, args.split_edge)
    cfg.model.supernet_checkpoint = supernet
    cfg.model.prior_seed = seed
    cfg.randomness = dict(seed=seed)
    if args.short:
        cfg.train_cfg.max_epochs = 1
    run_stage(f'generator (seed {seed})', cfg, 'train', settings)
    return ckpt


def search(args, seed, method, supernet, generator) -> str:
    work_dir = osp.join(args.root, f'seed_{seed}')
    out = osp.join(work_dir, method, 'results.csv')
    cfg = load(SEARCH_CONFIG, work_dir, f'nb201_{method}_seed{seed}', args.short,
               args.cells_per_stage, args.widen_factor, args.split_edge)
    test_cfg = dict(seed=seed, out_dir=method,
                    targets=[float(t) for t in args.targets or cfg.test_cfg.targets])
    if method == 'random':
        test_cfg.update(type='mmsgnas.RandomSearchLoop', num_candidates=args.num_random)
    elif method == 'evolution':
        test_cfg.update(type='mmsgnas.EvolutionSearchLoop', population=args.population,
                        generations=args.generations, top_k=max(1, args.population // 2),
                        mutation_prob=1 / 6)  # one of the 6 edges per mutant, on average
    upstream = [osp.dirname(supernet)] + ([osp.dirname(generator)] if method == 'generator'
                                          else [])
    settings = stage_settings(args, upstream, split_edge=args.split_edge, test_cfg=test_cfg)
    # the first seed's generator search also scores the background (random architectures
    # for the Kendall tau): a search reused as the first seed's must hold one
    background = method == 'generator' and seed == args.seeds[0] and args.tau_archs > 0
    if finished(osp.join(work_dir, method), settings) and osp.isfile(out) and (
            not background or osp.isfile(osp.join(work_dir, method, BACKGROUND))):
        return out
    cfg.model.supernet_checkpoint = supernet
    if method == 'generator':
        test_cfg['num_background'] = args.tau_archs if background else 0
        cfg.load_from = generator
        # budget fitting and op masking as the generator config trains with (a search model
        # that differs refuses its checkpoint)
        trained = Config.fromfile(osp.join(CONFIGS, GENERATOR_CONFIG)).model
        cfg.model.fill_tolerance = trained.get('fill_tolerance', FILL_TOLERANCE)
        cfg.model.mask_infeasible = trained.get('mask_infeasible', False)
        # shrink moves the generator prefers at the target (configs/sgnas/README.md, 2026-12-04:
        # 8 of 15 picks at the random p90 by the supernet's score, against 4 of 15 by FLOPs)
        test_cfg['fit_by'] = 'generator'
    cfg.test_cfg.update(test_cfg)
    run_stage(f'{method} search (seed {seed})', cfg, 'test', settings,
              osp.join(work_dir, method))
    return out


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.short:
        args.num_random, args.population, args.generations, args.tau_archs = 2, 2, 2, 8
    # a split's stages and outputs in a folder of their own, next to the supernet it splits
    args.root = (args.work_dir if args.split_edge is None else
                 osp.join(args.work_dir, f'split{args.split_edge}'))
    os.makedirs(args.root, exist_ok=True)
    args.network = network(args)
    start = time.perf_counter()
    supernet = train_supernet(args)
    stage_dirs = [osp.dirname(supernet)]
    if args.split_edge is not None:
        supernet = train_split(args, supernet)
        stage_dirs.append(osp.dirname(supernet))
    runs = {m: {} for m in METHODS}
    for seed in args.seeds:
        generator = train_generator(args, seed, supernet)
        stage_dirs.append(osp.dirname(generator))
        for method in METHODS:
            results = search(args, seed, method, supernet, generator)
            stage_dirs.append(osp.dirname(results))
            runs[method][seed] = read_results(results, NB201Space)
    # every stage's time from its marker (a reused stage keeps the time it took)
    timings = {m['stage']: m['seconds'] for m in map(marker, stage_dirs)}
    with open(osp.join(args.root, 'stage_times.json'), 'w') as f:
        json.dump(timings, f, indent=1)
    background_file = osp.join(args.root, f'seed_{args.seeds[0]}', 'generator', BACKGROUND)
    background = read_results(background_file, NB201Space) if osp.isfile(background_file) else []
    bench = Benchmark()
    total = time.perf_counter() - start
    notes = [
        f'supernet: one, shared by the seeds (configs/sgnas/{SUPERNET_CONFIG}: the all-3x3 '
        'cell and two uniformly sampled cells per step, distilled in place; '
        f'{args.network["cells_per_stage"]} cell(s) per stage, widen factor '
        f'{args.network["widen_factor"]}'
        + ('' if args.split_edge is None else
           f'; then split on edge {args.split_edge} (configs/sgnas/{SPLIT_CONFIG})')
        + '); per seed: '
        'generator training, then generator, random and evolution search on that supernet',
        f'evaluations per target: generator 1, random {args.num_random}, evolution '
        f'{args.population * args.generations} ({args.population} x {args.generations}); '
        'inherited-weight top-1 on the search config\'s evaluation split',
        raw_generator_summary(bench, [r for s in runs['generator'].values() for r in s]),
        'stage times (s): ' + ', '.join(f'{k} {v:.0f}' for k, v in timings.items()) +
        f'; all stages {sum(timings.values()):.0f} s (this call: {total:.0f} s)',
    ]
    paths = dict(md=osp.join(args.root, 'results.md'),
                 archs=osp.join(args.root, 'architectures.md'),
                 fig=osp.join(args.root, 'fig5.png'))
    targets = sorted({r['target'] for r in runs['generator'][args.seeds[0]]})
    controls = {f'random + fitting, no supernet (control, {CONTROL_DRAWS} draws a seed)':
                fitted_random_control(NB201Space(), NB201FlopsTable.get(), targets,
                                      args.seeds, draws=CONTROL_DRAWS)}
    table = markdown_table(bench, runs, background, notes, controls)
    with open(paths['md'], 'w') as f:
        f.write(table)
    with open(paths['archs'], 'w') as f:
        f.write(architectures_table(bench, runs))
    plot_fig5(bench, runs, paths['fig'])
    print(table)
    print('[nb201] outputs: ' + ', '.join(paths.values()))
    return dict(paths=paths, runs=runs, background=background, timings=timings)


if __name__ == '__main__':
    main()
