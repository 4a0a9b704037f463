"""The score-function (REINFORCE) estimate of the generator's CE gradient.

The Gumbel-softmax forward of the paper trains the generator on the CE of a soft mixture of
paths, which is not the CE of the one architecture the search returns (and at a high
temperature the mixture hardly depends on the logits). Here the generator's logits at one
target define a categorical distribution per position; ``num_samples`` hard architectures are
drawn from it, each is scored by the frozen supernet as the search scores it (after budget
fitting, on the iteration's batch: the same images for every sample, so the batch's noise
cancels in the comparison), and each sample's log-probability is pushed by how much better or
worse it scored than the mean of the others (a leave-one-out baseline), in units of the
samples' standard deviation.
"""
from typing import Callable, Optional, Tuple

import torch
from torch.nn import functional as F


def sample_onehots(logits: torch.Tensor, mask: torch.Tensor, tau: float, num_samples: int,
                   generator: Optional[torch.Generator] = None
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """``num_samples`` one-hot architectures drawn from ``softmax(logits / tau)`` per
    position (Gumbel-max), never on an op that ``mask`` forbids, and their log-probabilities
    (with the gradient of ``logits``).

    Shapes:
        logits ``(*shape)`` (e.g. ``(19, 6, 4)``), mask broadcastable to it ->
        one-hots ``(num_samples, *shape)``, log-probabilities ``(num_samples, )``.
    """
    if not tau > 0:
        raise ValueError(f'the sampling temperature must be > 0, got {tau!r}')
    mask = mask.to(logits.device).expand_as(logits)
    logp = (logits / tau).masked_fill(mask, float('-inf')).log_softmax(-1)
    gumbels = -torch.empty((num_samples, *logits.shape), device=logits.device,
                           dtype=logits.dtype).exponential_(generator=generator).log()
    choice = (logp.detach()[None] + gumbels).argmax(-1)
    onehots = F.one_hot(choice, logits.shape[-1]).to(logits.dtype)
    log_probs = (onehots * logp.masked_fill(mask, 0.0)[None]).flatten(1).sum(1)
    return onehots, log_probs


def reinforce_ce(logits: torch.Tensor, mask: torch.Tensor, tau: float, num_samples: int,
                 score: Callable[[torch.Tensor], float],
                 generator: Optional[torch.Generator] = None) -> Tuple[torch.Tensor, dict]:
    """The mean CE of ``num_samples`` sampled architectures, as a loss whose gradient (with
    respect to ``logits``) is the leave-one-out REINFORCE estimate of the gradient of the
    expected CE, divided by the samples' standard deviation of CE (so its scale does not
    depend on how far apart the architectures score).

    Args:
        logits: the generator's logits at one target, ``(*shape)``.
        mask: ops the space forbids (True), broadcastable to ``logits``.
        tau: sampling temperature.
        num_samples: architectures per estimate (>= 2: the baseline of each is the others).
        score: the CE of the architecture a one-hot ``(*shape)`` stands for (lower is better).
        generator: the sampling noise's RNG (default: torch's global one).

    Returns:
        The loss (a scalar equal to the samples' mean CE) and ``dict(ce_best=, ce_worst=)``
        of the samples, for logging.
    """
    if not isinstance(num_samples, int) or num_samples < 2:
        raise ValueError(f'REINFORCE needs num_samples >= 2 (each sample\'s baseline is the '
                         f'mean of the others), got {num_samples!r}')
    onehots, log_probs = sample_onehots(logits, mask, tau, num_samples, generator)
    ce = torch.tensor([float(score(onehot)) for onehot in onehots], dtype=log_probs.dtype,
                      device=log_probs.device)
    if not torch.isfinite(ce).all():
        raise FloatingPointError(f'REINFORCE: non-finite CE among the samples: {ce.tolist()}')
    baseline = (ce.sum() - ce) / (num_samples - 1)
    # advantages in units of the samples' spread: the push does not shrink with the CE
    # differences (small on a weak supernet) next to the constraint loss's gradient
    spread = ce.std()
    advantage = (ce - baseline) / spread if spread > 0 else torch.zeros_like(ce)
    surrogate = (advantage * log_probs).mean()
    loss = ce.mean() + surrogate - surrogate.detach()
    return loss, dict(ce_best=ce.min().detach(), ce_worst=ce.max().detach())
