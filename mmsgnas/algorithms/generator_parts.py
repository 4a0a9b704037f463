"""The plain parts of Algorithm 1: the generator network (target + prior -> logits), its
prior pool, the constraint loss, and the batch-statistics BN context of the frozen supernet's
forwards."""
import math
from contextlib import contextmanager
from typing import Iterator, List, Sequence

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

CONSTRAINT_CHANNELS = 10
HIDDEN = 32
LOSS_FORMS = ('symmetric', 'asymmetric')


def conv3x3(in_channels: int, out_channels: int, bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=bias)


class ArchGenerator(nn.Module):
    """The generator of the authors' released code (67,969 parameters, whatever the space).

    The prior (a one-hot architecture) is a 1-channel ``19 x 24`` image (for a space of
    another ``shape``, ``shape[0] x prod(shape[1:])``, e.g. ``6 x 5`` for NAS-Bench-201); the normalised target
    is broadcast to a ``10 x 19 x 24`` constant map. Constraint branch: 3 conv3x3 (10->32->32
    ->32); prior branch: 2 conv3x3 (1->32->32); summed; a conv3x3 and a 3-conv3x3 body with a
    residual from the summed features; a biased conv3x3 32->1 gives the logits. Hidden convs
    have no bias, ReLU, no normalisation.

    Args:
        shape: the space's one-hot shape.
        position_bias: add a learned logit per position (layer / edge, sub-block, op; zero at
            the start) to the convolutional output. The convs are shared over positions, so
            without it a preference such as "op k is bad on every edge" can only be learned
            through the prior's pattern and the padding; not in the released generator
            (whose 67,969 parameters it leaves unchanged without it).

    Shapes:
        forward: target ``(N, )`` in [0, 1] (normalised over the training interval), prior
        ``(N, *shape)`` (default ``(N, 19, 6, 4)``) -> logits of the same shape.
    """

    def __init__(self, shape: Sequence[int] = (19, 6, 4),
                 position_bias: bool = False) -> None:
        super().__init__()
        self.shape = tuple(shape)
        self.position_bias = nn.Parameter(torch.zeros(self.shape)) if position_bias else None
        relu = nn.ReLU(inplace=True)
        self.constraint = nn.Sequential(
            conv3x3(CONSTRAINT_CHANNELS, HIDDEN), relu, conv3x3(HIDDEN, HIDDEN), relu,
            conv3x3(HIDDEN, HIDDEN), relu)
        self.prior = nn.Sequential(conv3x3(1, HIDDEN), relu, conv3x3(HIDDEN, HIDDEN), relu)
        self.stem = nn.Sequential(conv3x3(HIDDEN, HIDDEN), relu)
        self.body = nn.Sequential(
            conv3x3(HIDDEN, HIDDEN), relu, conv3x3(HIDDEN, HIDDEN), relu,
            conv3x3(HIDDEN, HIDDEN), relu)
        self.tail = conv3x3(HIDDEN, 1, bias=True)

    def forward(self, target: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        n = prior.shape[0]
        rows, width = self.shape[0], math.prod(self.shape[1:])
        prior_map = prior.reshape(n, 1, rows, width)
        target_map = target.reshape(n, 1, 1, 1).expand(n, CONSTRAINT_CHANNELS, rows, width)
        x = self.constraint(target_map) + self.prior(prior_map)
        h = self.body(self.stem(x)) + x
        logits = self.tail(h).reshape(n, *self.shape)
        return logits if self.position_bias is None else logits + self.position_bias


class PriorPool:
    """A pool of random architectures; each target gets the one whose cost is nearest.

    Args:
        space: the search space (``SGNASSpace`` or ``NB201Space``).
        table: its cost table (FLOPs or latency).
        archs: the pool's architectures (strings or tuples).
    """

    def __init__(self, space, table, archs: Sequence) -> None:
        if not archs:
            raise ValueError('a prior pool needs at least one architecture')
        self.space = space
        self.archs = [space.parse(a) for a in archs]
        self.costs = torch.tensor([table.cost(a) for a in self.archs], dtype=torch.float64)
        self.onehot = torch.stack([space.onehot(a) for a in self.archs])

    @classmethod
    def random(cls, space, table, size: int, seed: int = 0) -> 'PriorPool':
        """``size`` uniform samples of the space (SGNAS: forced sampling)."""
        if size < 1:
            raise ValueError(f'prior pool size must be >= 1, got {size}')
        sampler = space.sampler(seed)
        return cls(space, table, [sampler.sample() for _ in range(size)])

    def nearest(self, targets: torch.Tensor) -> torch.Tensor:
        """One-hot priors ``(N, *space.shape)`` for targets ``(N, )`` (the table's unit)."""
        index = (targets.detach().double().cpu()[:, None] - self.costs[None]).abs().argmin(1)
        return self.onehot[index].to(targets.device)

    def state(self) -> List[str]:
        return [self.space.format(a) for a in self.archs]


def constraint_loss(cost: torch.Tensor, target: torch.Tensor, form: str = 'asymmetric',
                    over_weight: float = 1.2, dead_zone: float = 0.1) -> torch.Tensor:
    """Squared distance of the cost from the target (both in the table's unit), averaged.

    ``'symmetric'``: ``(cost - target)^2`` (the paper, eq. 8). ``'asymmetric'`` (the released
    code): zero inside ``+-dead_zone``, and ``over_weight`` times heavier above the target, so
    the generator learns to stay under budget.
    """
    if form not in LOSS_FORMS:
        raise ValueError(f'unknown constraint loss form {form!r}, expected one of {LOSS_FORMS}')
    diff = cost - target
    if form == 'symmetric':
        return (diff**2).mean()
    diff = torch.where(diff.abs() <= dead_zone, torch.zeros_like(diff), diff)
    weight = torch.where(diff > 0, torch.full_like(diff, over_weight), torch.ones_like(diff))
    return (weight * diff**2).mean()


@contextmanager
def batch_statistics(model: nn.Module) -> Iterator[None]:
    """Inside: every BN with running statistics normalises by the batch (training mode,
    momentum 0, so the running statistics stay as they are), whatever the model's mode; on
    exit the modes, momenta and batch counters are back. For forwards of a frozen supernet on
    paths whose running statistics would not fit (the generator's soft mixtures)."""
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
    saved = [(m.training, m.momentum, m.num_batches_tracked.clone()) for m in bns]
    for m in bns:
        m.train()
        m.momentum = 0.0
    try:
        yield
    finally:
        with torch.no_grad():
            for m, (training, momentum, count) in zip(bns, saved):
                m.train(training)
                m.momentum = momentum
                m.num_batches_tracked.copy_(count)
