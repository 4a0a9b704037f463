"""The supernet stage: training by uniformly sampled architectures per iteration (optionally
with the sandwich rule and in-place distillation), and validation on fixed subnets."""
import time
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.dist import get_rank
from mmengine.runner import EpochBasedTrainLoop, ValLoop

from mmsgnas.registry import LOOPS
from mmsgnas.search import calibrate_bn, preserved_bn_statistics
from .model_access import get_supernet, unwrap


def distill_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor) -> torch.Tensor:
    """KL divergence of the student's class distribution from the (detached) teacher's,
    averaged over the batch: the in-place distillation loss of BigNAS / once-for-all."""
    teacher = F.softmax(teacher_logits.detach(), dim=1)
    return F.kl_div(F.log_softmax(student_logits, dim=1), teacher, reduction='batchmean')


@LOOPS.register_module()
class SupernetTrainLoop(EpochBasedTrainLoop):
    """Epoch-based loop that trains a supernet by uniform sampling of its space.

    Each iteration samples ``paths_per_iter`` architectures with the sampler of the
    supernet's ``space`` (SGNAS: forced sampling, e uniform in 2..6, kernels uniform; NB201: an op
    uniform per edge) and sums their gradients before one optimizer step (the released code uses 4).
    Architectures come from a seed derived from ``(seed, rank, iteration, path)``, so a resumed
    run samples what the uninterrupted one would have. Everything else (hooks, schedulers,
    checkpoints, validation) is mmengine's ``EpochBasedTrainLoop``.

    The sandwich rule (BigNAS) trains named reference architectures of the space (``'largest'``,
    ``'smallest'``) every iteration before the sampled ones; with ``distill`` the first of them
    learns from the labels and every other path from its predictions (in-place distillation).

    A split supernet (one with ``num_splits`` and ``into_split``, e.g.
    :class:`~mmsgnas.models.NB201SplitSupernet`) trains one sub-supernet an iteration, in turn
    (iteration ``i``: sub-supernet ``i % num_splits``): every path of the iteration, sandwich
    included, is moved into its group, so each sub-supernet distils from its own teacher.

    Args:
        runner, dataloader, max_epochs, val_begin, val_interval: as ``EpochBasedTrainLoop``.
        paths_per_iter: sampled architectures per iteration (k >= 1).
        sandwich: names in the space's ``reference_archs()`` trained every iteration before
            the sampled paths, e.g. ``('largest', 'smallest')``; ``()`` (default) samples only.
        distill: in-place distillation from the first sandwich path (needs ``sandwich``). Only
            for classifiers whose ``forward(mode='tensor')`` returns logits (mmpretrain's
            ``ImageClassifier``).
        largest_first_epochs: epochs at the start that train only the space's largest
            architecture (``space.reference_archs()['largest']``, one path an iteration,
            whatever ``sandwich`` and ``paths_per_iter``) before uniform sampling, as
            once-for-all's progressive shrinking starts; 0 (default) samples from the start.
        seed: base seed of the architecture sampling; None uses the runner's seed.
    """

    def __init__(self, runner, dataloader, max_epochs: int, val_begin: int = 1,
                 val_interval: int = 1, paths_per_iter: int = 1, sandwich: Sequence[str] = (),
                 distill: bool = False, largest_first_epochs: int = 0, seed=None,
                 **kwargs) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval, **kwargs)
        if not isinstance(paths_per_iter, int) or paths_per_iter < 1:
            raise ValueError(f'paths_per_iter must be an integer >= 1, got {paths_per_iter!r}')
        if not isinstance(largest_first_epochs, int) or not 0 <= largest_first_epochs < max_epochs:
            raise ValueError(f'largest_first_epochs must be an integer in [0, max_epochs = '
                             f'{max_epochs}), got {largest_first_epochs!r}')
        self.supernet = get_supernet(self.runner.model)
        references = self.supernet.space.reference_archs()
        if isinstance(sandwich, str) or any(name not in references for name in sandwich):
            raise ValueError(f'sandwich must be a sequence of names of the supernet\'s '
                             f'reference architectures {sorted(references)}, got {sandwich!r}')
        if distill and not sandwich:
            raise ValueError('distill=True needs a teacher: name it first in sandwich, e.g. '
                             "sandwich=('largest', 'smallest')")
        self.paths_per_iter = paths_per_iter
        self.sandwich = tuple(sandwich)
        self.distill = bool(distill)
        self.largest_first_epochs = largest_first_epochs
        self.seed = seed

    def sample_arch(self, path: int):
        """The space's uniform sample for ``(seed, rank, iteration, path)``."""
        base = self.runner.seed if self.seed is None else self.seed
        return self.supernet.space.sampler(hash((base, get_rank(), self._iter, path))).sample()

    def iter_archs(self) -> List:
        """The architectures of this iteration, in training order: sandwich, then sampled;
        during the first ``largest_first_epochs`` the largest alone, once (more copies of
        one path would multiply its gradient, or distil it from itself for nothing)."""
        references = self.supernet.space.reference_archs()
        if self._epoch < self.largest_first_epochs:
            archs = [references['largest']]
        else:
            archs = ([references[name] for name in self.sandwich] +
                     [self.sample_arch(path) for path in range(self.paths_per_iter)])
        num_splits = getattr(self.supernet, 'num_splits', 1)
        if num_splits > 1:
            archs = [self.supernet.into_split(arch, self._iter % num_splits) for arch in archs]
        return archs

    def run_iter(self, idx, data_batch: Sequence[dict]) -> None:
        self.runner.call_hook('before_train_iter', batch_idx=idx, data_batch=data_batch)
        model, optim_wrapper = self.runner.model, self.runner.optim_wrapper
        supernet = self.supernet
        archs = self.iter_archs()
        if self.distill:
            outputs = self._distill_step(model, supernet, optim_wrapper, data_batch, archs)
        else:
            for arch in archs[:-1]:
                supernet.set_arch(arch)
                self._accumulate(model, optim_wrapper, data_batch)
            supernet.set_arch(archs[-1])
            outputs = model.train_step(data_batch, optim_wrapper=optim_wrapper)
        loss = outputs['loss']
        if not torch.isfinite(loss).all():
            raise FloatingPointError(f'supernet training: non-finite loss {loss.tolist()} at '
                                     f'iteration {self._iter} (epoch {self._epoch}, last path '
                                     f'{supernet.space.format(archs[-1])})')
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

    @staticmethod
    def _distill_step(model, supernet, optim_wrapper, data_batch,
                      archs) -> Dict[str, torch.Tensor]:
        """The teacher (``archs[0]``) on the labels, the others on its predictions; each
        path's backward right after its forward, one optimizer step at the end."""
        inner = unwrap(model)
        data = inner.data_preprocessor(data_batch, True)
        distill_losses = []
        for i, arch in enumerate(archs):
            supernet.set_arch(arch)
            with optim_wrapper.optim_context(model):
                # through the wrapper, so DDP synchronises the gradients
                logits = model(data['inputs'], mode='tensor')
                if i == 0:
                    # the head's own loss on the labels (label smoothing, mixed labels)
                    losses = inner.head._get_loss(logits, data['data_samples'])
                    teacher = logits.detach()
                else:
                    losses = dict(loss_distill=distill_loss(logits, teacher))
            loss, log_vars = inner.parse_losses(losses)
            if i == 0:
                outputs = {k: v.detach() for k, v in log_vars.items()}
            else:
                distill_losses.append(loss.detach())
            if i < len(archs) - 1:
                optim_wrapper.backward(loss)
            else:
                optim_wrapper.update_params(loss)
        # the teacher alone (largest-first epochs): nothing distilled, logged as 0
        outputs['loss_distill'] = (torch.stack(distill_losses).mean() if distill_losses
                                   else torch.zeros_like(outputs['loss']))
        outputs['loss'] = outputs['loss'] + sum(distill_losses)
        return outputs


