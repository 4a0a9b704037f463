"""FLOPs of NAS-Bench-201 architectures at 32x32: a lookup table per edge and op, measured.

Same convention as the SGNAS space: conv multiply-accumulates at batch 1, measured with
``mmengine.analysis``; the classifier, BN, activations and pooling are not counted.
"""
from functools import lru_cache
from typing import Sequence, Union

import torch

from .space import NUM_EDGES, NUM_OPS, OPS, parse_nb201

INPUT_SIZE = 32


def measure_nb201_macs(arch: Union[str, Sequence[str]]) -> int:
    """Conv MACs of the static :class:`~mmsgnas.models.NB201Net` of ``arch``."""
    from mmsgnas.flops import count_conv_macs
    from mmsgnas.models.nb201_supernet import NB201Net
    return count_conv_macs(NB201Net(arch), INPUT_SIZE)['']


class NB201FlopsTable:
    """``const + sum_e cost[e, op_e]``, built from 1 + 6 x 5 measured static networks.

    Attributes:
        const: MACs of the all-``none`` network (stem and reduction blocks).
        cost: ``(6, 5)`` MACs an op adds on an edge (over the 15 cells).
    """

    def __init__(self) -> None:
        none = ('none', ) * NUM_EDGES
        self.const = measure_nb201_macs(none)
        self.cost = torch.zeros(NUM_EDGES, NUM_OPS, dtype=torch.float64)
        for e in range(NUM_EDGES):
            for k, op in enumerate(OPS):
                arch = none[:e] + (op, ) + none[e + 1:]
                self.cost[e, k] = measure_nb201_macs(arch) - self.const
        self._cost_m = self.cost / 1e6
        flops = self.all_mflops()
        self.min_mflops, self.max_mflops = float(flops.min()), float(flops.max())

    @classmethod
    @lru_cache(maxsize=None)
    def get(cls) -> 'NB201FlopsTable':
        return cls()

    def macs(self, arch: Union[str, Sequence[str]]) -> int:
        ops = parse_nb201(arch)
        return self.const + int(sum(self.cost[e, OPS.index(op)] for e, op in enumerate(ops)))

    def mflops(self, arch: Union[str, Sequence[str]]) -> float:
        return self.macs(arch) / 1e6

    def soft_mflops(self, weights: torch.Tensor) -> torch.Tensor:
        """Differentiable cost of ``(N, 6, 5)`` op weights (eq. 9): the expected MFLOPs; the
        exact table value for one-hot weights."""
        return self.const / 1e6 + (weights * self._cost_m.to(weights)).sum(dim=(-2, -1))

    def all_mflops(self) -> torch.Tensor:
        """MFLOPs of all 15,625 architectures, in :func:`all_nb201_archs` order."""
        grid = torch.zeros(1, dtype=torch.float64)
        for e in range(NUM_EDGES):
            grid = (grid[:, None] + self._cost_m[e][None, :]).reshape(-1)
        return grid + self.const / 1e6
