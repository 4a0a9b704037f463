"""The SGNAS architecture generator: (target FLOPs, prior architecture) -> architecture logits."""
import math
from typing import Sequence

import torch
from torch import nn

from mmsgnas.space import NUM_LAYERS, NUM_OPS
from mmsgnas.space.arch import NUM_SUBBLOCKS

CONSTRAINT_CHANNELS = 10
HIDDEN = 32


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

    def __init__(self, shape: Sequence[int] = (NUM_LAYERS, NUM_SUBBLOCKS, NUM_OPS),
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
