"""The generator stage (Algorithm 1): a target per iteration on batches of the val split, the
temperature schedule, and the per-epoch evaluation that keeps the best generator."""
import math
import os.path as osp
import random
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop
from scipy.stats import kendalltau

from mmsgnas.registry import HOOKS, LOOPS
from .model_access import unwrap

BEST_BY = ('flops', 'ce', 'sweep')


@LOOPS.register_module()
class GeneratorTrainLoop(EpochBasedTrainLoop):
    """Per iteration: a target drawn from the model's ``constraint_range`` (seeded by
    ``(seed, iteration)``, so ``--resume`` continues the same sequence), then the model's
    train step: generator forward, Gumbel-softmax, soft supernet forward, CE + lambda * L_C.

    Args:
        runner, dataloader, max_epochs, val_begin, val_interval: as ``EpochBasedTrainLoop``
            (the dataloader reads the validation split, as the paper does).
        seed: base seed of the targets; None uses the runner's seed.
        target_sampling: ``'uniform'`` (the paper) or ``'log-uniform'`` (uniform in the
            logarithm of the target: as many targets in ``[a, 2a]`` as in ``[2a, 4a]``, so
            the cheap end of the range, where few architectures fit, is trained as often
            as any other budget ratio; needs a range above 0).
    """

    def __init__(self, runner, dataloader, max_epochs: int, val_begin: int = 1,
                 val_interval: int = 1, seed=None, target_sampling: str = 'uniform',
                 **kwargs) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval, **kwargs)
        self.seed = seed
        self.generator_model = unwrap(self.runner.model)
        check_target_sampling(target_sampling, self.generator_model.constraint_range)
        self.target_sampling = target_sampling

    def sample_target(self) -> float:
        base = self.runner.seed if self.seed is None else self.seed
        return draw_target(self.generator_model.constraint_range, self.target_sampling,
                           random.Random(hash((base, self._iter))))

    def run_iter(self, idx, data_batch: Sequence[dict]) -> None:
        model = self.generator_model
        model.target = self.sample_target()
        model.iteration = self._iter
        model.noise_seed = self.runner.seed if self.seed is None else self.seed
        super().run_iter(idx, data_batch)


TARGET_SAMPLINGS = ('uniform', 'log-uniform')


def check_target_sampling(sampling: str, constraint_range: Tuple[float, float]) -> None:
    """ValueError unless ``sampling`` is one of ``TARGET_SAMPLINGS`` and fits the range."""
    if sampling not in TARGET_SAMPLINGS:
        raise ValueError(f'target_sampling must be one of {TARGET_SAMPLINGS}, '
                         f'got {sampling!r}')
    if sampling == 'log-uniform' and not constraint_range[0] > 0:
        raise ValueError(f'log-uniform target sampling needs a constraint range above 0, '
                         f'got {tuple(constraint_range)}')


def draw_target(constraint_range: Tuple[float, float], sampling: str,
                rng: random.Random) -> float:
    """One training target in ``constraint_range``: ``'uniform'`` (the paper) or
    ``'log-uniform'`` (uniform in its logarithm)."""
    check_target_sampling(sampling, constraint_range)
    low, high = constraint_range
    if sampling == 'uniform':
        return rng.uniform(low, high)
    target = math.exp(rng.uniform(math.log(low), math.log(high)))
    return min(max(target, low), high)  # exp(log(x)) may round past an end


def cost_metrics(table, targets, archs) -> dict:
    """Kendall tau between ``targets`` and the cost of ``archs`` in ``table`` (FLOPs or
    latency), mean relative error, share over target."""
    flops = np.array([table.cost(a) for a in archs])
    targets = np.asarray(targets, dtype=np.float64)
    tau = kendalltau(targets, flops).statistic if len(set(flops.tolist())) > 1 else 0.0
    return dict(kendall_tau=float(tau),
                mean_rel_error=float(np.mean(np.abs(flops - targets) / targets)),
                over_target=float(np.mean(flops > targets)))


