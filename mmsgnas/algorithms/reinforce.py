"""The score-function (REINFORCE) estimate of the generator's CE gradient.

The Gumbel-softmax forward of the paper trains the generator on the CE of a soft mixture of
paths, which is not the CE of the one architecture the search returns (and at a high
temperature the mixture hardly depends on the logits). Here the generator's logits at one
target define a categorical distribution per position; ``num_samples`` hard architectures are
drawn from it, each is scored by the frozen supernet as the search scores it (after budget
fitting, on the iteration's batch: the same images for every sample, so the batch's noise
cancels in the comparison), and the log-probability of the architecture that was scored (the
fitted one: the ops the budget kept or added are the ones credited, so fitting cannot do the
generator's work) is pushed by how much better or worse it scored than the mean of the others
(a leave-one-out baseline), in units of the samples' standard deviation. An optional entropy
bonus keeps the distribution from collapsing onto one architecture before the scores have
told it which (with normalised advantages every step pushes by a unit, noise included, and
the logits random-walk into a corner). With ``advantage='rank'`` the samples are pushed by
their centred ranks instead of their CEs (the fitness shaping of natural evolution
strategies): one disastrous sample (a cell cut off from its output) no longer takes the
whole unit of spread, so the small differences among good architectures still count.
"""
from typing import Callable, Optional, Tuple

import torch
from torch.nn import functional as F

ADVANTAGES = ('normalised', 'rank')


def log_probabilities(logits: torch.Tensor, mask: torch.Tensor, tau: float) -> torch.Tensor:
    """``log softmax(logits / tau)`` per position, ``-inf`` where ``mask`` forbids an op."""
    if not tau > 0:
        raise ValueError(f'the sampling temperature must be > 0, got {tau!r}')
    mask = mask.to(logits.device).expand_as(logits)
    return (logits / tau).masked_fill(mask, float('-inf')).log_softmax(-1)


def log_prob(logp: torch.Tensor, onehots: torch.Tensor) -> torch.Tensor:
    """Log-probabilities ``(N, )`` of one-hot architectures ``(N, *shape)`` under per-position
    log-probabilities ``logp`` ``(*shape)`` (forbidden ops, never chosen, count 0)."""
    return (onehots * logp.masked_fill(torch.isinf(logp), 0.0)[None]).flatten(1).sum(1)


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
    logp = log_probabilities(logits, mask, tau)
    onehots = draw(logp, num_samples, generator)
    return onehots, log_prob(logp, onehots)


def draw(logp: torch.Tensor, num_samples: int,
         generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """``num_samples`` one-hots ``(num_samples, *shape)`` drawn per position from the
    log-probabilities ``logp`` ``(*shape)`` (Gumbel-max; ``-inf`` is never drawn)."""
    gumbels = -torch.empty((num_samples, *logp.shape), device=logp.device,
                           dtype=logp.dtype).exponential_(generator=generator).log()
    choice = (logp.detach()[None] + gumbels).argmax(-1)
    return F.one_hot(choice, logp.shape[-1]).to(logp.dtype)


def reinforce_ce(logits: torch.Tensor, mask: torch.Tensor, tau: float, num_samples: int,
                 score: Callable[[torch.Tensor], Tuple[float, torch.Tensor]],
                 generator: Optional[torch.Generator] = None,
                 entropy_weight: float = 0.0,
                 advantage: str = 'normalised') -> Tuple[torch.Tensor, dict]:
    """The mean CE of ``num_samples`` sampled architectures, as a loss whose gradient (with
    respect to ``logits``) is the leave-one-out REINFORCE estimate of the gradient of the
    expected CE (with ``advantage='rank'``, of its rank-shaped version), in units of the
    samples' spread (so its scale does not depend on how far apart the architectures score).

    Args:
        logits: the generator's logits at one target, ``(*shape)``.
        mask: ops the space forbids (True), broadcastable to ``logits``.
        tau: sampling temperature.
        num_samples: architectures per estimate (>= 2: the baseline of each is the others).
        score: for a sampled one-hot ``(*shape)``: the CE (lower is better) of the
            architecture it leads to (e.g. fitted to a budget) and that architecture's
            one-hot, whose log-probability is credited.
        generator: the sampling noise's RNG (default: torch's global one).
        entropy_weight: beta of an entropy bonus: the loss's gradient also raises
            ``beta * sum of the per-position entropies`` (0: none).
        advantage: ``'normalised'``: each sample's CE minus the mean of the others, over the
            samples' standard deviation; ``'rank'``: its centred rank among the samples (ties
            share their mean rank), over the ranks' standard deviation.

    Returns:
        The loss (a scalar equal to the samples' mean CE) and ``dict(ce_best=, ce_worst=,
        entropy=)`` of the samples (entropy: mean per position, in nats), for logging.
    """
    if not isinstance(num_samples, int) or num_samples < 2:
        raise ValueError(f'REINFORCE needs num_samples >= 2 (each sample\'s baseline is the '
                         f'mean of the others), got {num_samples!r}')
    if not entropy_weight >= 0:
        raise ValueError(f'entropy_weight must be >= 0, got {entropy_weight!r}')
    check_advantage(advantage)
    logp = log_probabilities(logits, mask, tau)
    scored = [score(onehot) for onehot in draw(logp, num_samples, generator)]
    log_probs = log_prob(logp, torch.stack([used.to(logp) for _, used in scored]))
    ce = torch.tensor([float(c) for c, _ in scored], dtype=log_probs.dtype,
                      device=log_probs.device)
    if not torch.isfinite(ce).all():
        raise FloatingPointError(f'REINFORCE: non-finite CE among the samples: {ce.tolist()}')
    entropy = entropies(logp)
    surrogate = (advantages(ce, advantage) * log_probs).mean() - entropy_weight * entropy.sum()
    loss = ce.mean() + surrogate - surrogate.detach()
    return loss, dict(ce_best=ce.min().detach(), ce_worst=ce.max().detach(),
                      entropy=entropy.mean().detach())


def check_advantage(advantage: str) -> str:
    if advantage not in ADVANTAGES:
        raise ValueError(f'unknown REINFORCE advantage {advantage!r}, expected one of '
                         f'{ADVANTAGES}')
    return advantage


def centred_ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks of ``values`` ``(N, )`` minus their mean (ties share their mean rank)."""
    below = (values[None, :] < values[:, None]).sum(1)
    ties = (values[None, :] == values[:, None]).sum(1)
    return (below + (ties - 1) / 2).to(values) - (len(values) - 1) / 2


def advantages(ce: torch.Tensor, kind: str = 'normalised') -> torch.Tensor:
    """How much worse than the others each sample scored, in units of their spread (0 for
    all when all scored alike): ``kind`` ``'normalised'``, its CE minus the mean of the
    others' (leave-one-out); ``'rank'``, its centred rank. Shape ``(N, )`` -> ``(N, )``."""
    # in units of the samples' spread: the push does not shrink with the CE differences
    # (small on a weak supernet) next to the constraint loss's gradient
    if kind == 'normalised':
        centred, spread = ce - (ce.sum() - ce) / (len(ce) - 1), ce.std()
    else:
        centred = centred_ranks(ce)
        spread = centred.std()
    return centred / spread if spread > 0 else torch.zeros_like(ce)


def entropies(logp: torch.Tensor) -> torch.Tensor:
    """The entropy (nats) of each position's distribution, ``(*shape[:-1])``, from its
    log-probabilities ``logp`` ``(*shape)`` (forbidden ops, ``-inf``, count 0)."""
    return -(logp.exp() * logp.masked_fill(torch.isinf(logp), 0.0)).sum(-1)
