"""FLOPs lookup tables of both spaces, built by measuring static networks, and
:func:`flops_table`, the one way to get the table of a backbone at an input size.

Convention (the paper's and the released code's): FLOPs are multiply-accumulates of the
convolutions at batch 1 and the given input size; the classifier, BN, activations and pooling
are not counted. Values are exact MAC counts; ``mflops`` divides by 1e6. Each table has
``macs``, ``mflops``, ``soft_mflops`` (differentiable, eq. 9), ``min_mflops`` /
``max_mflops`` and ``record()`` (what identifies it, saved with a generator), and the cost
interface that the latency tables share (``unit``, ``cost``, ``soft_cost``, ``min_cost``,
``max_cost``): budget fitting, the searches and the generator take either kind.
"""
from functools import lru_cache
from typing import Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from mmsgnas.models import (NB201Net, NB201SplitSupernet, NB201Supernet, SGNASNet,
                            UnifiedSupernet)
from mmsgnas.models.macro import default_input_size
from mmsgnas.spaces import NB201Space, SGNASSpace
from mmsgnas.spaces.nb201 import NUM_EDGES, NUM_OPS, OPS
from mmsgnas.spaces.sgnas import KERNELS, NUM_LAYERS, NUM_SUBBLOCKS, layer_kernels
from .counting import count_conv_macs

NB201_INPUT_SIZE = 32


class FlopsCost:
    """The cost interface of a FLOPs table: costs in MFLOPs."""
    unit = 'MFLOPs'

    def cost(self, arch) -> float:
        return self.mflops(arch)

    def soft_cost(self, weights: torch.Tensor) -> torch.Tensor:
        return self.soft_mflops(weights)

    @property
    def min_cost(self) -> float:
        return self.min_mflops

    @property
    def max_cost(self) -> float:
        return self.max_mflops


class SGNASFlopsTable(FlopsCost):
    """Per-layer conv costs of the unified supernet for one variant and input size.

    For a hard architecture: ``const + sum_l (sum of its depthwise costs + e/6 * (pw_expand +
    pw_project))``, which equals a conv-MAC count of its :class:`SGNASNet` (without SE).

    Args:
        variant: ``'imagenet'`` or ``'cifar'``.
        input_size: input resolution (default 224 / 32 by variant).

    Attributes:
        const: stem + first block + head conv MACs.
        dw: ``(19, 3)`` MACs of one sub-block's depthwise conv per kernel (3, 5, 7).
        pw: ``(19, )`` MACs of expansion + projection at full width (e = 6).
    """
    space = SGNASSpace()

    def __init__(self, variant: str = 'imagenet', input_size: Optional[int] = None) -> None:
        self.variant = variant
        self.input_size = input_size or default_input_size(variant)
        self.const, self.dw, self.pw = _measure_sgnas(variant, self.input_size)
        # float64 MFLOPs copies for the differentiable cost
        self._dw_m = torch.tensor(self.dw, dtype=torch.float64) / 1e6
        self._pw_m = torch.tensor(self.pw, dtype=torch.float64) / 1e6
        self.min_mflops = self.mflops(self.space.smallest())
        self.max_mflops = self.mflops(self.space.largest())

    @classmethod
    @lru_cache(maxsize=None)
    def get(cls, variant: str = 'imagenet',
            input_size: Optional[int] = None) -> 'SGNASFlopsTable':
        """The table of a variant and size, measured once per process."""
        return cls(variant, input_size)

    def macs(self, arch: Union[str, Sequence[str]]) -> int:
        """Exact conv MACs of a hard architecture."""
        total = self.const
        for layer, token in enumerate(self.space.parse(arch)):
            kernels = layer_kernels(token)
            total += sum(self.dw[layer, KERNELS.index(k)] for k in kernels)
            total += self.pw[layer] * len(kernels) // NUM_SUBBLOCKS
        return int(total)

    def mflops(self, arch: Union[str, Sequence[str]]) -> float:
        return self.macs(arch) / 1e6

    def soft_mflops(self, weights: torch.Tensor) -> torch.Tensor:
        """Differentiable cost (eq. 9) in MFLOPs of soft weights ``(..., 19, 6, 4)`` over
        (3, 5, 7, skip): depthwise costs linear in the kernel probabilities, pointwise costs
        scaled by the expected share of active sub-blocks. Equals :meth:`mflops` for one-hot
        weights of an architecture."""
        dw = self._dw_m.to(weights.device, weights.dtype)
        pw = self._pw_m.to(weights.device, weights.dtype)
        depthwise = (weights[..., :len(KERNELS)] * dw[:, None, :]).sum((-1, -2, -3))
        active = (1 - weights[..., -1]).sum(-1)  # (..., 19) expected e
        pointwise = (active * pw / NUM_SUBBLOCKS).sum(-1)
        return self.const / 1e6 + depthwise + pointwise

    def record(self) -> dict:
        return dict(space=self.space.name, variant=self.variant, input_size=self.input_size,
                    const_macs=int(self.const), max_macs=int(self.macs(self.space.largest())),
                    description=self.describe())

    def describe(self) -> str:
        return f'the {self.variant} SGNAS space at {self.input_size}px'