@HOOKS.register_module()
class GeneratorHook(Hook):
    """Anneal the Gumbel temperature and evaluate the generator after every epoch.

    Temperature at epoch ``i``: ``tau0 * decay ** i`` (5 * 0.95^i by default); with
    ``tau_end``, per iteration instead, geometric from ``tau0`` at the first iteration to
    ``tau_end`` at the last (so a short run still reaches a low temperature). With
    ``entropy_end``, the REINFORCE entropy bonus falls linearly per iteration from the model's
    ``entropy_weight`` at the first iteration to ``entropy_end`` at the last (a strong bonus
    keeps early sampling broad; a weak one at the end lets the distribution settle on what
    scored best). After each
    epoch, ``num_targets`` targets evenly spread over the constraint range are generated
    (argmax, one batched forward) and ``generator/kendall_tau``, ``generator/mean_rel_error``
    and ``generator/over_target`` are logged through the runner's message hub, logger and
    visualizer backends.

    Best-generator rule (``best_by``): ``'flops'``, the highest Kendall tau, ties broken by
    the lowest mean relative error; ``'ce'``, the lowest mean ``ce_generated`` of the epoch
    (the CE of the fitted generated architectures, the model's ``monitor``), so the kept
    generator is the one whose architectures score best, the budget being met by fitting;
    ``'sweep'``, the lowest ``generator/sweep_ce``: the mean CE (the model's ``reward``: its
    top-1 error with ``'error'``), over the sweep's targets, of
    the generated architecture fitted to each (as the search fits it), on the same
    ``sweep_images`` images of the generator's training split every epoch (the images the
    train loop draws its batches from; drawn once with ``sweep_seed``, through the dataset's
    pipeline and the model's preprocessor: meant for an unaugmented pipeline, as the NB201
    REINFORCE config's, since an augmenting one crops them once, from its own random state,
    and a resumed run would crop them anew). ``'ce'`` compares epochs by one batch per
    iteration, each at its own target; ``'sweep'`` by the same images and targets (each
    fitted architecture is scored once: the supernet is frozen). The best is saved as
    ``best_generator.pth`` in the work dir. When the epoch also logged ``ce_random``,
    ``generator/ce_generated`` and ``generator/ce_random`` (epoch means) are logged next to
    each other.

    Args:
        tau0: initial temperature.
        decay: per-epoch factor (without ``tau_end``).
        tau_end: final temperature of the per-iteration schedule (None: per-epoch decay).
        num_targets: targets in the evaluation sweep.
        best_by: ``'flops'``, ``'ce'`` or ``'sweep'`` (see above).
        sweep_images: images of ``best_by='sweep'``'s score (at most the training split's).
        sweep_seed: seed of their draw (an integer).
        entropy_end: final entropy weight of the per-iteration schedule (None: the model's
            constant ``entropy_weight``); needs ``estimator='reinforce'``.
    """
    priority = 'NORMAL'

    def __init__(self, tau0: float = 5.0, decay: float = 0.95, num_targets: int = 20,
                 tau_end: Optional[float] = None, best_by: str = 'flops',
                 entropy_end: Optional[float] = None, sweep_images: int = 256,
                 sweep_seed: int = 0) -> None:
        if not tau0 > 0 or (tau_end is not None and not 0 < tau_end):
            raise ValueError(f'temperatures must be > 0, got tau0={tau0!r}, tau_end={tau_end!r}')
        if entropy_end is not None and not (isinstance(entropy_end, (int, float))
                                            and entropy_end >= 0):
            raise ValueError(f'entropy_end must be a number >= 0 or None, got {entropy_end!r}')
        if best_by not in BEST_BY:
            raise ValueError(f'best_by must be one of {BEST_BY}, got {best_by!r}')
        if isinstance(sweep_images, bool) or not isinstance(sweep_images, int) \
                or sweep_images < 1:
            raise ValueError(f'sweep_images must be an integer >= 1, got {sweep_images!r}')
        if isinstance(sweep_seed, bool) or not isinstance(sweep_seed, int):
            raise ValueError(f'sweep_seed must be an integer, got {sweep_seed!r}')
        self.best_by = best_by
        self.sweep_images = sweep_images
        self.sweep_seed = sweep_seed
        self._sweep_batches: Optional[list] = None
        self._sweep_ce: dict = {}  # fitted architecture -> its score on the sweep's images
        self.tau0 = tau0
        self.decay = decay
        self.tau_end = tau_end
        self.num_targets = num_targets
        self.entropy_end = entropy_end
        self.entropy_start: Optional[float] = None
        self.best: Optional[tuple] = None
        self.model = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """The best score so far goes into every checkpoint, so a resumed run keeps it."""
        checkpoint['generator_hook'] = dict(best_by=self.best_by, best=self.best,
                                            rule=self._rule())

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """The saved best score is kept only if it was scored by the same rule (for
        ``'sweep'``: as many images drawn with the same seed, the same number of targets;
        the same training split is assumed)."""
        state = checkpoint.get('generator_hook')
        if state is not None and state.get('best_by') == self.best_by and state['best'] \
                and state.get('rule') == self._rule():
            self.best = tuple(state['best'])

    def _rule(self) -> Optional[list]:
        if self.best_by != 'sweep':
            return None
        return [self.sweep_images, self.sweep_seed, self.num_targets]

    def before_train(self, runner) -> None:
        self.model = unwrap(runner.model)  # the wrapper does not change during a run
        if self.entropy_end is not None:
            if getattr(self.model, 'estimator', None) != 'reinforce':
                raise ValueError(f"entropy_end needs a generator with estimator='reinforce', "
                                 f"got estimator={getattr(self.model, 'estimator', None)!r}")
            self.entropy_start = self.model.entropy_weight  # as configured, also on resume

    def _model(self, runner):
        if self.model is None:
            self.model = unwrap(runner.model)
        return self.model

    def temperature(self, iteration: int, max_iters: int) -> float:
        """The temperature of a (0-based) iteration of the per-iteration schedule."""
        progress = iteration / max(1, max_iters - 1)
        return self.tau0 * (self.tau_end / self.tau0)**min(1.0, progress)

    def entropy_weight(self, iteration: int, max_iters: int) -> float:
        """The entropy weight of a (0-based) iteration of the per-iteration schedule."""
        progress = min(1.0, iteration / max(1, max_iters - 1))
        return self.entropy_start + (self.entropy_end - self.entropy_start) * progress

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = self._model(runner)
        if self.tau_end is not None:
            model.tau = self.temperature(runner.iter, runner.max_iters)
            runner.message_hub.update_scalar('train/tau', model.tau)
        if self.entropy_end is not None:
            model.entropy_weight = self.entropy_weight(runner.iter, runner.max_iters)
            runner.message_hub.update_scalar('train/entropy_weight', model.entropy_weight)

    @staticmethod
    def _epoch_ce(runner) -> dict:
        """Epoch means of the monitored CEs (the iterations of this epoch only)."""
        out = {}
        every = getattr(unwrap(runner.model), 'monitor_interval', 1)
        iters = -(-len(runner.train_dataloader) // every)  # monitored iterations per epoch
        for key in ('ce_generated', 'ce_random'):
            name = f'train/{key}'
            if name in runner.message_hub.log_scalars:
                values = runner.message_hub.get_scalar(name).data[0][-iters:]
                out[key] = float(np.mean(values))
        return out

    def before_train_epoch(self, runner) -> None:
        if self.tau_end is not None:
            return
        model = self._model(runner)
        model.tau = self.tau0 * self.decay**runner.epoch
        runner.message_hub.update_scalar('train/tau', model.tau)

    def after_train_epoch(self, runner) -> None:
        model = self._model(runner)
        low, high = model.constraint_range
        targets = np.linspace(low, high, self.num_targets).tolist()
        was_training = model.training
        model.eval()
        with torch.no_grad():
            archs = model.generate(targets)
            metrics = cost_metrics(model.table, targets, archs)
            if self.best_by == 'sweep':
                metrics['sweep_ce'] = self.sweep_ce(runner, targets, archs)
        model.train(was_training)
        metrics.update(self._epoch_ce(runner))
        if self.best_by == 'ce' and 'ce_generated' not in metrics:
            raise RuntimeError("best_by='ce' needs the model's monitor (ce_generated)")
        scalars = {f'generator/{k}': v for k, v in metrics.items()}
        for key, value in scalars.items():
            runner.message_hub.update_scalar(key, value)
        runner.visualizer.add_scalars(scalars, step=runner.epoch + 1)
        runner.logger.info('generator after epoch %d: %s', runner.epoch + 1,
                           ', '.join(f'{k} {v:.4f}' for k, v in metrics.items()))
        if self.best_by == 'flops':
            score = (metrics['kendall_tau'], -metrics['mean_rel_error'])
        else:  # the lower CE, by the monitor or by the sweep
            score = (-metrics['ce_generated' if self.best_by == 'ce' else 'sweep_ce'], )
        if self.best is None or score > self.best:
            self.best = score
            runner.save_checkpoint(runner.work_dir, 'best_generator.pth', save_optimizer=False,
                                   save_param_scheduler=False)
            runner.logger.info('best generator so far saved to %s',
                               osp.join(runner.work_dir, 'best_generator.pth'))

    def sweep_batches(self, runner) -> list:
        """The sweep's images as preprocessed batches (``inputs``, ``data_samples``) of the
        training dataloader's batch size: ``sweep_images`` drawn without replacement with
        ``sweep_seed`` (a class-sorted split would otherwise give one class per batch, which
        batch-statistics BN cannot score), made once."""
        if self._sweep_batches is None:
            loader, model = runner.train_dataloader, self._model(runner)
            size = len(loader.dataset)
            if self.sweep_images > size:
                raise ValueError(f'sweep_images={self.sweep_images} is more than the '
                                 f'training split holds ({size} images)')
            order = np.random.default_rng(self.sweep_seed).permutation(size)
            order = order[:self.sweep_images].tolist()
            step = loader.batch_size
            self._sweep_batches = [
                model.data_preprocessor(loader.collate_fn(
                    [loader.dataset[i] for i in order[s:s + step]]), False)
                for s in range(0, len(order), step)]
        return self._sweep_batches

    def sweep_ce(self, runner, targets: Sequence[float], archs: Sequence[tuple]) -> float:
        """Mean CE (the model's ``arch_score``), over ``targets``, of each generated
        architecture fitted to its target, on the sweep's images (image-weighted over its
        batches)."""
        model = self._model(runner)
        batches = self.sweep_batches(runner)
        ces = []
        for target, arch in zip(targets, archs):
            fitted = model.fitted(arch, target)
            if fitted not in self._sweep_ce:
                ce = sum(model.arch_score(b['inputs'], b['data_samples'], fitted).item()
                         * len(b['data_samples']) for b in batches)
                self._sweep_ce[fitted] = ce / self.sweep_images
            ces.append(self._sweep_ce[fitted])
        return float(np.mean(ces))
