"""Search loops: N targets in, N architectures out, evaluated and written the same way.

``GeneratorSearchLoop`` generates all N in one batched forward; ``RandomSearchLoop`` and
``EvolutionSearchLoop`` search each target separately with the same evaluator, the same
constraint (cost <= target, in the model's table: FLOPs or latency) and the same outputs, so
one config change compares them.
"""
import json
import os
import os.path as osp
import time
from abc import abstractmethod
from typing import Iterator, Optional, Sequence, Union

import numpy as np
from mmengine.dist import barrier, is_main_process
from mmengine.runner import BaseLoop

from mmsgnas.registry import LOOPS
from mmsgnas.search import (SubnetEvaluator, calibration, check_fill_tolerance,
                            evolution_search, fit_budget, model_identity, random_search,
                            targets_in, write_results)
from mmsgnas.search.evolution import check_positive
from mmsgnas.search.pareto import VisitedScores, read_image, write_front
from .model_access import unwrap


def progress(what: str, done: int, total: int, start: float, detail: str = '') -> str:
    """``what i/n (p %), elapsed, ETA``: a logger line for long search work."""
    elapsed = time.perf_counter() - start
    eta = elapsed / done * (total - done) if done else float('nan')
    return (f'{what} {done}/{total} ({100 * done / max(1, total):.0f} %), {elapsed:.0f} s, '
            f'ETA {eta:.0f} s' + (f': {detail}' if detail else ''))