def fixed_subnets(space, num_random: int = 2, seed: int = 0,
                  extra: Optional[Dict[str, Union[str, Sequence[str]]]] = None
                  ) -> Dict[str, str]:
    """``smallest``, ``largest``, ``random_0..`` (seeded) and any named extras, as strings of
    the ``space``."""
    subnets = {name: space.format(arch) for name, arch in space.reference_archs().items()}
    sampler = space.sampler(seed)
    for i in range(num_random):
        subnets[f'random_{i}'] = space.format(sampler.sample())
    for name, arch in (extra or {}).items():
        subnets[name] = space.format(arch)
    return subnets


@LOOPS.register_module()
class SubnetValLoop(ValLoop):
    """Evaluate the same fixed subnets at every validation, metrics prefixed by subnet name.

    Metrics read ``largest/accuracy/top1``, ``smallest/accuracy/top1``,
    ``random_0/accuracy/top1``..., so ``save_best='largest/accuracy/top1'`` works.

    Args:
        runner, dataloader, evaluator, fp16: as ``ValLoop``.
        num_random: seeded random forced-sampling subnets besides smallest and largest.
        seed: seed of those random subnets.
        subnets: extra named subnets, ``{name: arch string or name}``.
        calibrate_bn: recompute each subnet's BN statistics on this many training batches
            before evaluating it (0: use the supernet's running statistics). The supernet's
            own statistics are restored afterwards, so checkpoints do not change.
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False, num_random: int = 2,
                 seed: int = 0, subnets: Optional[dict] = None, calibrate_bn: int = 0) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        if not isinstance(calibrate_bn, int) or calibrate_bn < 0:
            raise ValueError(f'calibrate_bn must be an integer >= 0 (training batches), got '
                             f'{calibrate_bn!r}')
        self.num_random, self.seed, self.extra = num_random, seed, subnets
        self.calibrate_bn = calibrate_bn
        self.subnets: Optional[Dict[str, str]] = None

    def run(self) -> dict:
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        supernet = get_supernet(self.runner.model)
        if self.subnets is None:  # the space is the supernet's, known once the model is
            self.subnets = fixed_subnets(supernet.space, self.num_random, self.seed,
                                         self.extra)
        metrics = {}
        with preserved_bn_statistics(self.runner.model):
            start = time.perf_counter()
            for i, (name, arch) in enumerate(self.subnets.items()):
                supernet.set_arch(arch)
                used = 0
                if self.calibrate_bn:
                    used = calibrate_bn(self.runner.model, self.runner.train_dataloader,
                                        self.calibrate_bn)
                self.val_loss.clear()
                for idx, data_batch in enumerate(self.dataloader):
                    self.run_iter(idx, data_batch)
                subnet_metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
                elapsed = time.perf_counter() - start
                self.runner.logger.info(
                    f'subnet {i + 1}/{len(self.subnets)} {name} validated'
                    + (f' (BN recalibrated on {used} training batches)' if used else '')
                    + f', {elapsed:.0f} s, ETA '
                    f'{elapsed / (i + 1) * (len(self.subnets) - i - 1):.0f} s')
                metrics.update({f'{name}/{k}': v for k, v in subnet_metrics.items()})
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics
