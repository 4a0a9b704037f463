"""BN recalibration: the running statistics of one subnet, recomputed on training batches."""
from contextlib import contextmanager
from typing import Iterable, Iterator, List

import torch
from mmengine.model import is_model_wrapper
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def _tracked_bns(model: nn.Module) -> List[_BatchNorm]:
    return [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]


@contextmanager
def preserved_bn_statistics(model: nn.Module) -> Iterator[None]:
    """Restore every BN's running statistics on exit, so calibrating subnets leaves the
    supernet's own statistics, which checkpoints save, untouched."""
    bns = _tracked_bns(model)
    saved = [(m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone())
             for m in bns]
    try:
        yield
    finally:
        with torch.no_grad():
            for m, (mean, var, count) in zip(bns, saved):
                m.running_mean.copy_(mean)
                m.running_var.copy_(var)
                m.num_batches_tracked.copy_(count)


@contextmanager
def recalibrating_bn(model: nn.Module) -> Iterator[None]:
    """Inside: every BN's statistics reset, momentum None (the plain average of the batches
    that follow, as SPOS / once-for-all recalibrate) and BN in training mode, also under
    ``norm_eval``. On exit the momenta and the model's mode are back; the new statistics stay."""
    bns = _tracked_bns(model)
    momenta = [m.momentum for m in bns]
    was_training = model.training
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    for m in bns:
        m.train()
    try:
        yield
    finally:
        for m, momentum in zip(bns, momenta):
            m.momentum = momentum
        model.train(was_training)


@torch.no_grad()
def calibrate_bn(model: nn.Module, batches: Iterable[dict], num_batches: int) -> int:
    """Recompute the running statistics of the active subnet on ``num_batches`` batches.

    Args:
        model: the classifier (possibly wrapped); its supernet has the subnet set.
        batches: data batches as a dataloader yields them (training data).
        num_batches: how many to use (>= 1).

    Returns:
        the number of batches used (fewer when ``batches`` runs out first).
    """
    if not isinstance(num_batches, int) or num_batches < 1:
        raise ValueError(f'num_batches must be an integer >= 1, got {num_batches!r}')
    inner = model.module if is_model_wrapper(model) else model
    used = 0
    with recalibrating_bn(inner):
        for data_batch in batches:
            if used == num_batches:
                break
            inner(inner.data_preprocessor(data_batch, False)['inputs'], mode='tensor')
            used += 1
    if used == 0:
        raise ValueError('BN calibration got no batches: the calibration dataloader is empty')
    return used