class _SearchLoop(BaseLoop):
    """Shared part: targets, evaluator, background, outputs. Everything about the space
    (sampling, moves, strings) comes from the model's ``space`` and the constraint from its
    ``table`` (FLOPs, or a latency table), so the loops run on the SGNAS and NB201 spaces,
    with FLOPs or latency targets.

    Args:
        runner, dataloader: the runner and the evaluation split (``test_dataloader``).
        evaluator: the runner's ``test_evaluator`` (mmengine requires one with a test loop);
            the search counts top-1 itself on the cached split, so it is not used.
        targets: targets in the constraint's unit, MFLOPs or milliseconds (inside the
            space's range); None: ``num_targets`` evenly spread over the model's
            ``constraint_range``.
        num_targets: targets when ``targets`` is None (K = 50 for a front).
        front: also write the Pareto front (top-1 against cost) of every architecture the
            search evaluated (the background left out): ``pareto.csv`` / ``.md``, one
            architecture file per member under ``pareto/``, ``pareto.png`` (also sent to the
            runner's visualizer, as the results plots are) and the front's hypervolume
            (reference: the highest target, the lowest top-1 of the background), logged as
            ``<method>/hypervolume``.
        measure_latency: with a latency constraint, also measure each returned architecture's
            whole static network on this machine (``measured_ms`` next to the table's
            ``latency_ms``).
        calib_batches: BN recalibration batches per architecture from
            ``calib_dataloader`` (0: BN statistics as trained).
        calib_dataloader: config of the calibration loader (training split).
        num_background: random architectures evaluated as the plot's background.
        seed: seed of the background (and of random / evolution search).
        out_dir: output folder, relative to the work dir.
    """
    method = ''

    def __init__(self, runner, dataloader, targets: Optional[Sequence[float]] = None,
                 evaluator=None, calib_batches: int = 0,
                 calib_dataloader: Optional[dict] = None, num_background: int = 100,
                 seed: int = 0, out_dir: str = 'search', measure_latency: bool = True,
                 num_targets: int = 50, front: bool = False) -> None:
        super().__init__(runner, dataloader)
        self.measure_latency = measure_latency
        check_positive(num_targets=num_targets)
        if targets is None:
            low, high = self.model.constraint_range
            targets = np.linspace(low, high, num_targets).round(2).tolist()
        self.targets = list(targets)
        self.front = bool(front)
        self.calib_batches = calib_batches
        self.calib_dataloader = calib_dataloader
        self.num_background = num_background
        self.seed = seed
        self.out_dir = out_dir

    @property
    def model(self):
        return unwrap(self.runner.model)

    @property
    def space(self):
        return self.model.space

    @property
    def table(self):
        return self.model.table

    @property
    def out(self) -> str:
        return osp.join(self.runner.work_dir, self.out_dir)

    def build_evaluator(self) -> SubnetEvaluator:
        """The evaluator, recording every score in ``<out>/evaluations.jsonl``: a search
        started again in the same work dir reuses them (and refuses a record made with
        another supernet checkpoint, space or evaluation split)."""
        if is_main_process():
            os.makedirs(self.out, exist_ok=True)
        barrier()
        calib = calibration(dict(calib_batches=self.calib_batches,
                                 calib_dataloader=self.calib_dataloader))
        return SubnetEvaluator(self.model.supernet, self.dataloader, *calib,
                               data_preprocessor=self.model.data_preprocessor,
                               record=osp.join(self.out, 'evaluations.jsonl'),
                               identity=model_identity(self.model),
                               channels_last=self.model.channels_last)

    @abstractmethod
    def search(self, targets, evaluator) -> Iterator[dict]:
        """Rows ``dict(target, arch, repaired, top1)``, one per target as it is finished,
        cost <= target."""

    def run(self) -> dict:
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        space, table = self.space, self.table
        targets = targets_in(table, self.targets)
        self.model.eval()
        evaluator = self.build_evaluator()
        if self.front:
            evaluator = VisitedScores(evaluator)
        logger = self.runner.logger
        if evaluator.num_evaluated:
            logger.info(f'{self.method} search: resuming with {evaluator.num_evaluated} '
                        f'architectures already scored in {evaluator.record.path}')
        start = time.perf_counter()
        rows = []
        # every finished target, as it is produced (rank 0 writes, as for all outputs)
        finished = open(osp.join(self.out, 'rows.jsonl'), 'w') if is_main_process() else None
        unit = table.unit
        for row in self.search(targets, evaluator):
            row.update(self.costs(row['arch']))
            row['params_m'] = self.params_m(row['arch'])
            assert table.cost(row['arch']) <= row['target'] + 1e-9, row
            if unit == 'ms' and self.measure_latency:
                row['measured_ms'] = table.measure(row['arch'])
            rows.append(row)
            if finished is not None:
                finished.write(json.dumps({k: space.format(v) if k in ('arch', 'generated')
                                           else v for k, v in row.items()}) + '\n')
                finished.flush()
            logger.info(progress(f'{self.method} search', len(rows), len(targets), start,
                                 f"target {row['target']:g} {unit}: top-1 {row['top1']:.2f}, "
                                 f'{evaluator.num_evaluated} architectures scored in all'))
        if finished is not None:
            finished.close()
        search_time = time.perf_counter() - start
        visited = dict(evaluator.visited) if self.front else {}  # before the background
        background = []
        sampler = space.sampler(self.seed + 1)
        start_bg = time.perf_counter()
        for i, arch in enumerate(sampler.sample() for _ in range(self.num_background)):
            background.append(dict(arch=arch, **self.costs(arch), top1=evaluator.top1(arch)))
            if (i + 1) % 10 == 0 or i + 1 == self.num_background:
                logger.info(progress('background', i + 1, self.num_background, start_bg))
        fronts = {}
        if is_main_process():
            if self.front:
                fronts = self.write_front(visited, background)
            paths = write_results(self.out, rows, background, self.method, space.format, unit)
            for key in ('target_plot', 'top1_plot'):  # the front's plot went already
                name = osp.splitext(osp.basename(paths[key]))[0]
                self.runner.visualizer.add_image(f'{self.method}_{name}',
                                                 read_image(paths[key]), step=0)
            paths.update({k: v for k, v in fronts.items() if k.startswith('pareto_')})
            logger.info('\n' + open(paths['md']).read())
            logger.info(f'{self.method} search: {len(rows)} architectures in '
                        f'{search_time:.1f} s ({evaluator.num_evaluated} evaluations in all); '
                        f'outputs in {self.out}: ' + ', '.join(paths.values()))
        barrier()  # the outputs are complete when any rank returns
        suffix = 'M' if unit == 'MFLOPs' else 'ms'
        metrics = {f'{self.method}/top1_{r["target"]:g}{suffix}': r['top1'] for r in rows}
        metrics[f'{self.method}/search_time_s'] = search_time
        if self.front:
            metrics[f'{self.method}/evaluated'] = len(visited)
        if 'hypervolume' in fronts:
            metrics[f'{self.method}/hypervolume'] = fronts['hypervolume']
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics

    def write_front(self, visited: dict, background: list) -> dict:
        entries = [dict(arch=a, top1=t, **self.costs(a)) for a, t in visited.items()]
        ref = (max(self.targets), min(b['top1'] for b in background) if background else
               min(e['top1'] for e in entries))
        front = write_front(self.out, entries, background, self.method, self.space.format,
                            self.table.unit, ref)
        self.runner.logger.info(
            f"{self.method} search: Pareto front of {front['num_front']} of {len(entries)} "
            f"evaluated architectures, hypervolume {front['hypervolume']:.3f} (reference "
            f"{ref[0]:g} {self.table.unit}, {ref[1]:.2f} %): {front['pareto_md']}")
        self.runner.visualizer.add_image(f'{self.method}_pareto',
                                         read_image(front['pareto_png']), step=0)
        return front

    def costs(self, arch) -> dict:
        """``mflops`` and, with a latency constraint, the table's ``latency_ms``."""
        costs = dict(mflops=self.model.flops_table.mflops(arch))
        if self.table.unit == 'ms':
            costs['latency_ms'] = self.table.cost(arch)
        return costs

    def params_m(self, arch) -> float:
        net = self.model.supernet.backbone.static_net(arch)
        head = self.model.supernet.head
        return (sum(p.numel() for p in net.parameters()) +
                sum(p.numel() for p in head.parameters())) / 1e6


