"""BN recalibration: the running statistics of one subnet, recomputed on training batches."""
from contextlib import contextmanager
from typing import Iterable, Iterator, List

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .supernet_access import unwrap


def _tracked_bns(model: nn.Module) -> List[_BatchNorm]:
    return [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]


@contextmanager
def preserved_bn_statistics(model: nn.Module) -> Iterator[None]:
    """Restore every BN's running statistics (and momentum) on exit, so calibrating subnets
    leaves the supernet's own statistics, which checkpoints save, untouched."""
    bns = _tracked_bns(model)
    saved = [(m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone(),
              m.momentum) for m in bns]
    try:
        yield
    finally:
        for m, (mean, var, count, momentum) in zip(bns, saved):
            m.running_mean.copy_(mean)
            m.running_var.copy_(var)
            m.num_batches_tracked.copy_(count)
            m.momentum = momentum


@torch.no_grad()
def calibrate_bn(model: nn.Module, batches: Iterable[dict], num_batches: int) -> int:
    """Recompute the running statistics of the active subnet as the plain average over
    ``num_batches`` batches (momentum None, as SPOS / once-for-all recalibrate).

    Args:
        model: the classifier (possibly wrapped); its supernet has the subnet set.
        batches: data batches as a dataloader yields them (training data).
        num_batches: how many to use (>= 1).

    Returns:
        the number of batches used (fewer when ``batches`` runs out first).
    """
    if not isinstance(num_batches, int) or num_batches < 1:
        raise ValueError(f'num_batches must be an integer >= 1, got {num_batches!r}')
    inner = unwrap(model)
    bns = _tracked_bns(inner)
    momenta = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    was_training = inner.training
    inner.train()
    for m in bns:  # also under norm_eval
        m.train()
    used = 0
    try:
        for data_batch in batches:
            if used == num_batches:
                break
            data = inner.data_preprocessor(data_batch, False)
            inner(data['inputs'], mode='tensor')
            used += 1
    finally:
        for m, momentum in zip(bns, momenta):
            m.momentum = momentum
        inner.train(was_training)
    if used == 0:
        raise ValueError('BN calibration got no batches: the calibration dataloader is empty')
    return used
