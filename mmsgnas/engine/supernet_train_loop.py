"""Supernet training: one forced-sampling architecture (or k of them) per iteration."""
from typing import Dict, Sequence

import torch
from mmengine.dist import get_rank
from mmengine.runner import EpochBasedTrainLoop

from mmsgnas.registry import LOOPS
from .supernet_access import get_supernet, unwrap


@LOOPS.register_module()
class SupernetTrainLoop(EpochBasedTrainLoop):
    """Epoch-based loop that trains a supernet by uniform sampling of its space.

    Each iteration samples ``paths_per_iter`` architectures with the supernet's
    ``arch_sampler`` (SGNAS: forced sampling, e uniform in 2..6, kernels uniform; NB201: an op
    uniform per edge) and sums their gradients before one optimizer step (the released code uses 4).
    Architectures come from a seed derived from ``(seed, rank, iteration, path)``, so a resumed
    run samples what the uninterrupted one would have. Everything else (hooks, schedulers,
    checkpoints, validation) is mmengine's ``EpochBasedTrainLoop``.

    Args:
        runner, dataloader, max_epochs, val_begin, val_interval: as ``EpochBasedTrainLoop``.
        paths_per_iter: architectures per iteration (k >= 1).
        largest_first_epochs: epochs at the start that train only the space's largest
            architecture (its ``reference_archs()['largest']``) before uniform sampling, as
            once-for-all's progressive shrinking starts; 0 (default) samples from the start.
        seed: base seed of the architecture sampling; None uses the runner's seed.
    """

    def __init__(self, runner, dataloader, max_epochs: int, val_begin: int = 1,
                 val_interval: int = 1, paths_per_iter: int = 1, largest_first_epochs: int = 0,
                 seed=None, **kwargs) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval, **kwargs)
        if not isinstance(paths_per_iter, int) or paths_per_iter < 1:
            raise ValueError(f'paths_per_iter must be an integer >= 1, got {paths_per_iter!r}')
        if not isinstance(largest_first_epochs, int) or not 0 <= largest_first_epochs < max_epochs:
            raise ValueError(f'largest_first_epochs must be an integer in [0, max_epochs = '
                             f'{max_epochs}), got {largest_first_epochs!r}')
        self.paths_per_iter = paths_per_iter
        self.largest_first_epochs = largest_first_epochs
        self.seed = seed

    def sample_arch(self, path: int):
        """The space's uniform sample for ``(seed, rank, iteration, path)`` (the largest
        architecture during the first ``largest_first_epochs``)."""
        supernet = get_supernet(self.runner.model)
        if self._epoch < self.largest_first_epochs:
            return supernet.reference_archs()['largest']
        base = self.runner.seed if self.seed is None else self.seed
        return supernet.arch_sampler(hash((base, get_rank(), self._iter, path))).sample()

    def run_iter(self, idx, data_batch: Sequence[dict]) -> None:
        self.runner.call_hook('before_train_iter', batch_idx=idx, data_batch=data_batch)
        model, optim_wrapper = self.runner.model, self.runner.optim_wrapper
        supernet = get_supernet(model)
        for path in range(self.paths_per_iter - 1):
            supernet.set_arch(self.sample_arch(path))
            self._accumulate(model, optim_wrapper, data_batch)
        supernet.set_arch(self.sample_arch(self.paths_per_iter - 1))
        outputs = model.train_step(data_batch, optim_wrapper=optim_wrapper)
        self.runner.call_hook('after_train_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)
        self._iter += 1

    @staticmethod
    def _accumulate(model, optim_wrapper, data_batch) -> Dict[str, torch.Tensor]:
        """Forward and backward one path without stepping (gradients add up)."""
        inner = unwrap(model)
        with optim_wrapper.optim_context(model):
            data = inner.data_preprocessor(data_batch, True)
            losses = model(**data, mode='loss')
        loss, log_vars = inner.parse_losses(losses)
        optim_wrapper.backward(loss)
        return log_vars
