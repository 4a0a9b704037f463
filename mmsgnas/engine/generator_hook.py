"""Temperature schedule and per-epoch constraint evaluation of the generator."""
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from mmsgnas.registry import HOOKS
from .supernet_access import unwrap


def constraint_metrics(model, targets) -> dict:
    """Kendall tau between targets and generated FLOPs, mean relative error, share over."""
    return flops_metrics(model.table, targets, model.generate(targets))


def flops_metrics(table, targets, archs) -> dict:
    """Kendall tau between ``targets`` and the FLOPs of ``archs``, mean relative error,
    share over target."""
    from scipy.stats import kendalltau
    flops = np.array([table.mflops(a) for a in archs])
    targets = np.asarray(targets, dtype=np.float64)
    tau = kendalltau(targets, flops).statistic if len(set(flops.tolist())) > 1 else 0.0
    return dict(kendall_tau=float(tau),
                mean_rel_error=float(np.mean(np.abs(flops - targets) / targets)),
                over_target=float(np.mean(flops > targets)))


@HOOKS.register_module()
class GeneratorHook(Hook):
    """Anneal the Gumbel temperature and evaluate the generator after every epoch.

    Temperature at epoch ``i``: ``tau0 * decay ** i`` (5 * 0.95^i by default). After each
    epoch, ``num_targets`` targets evenly spread over the constraint range are generated
    (argmax, one batched forward) and ``generator/kendall_tau``, ``generator/mean_rel_error``
    and ``generator/over_target`` are logged through the runner's message hub, logger and
    visualizer backends.

    Best-generator rule: highest Kendall tau, ties broken by lowest mean relative error; the
    best is saved as ``best_generator.pth`` in the work dir.

    Args:
        tau0: initial temperature.
        decay: per-epoch factor.
        num_targets: targets in the evaluation sweep.
    """
    priority = 'NORMAL'

    def __init__(self, tau0: float = 5.0, decay: float = 0.95, num_targets: int = 20) -> None:
        self.tau0 = tau0
        self.decay = decay
        self.num_targets = num_targets
        self.best: Optional[tuple] = None

    @staticmethod
    def _model(runner):
        return unwrap(runner.model)

    def before_train_epoch(self, runner) -> None:
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
            metrics = constraint_metrics(model, targets)
        model.train(was_training)
        scalars = {f'generator/{k}': v for k, v in metrics.items()}
        for key, value in scalars.items():
            runner.message_hub.update_scalar(key, value)
        runner.visualizer.add_scalars(scalars, step=runner.epoch + 1)
        runner.logger.info('generator after epoch %d: %s', runner.epoch + 1,
                           ', '.join(f'{k} {v:.4f}' for k, v in metrics.items()))
        score = (metrics['kendall_tau'], -metrics['mean_rel_error'])
        if self.best is None or score > self.best:
            self.best = score
            runner.save_checkpoint(runner.work_dir, 'best_generator.pth', save_optimizer=False,
                                   save_param_scheduler=False)
            runner.logger.info('best generator so far saved to %s',
                               osp.join(runner.work_dir, 'best_generator.pth'))
