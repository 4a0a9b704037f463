"""The FLOPs lookup table of the SGNAS space, built by measurement.

Convention (the paper's and the released code's): FLOPs are multiply-accumulates of the
convolutions at batch 1 and the given input size; the classifier, BN, activations and pooling
are not counted. Values are exact MAC counts; ``mflops`` divides by 1e6.
"""
from functools import lru_cache
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from mmsgnas.space import (NUM_LAYERS, format_arch, largest_arch, layer_kernels, parse_arch,
                           smallest_arch)
from mmsgnas.space.arch import KERNELS, NUM_SUBBLOCKS


def count_conv_macs(model: nn.Module, input_size: int) -> Dict[str, int]:
    """Conv MACs per module of ``model`` at batch 1, measured with ``mmengine.analysis``."""
    from mmengine.analysis import FlopAnalyzer
    model = model.eval()
    analyzer = FlopAnalyzer(model, torch.zeros(1, 3, input_size, input_size))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    per_module = analyzer.by_module_and_operator()
    return {name: int(ops.get('conv', 0)) for name, ops in per_module.items()}


class FlopsTable:
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

    def __init__(self, variant: str = 'imagenet', input_size: Optional[int] = None) -> None:
        from mmsgnas.models.macro import default_input_size
        self.variant = variant
        self.input_size = input_size or default_input_size(variant)
        self.const, self.dw, self.pw = _measure(variant, self.input_size)
        # float64 MFLOPs copies for the differentiable cost
        self._dw_m = torch.tensor(self.dw, dtype=torch.float64) / 1e6
        self._pw_m = torch.tensor(self.pw, dtype=torch.float64) / 1e6

    @classmethod
    @lru_cache(maxsize=None)
    def get(cls, variant: str = 'imagenet', input_size: Optional[int] = None) -> 'FlopsTable':
        """The table of a variant and size, measured once per process."""
        return cls(variant, input_size)

    def macs(self, arch: Union[str, Sequence[str]]) -> int:
        """Exact conv MACs of a hard architecture."""
        total = self.const
        for layer, token in enumerate(parse_arch(arch)):
            kernels = layer_kernels(token)
            total += sum(self.dw[layer, KERNELS.index(k)] for k in kernels)
            total += self.pw[layer] * len(kernels) // NUM_SUBBLOCKS
        return int(total)

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

    def mflops(self, arch: Union[str, Sequence[str]]) -> float:
        return self.macs(arch) / 1e6

    @property
    def min_mflops(self) -> float:
        return self.mflops(smallest_arch())

    @property
    def max_mflops(self) -> float:
        return self.mflops(largest_arch())


@lru_cache(maxsize=None)
def _measure(variant: str, input_size: int):
    """Measure the table from three uniform static nets (all 3x3, 5x5, 7x7 at e = 6)."""
    from mmsgnas.models.sgnas_net import SGNASNet
    dw = np.zeros((NUM_LAYERS, len(KERNELS)), dtype=np.int64)
    pw = np.zeros(NUM_LAYERS, dtype=np.int64)
    const = None
    for j, k in enumerate(KERNELS):
        arch = format_arch([str(k) * NUM_SUBBLOCKS] * NUM_LAYERS)
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