@LOOPS.register_module()
class GeneratorSearchLoop(_SearchLoop):
    """Searching by generating: all targets through the generator in one batched forward,
    then fitted to the budget deterministically (recorded in ``repaired``): an architecture
    over its target is shrunk until it fits; one more than ``fill_tolerance`` under it is
    grown while it fits (``fill_tolerance=None`` keeps under-budget ones as generated).

    It needs a trained generator (a checkpoint: ``tools/test.py <config> <checkpoint>``), and
    targets inside the constraint range it was trained on.

    Args:
        fill_tolerance: relative gap under the target left unfilled, ``None`` (no growing),
            or ``'generator'`` (default: the generator's own ``fill_tolerance``, the fitting
            it was trained with).
        extrapolate: allow targets outside the generator's training range (its output there
            is an extrapolation, e.g. the released generator gives 299 MFLOPs for a target
            of 200); off by default, such targets are an error.
        fit_by: how budget fitting picks each move: ``'flops'`` (the move closest to the
            budget) or ``'generator'`` (the move the generator scores highest at the target,
            :meth:`SGNASGenerator.preference`).
    """
    method = 'generator'

    def __init__(self, *args, fill_tolerance: Union[float, None, str] = 'generator',
                 extrapolate: bool = False, fit_by: str = 'flops', **kwargs):
        super().__init__(*args, **kwargs)
        if fit_by not in ('flops', 'generator'):
            raise ValueError(f"fit_by must be 'flops' or 'generator', got {fit_by!r}")
        self.fit_by = fit_by
        if fill_tolerance == 'generator':
            fill_tolerance = self.model.fill_tolerance
        elif isinstance(fill_tolerance, str):
            raise ValueError(f"fill_tolerance must be None, 'generator' or in [0, 1), got "
                             f'{fill_tolerance!r}')
        self.fill_tolerance = check_fill_tolerance(fill_tolerance)
        self.extrapolate = bool(extrapolate)

    def search(self, targets, evaluator) -> Iterator[dict]:
        if not self.model.trained:
            raise ValueError(
                'GeneratorSearchLoop got a generator with no trained weights: pass the '
                'generator checkpoint (tools/test.py <config> <best_generator.pth>, i.e. '
                'load_from); for a search without a generator use RandomSearchLoop or '
                'EvolutionSearchLoop')
        for target, arch in zip(targets, self.model.generate(targets, self.extrapolate)):
            preference = self.model.preference(target) if self.fit_by == 'generator' else None
            fixed, repaired = fit_budget(arch, self.space, self.table, target,
                                         self.fill_tolerance, preference)
            yield dict(target=target, arch=fixed, repaired=repaired,
                       top1=evaluator.top1(fixed), generated=arch)


@LOOPS.register_module()
class RandomSearchLoop(_SearchLoop):
    """Per target: the best of ``num_candidates`` random architectures under the target.

    Args:
        num_candidates: evaluations per target.
        max_tries: samples allowed per target to find them (bounded; an error says so).
    """
    method = 'random'

    def __init__(self, *args, num_candidates: int = 50, max_tries: int = 100000, **kwargs):
        super().__init__(*args, **kwargs)
        check_positive(num_candidates=num_candidates, max_tries=max_tries)
        self.num_candidates = num_candidates
        self.max_tries = max_tries

    def search(self, targets, evaluator) -> Iterator[dict]:
        for i, target in enumerate(targets):
            yield random_search(target, self.space, self.table, evaluator,
                                self.num_candidates, self.max_tries, seed=self.seed + i)


@LOOPS.register_module()
class EvolutionSearchLoop(_SearchLoop):
    """Per target: SPOS-style evolution (population, top-k, mutation, crossover) under the
    target, every candidate sampling bounded in tries.

    Args:
        population: population size.
        generations: generations (evaluations per target = population * generations).
        top_k: parents kept per generation.
        mutation_prob: per-layer mutation probability.
        max_tries: samples allowed per generation to fill the population.
    """
    method = 'evolution'

    def __init__(self, *args, population: int = 10, generations: int = 5, top_k: int = 5,
                 mutation_prob: float = 0.1, max_tries: int = 10000, **kwargs):
        super().__init__(*args, **kwargs)
        check_positive(population=population, generations=generations, top_k=top_k,
                       max_tries=max_tries)
        self.params = dict(population=population, generations=generations, top_k=top_k,
                           mutation_prob=mutation_prob, max_tries=max_tries)

    def search(self, targets, evaluator) -> Iterator[dict]:
        for i, target in enumerate(targets):
            yield evolution_search(target, self.space, self.table, evaluator,
                                   seed=self.seed + i, **self.params)