@lru_cache(maxsize=None)
def _measure_sgnas(variant: str, input_size: int):
    """Measure the table from three uniform static nets (all 3x3, 5x5, 7x7 at e = 6)."""
    dw = np.zeros((NUM_LAYERS, len(KERNELS)), dtype=np.int64)
    pw = np.zeros(NUM_LAYERS, dtype=np.int64)
    const = None
    for j, k in enumerate(KERNELS):
        arch = (str(k) * NUM_SUBBLOCKS, ) * NUM_LAYERS
        counts = count_conv_macs(SGNASNet(arch, variant, init_cfg=None), input_size)
        for layer in range(NUM_LAYERS):
            dw_total = sum(v for n, v in counts.items()
                           if n.startswith(f'layers.{layer}.dw.') and n.count('.') == 3)
            if dw_total % NUM_SUBBLOCKS:
                raise RuntimeError(f'layer {layer}: depthwise MACs {dw_total} not divisible by 6')
            dw[layer, j] = dw_total // NUM_SUBBLOCKS
            pw[layer] = (counts[f'layers.{layer}.expand.conv'] +
                         counts[f'layers.{layer}.project.conv'])
        stem_head = counts['stem'] + counts['head']
        if const is not None and const != stem_head:
            raise RuntimeError('stem and head MACs differ between measurements')
        const = stem_head
    dw.setflags(write=False)
    pw.setflags(write=False)
    return int(const), dw, pw


def measure_nb201_macs(arch: Union[str, Sequence[str]]) -> int:
    """Conv MACs of the benchmark's static :class:`~mmsgnas.models.NB201Net` of ``arch``."""
    return count_conv_macs(NB201Net(arch), NB201_INPUT_SIZE)['']


class NB201FlopsTable(FlopsCost):
    """``const + sum_e cost[e, op_e]`` at 32x32, built from 1 + 6 x 5 measured static
    networks of the benchmark (5 cells per stage).

    Attributes:
        const: MACs of the all-``none`` network (stem and reduction blocks).
        edge_cost: ``(6, 5)`` MACs an op adds on an edge (over the 15 cells).
    """
    space = NB201Space()
    input_size = NB201_INPUT_SIZE

    def __init__(self) -> None:
        none = ('none', ) * NUM_EDGES
        self.const = measure_nb201_macs(none)
        self.edge_cost = torch.zeros(NUM_EDGES, NUM_OPS, dtype=torch.float64)
        for e in range(NUM_EDGES):
            for k, op in enumerate(OPS):
                arch = none[:e] + (op, ) + none[e + 1:]
                self.edge_cost[e, k] = measure_nb201_macs(arch) - self.const
        self._cost_m = self.edge_cost / 1e6
        flops = self.all_mflops()
        self.min_mflops, self.max_mflops = float(flops.min()), float(flops.max())

    @classmethod
    @lru_cache(maxsize=None)
    def get(cls) -> 'NB201FlopsTable':
        return cls()

    def macs(self, arch: Union[str, Sequence[str]]) -> int:
        ops = self.space.parse(arch)
        return self.const + int(sum(self.edge_cost[e, OPS.index(op)]
                                    for e, op in enumerate(ops)))

    def mflops(self, arch: Union[str, Sequence[str]]) -> float:
        return self.macs(arch) / 1e6

    def soft_mflops(self, weights: torch.Tensor) -> torch.Tensor:
        """Differentiable cost of ``(N, 6, 5)`` op weights (eq. 9): the expected MFLOPs; the
        exact table value for one-hot weights."""
        return self.const / 1e6 + (weights * self._cost_m.to(weights)).sum(dim=(-2, -1))

    def all_mflops(self) -> torch.Tensor:
        """MFLOPs of all 15,625 architectures, in :meth:`NB201Space.all_archs` order."""
        grid = torch.zeros(1, dtype=torch.float64)
        for e in range(NUM_EDGES):
            grid = (grid[:, None] + self._cost_m[e][None, :]).reshape(-1)
        return grid + self.const / 1e6

    def record(self) -> dict:
        return dict(space=self.space.name, input_size=self.input_size,
                    const_macs=int(self.const), max_macs=int(round(self.max_mflops * 1e6)),
                    description=self.describe())

    def describe(self) -> str:
        return f'the NAS-Bench-201 space at {self.input_size}px'


def flops_table(backbone: nn.Module, input_size: Optional[int] = None):
    """The FLOPs table of a supernet or static backbone of either space at ``input_size``
    (default: the variant's, 224 / 32; NAS-Bench-201: 32 only)."""
    if isinstance(backbone, (UnifiedSupernet, SGNASNet)):
        return SGNASFlopsTable.get(backbone.variant, input_size)
    if isinstance(backbone, (NB201Supernet, NB201SplitSupernet, NB201Net)):
        if input_size not in (None, NB201_INPUT_SIZE):
            raise ValueError(f'the NB201 FLOPs table is for {NB201_INPUT_SIZE}x'
                             f'{NB201_INPUT_SIZE} inputs, got input_size={input_size}')
        return NB201FlopsTable.get()
    raise TypeError(f'no FLOPs table for a {type(backbone).__name__} backbone, expected a '
                    f'UnifiedSupernet, SGNASNet, NB201Supernet, NB201SplitSupernet or NB201Net')
