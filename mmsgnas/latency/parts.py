"""The parts a latency table is measured from, and which parts make up an architecture.

A part is a name and a builder ``() -> (module, input shape)``; a table sums parts' medians.

- SGNAS: ``'stem'``, ``'head'`` and ``'<in>-<out>-s<stride>-<res>px/<signature>'``, a layer
  shape's static block (layers of one shape share their parts).
- NAS-Bench-201: ``'stem'``, ``'tail'``, ``'reduction1'``, ``'reduction2'``,
  ``'stage<s>/node_sums'`` and ``'stage<s>/<op>'``, each op and node sum counted once per cell.

:func:`sgnas_part_counts` and :func:`nb201_part_counts` say how many times each part occurs
in an architecture's static network: a table's prediction is the sum of its parts by these
counts, and calibration (:mod:`mmsgnas.latency.calibration`) times a network's parts with it.
"""
import itertools
from collections import Counter
from typing import Callable, Dict, List, Tuple

import torch
from torch import nn

from mmsgnas.flops.tables import NB201_INPUT_SIZE
from mmsgnas.models.macro import build_head, build_stem, layer_specs, stem_stride
from mmsgnas.models.nb201_supernet import (CELLS_PER_STAGE, STAGE_CHANNELS, ResNetBasicBlock,
                                           build_op)
from mmsgnas.models.sgnas_net import SGNASBlock
from mmsgnas.spaces import NB201Space, SGNASSpace
from mmsgnas.spaces.nb201 import OPS as NB201_OPS
from mmsgnas.spaces.sgnas import layer_kernels

Builder = Callable[[], Tuple[nn.Module, tuple]]


def signature(token: str) -> str:
    """The static block of a token: its kernel runs, sorted, as ``kernel x sub-blocks``:
    ``'7337ss'`` -> ``'3x2+7x1+7x1'``."""
    runs = [(k, len(list(g))) for k, g in itertools.groupby(layer_kernels(token))]
    return '+'.join(f'{k}x{n}' for k, n in sorted(runs))


def block_signatures() -> Dict[str, str]:
    """Each distinct block signature -> the first ordered token that builds it (267)."""
    blocks: Dict[str, str] = {}
    for token in SGNASSpace.layer_choices(ordered=True):
        blocks.setdefault(signature(token), token)
    return blocks


def sgnas_layer_groups(variant: str, input_size: int, batch: int) -> List[Tuple[str, tuple]]:
    """Per layer: the name of its shape group and its input shape ``(batch, C, H, W)``."""
    groups, res = [], input_size // stem_stride(variant)
    for spec in layer_specs(variant):
        shape = (batch, spec.in_channels, res, res)
        groups.append((f'{spec.in_channels}-{spec.out_channels}-s{spec.stride}-{res}px', shape))
        res = (res + spec.stride - 1) // spec.stride
    return groups


def sgnas_parts(variant: str, input_size: int, batch: int) -> Dict[str, Builder]:
    """Every part of the SGNAS table of a variant: stem, head, then each layer shape's 267
    blocks, in measuring order."""
    norm, act = dict(type='BN'), dict(type='ReLU6')
    specs = layer_specs(variant)
    groups = sgnas_layer_groups(variant, input_size, batch)
    last, stride = specs[-1].out_channels, specs[-1].stride
    res = (groups[-1][1][-1] + stride - 1) // stride  # the last layer's output
    parts: Dict[str, Builder] = {
        'stem': lambda: (build_stem(variant, norm, act), (batch, 3, input_size, input_size)),
        'head': lambda: (build_head(last, norm, act), (batch, last, res, res))}
    blocks = block_signatures()
    for spec, (group, shape) in zip(specs, groups):
        for sig, token in blocks.items():
            parts.setdefault(f'{group}/{sig}', lambda spec=spec, shape=shape, token=token: (
                SGNASBlock(spec.in_channels, spec.out_channels, spec.stride,
                           layer_kernels(token), norm, act), shape))
    return parts


def sgnas_part_counts(arch, variant: str, input_size: int, batch: int) -> Counter:
    """The parts of an SGNAS architecture's static network, with their counts."""
    groups = sgnas_layer_groups(variant, input_size, batch)
    tokens = SGNASSpace.parse(arch)
    return Counter(['stem', 'head'] + [f'{group}/{signature(token)}'
                                       for (group, _), token in zip(groups, tokens)])


class NodeSums(nn.Module):
    """The additions of a cell's three nodes (``sum`` over 1, 2 and 3 edges: 6 adds)."""

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return sum([x]), sum([x, x]), sum([x, x, x])


def nb201_stage_shapes(batch: int) -> List[tuple]:
    """Each stage's input shape ``(batch, C, H, W)`` at 32x32 (every stage after the first
    halves the resolution)."""
    size = NB201_INPUT_SIZE
    return [(batch, c, size >> s, size >> s) for s, c in enumerate(STAGE_CHANNELS)]


def nb201_parts(batch: int) -> Dict[str, Builder]:
    """Every part of the NAS-Bench-201 table at 32x32: the stem, the tail, the two reduction
    blocks, and each stage's node sums and ops."""
    size = NB201_INPUT_SIZE
    first, last = STAGE_CHANNELS[0], STAGE_CHANNELS[-1]
    shapes = nb201_stage_shapes(batch)
    parts: Dict[str, Builder] = {
        'stem': lambda: (nn.Sequential(nn.Conv2d(3, first, 3, padding=1, bias=False),
                                       nn.BatchNorm2d(first)), (batch, 3, size, size)),
        'tail': lambda: (nn.Sequential(nn.BatchNorm2d(last), nn.ReLU(inplace=True)),
                         shapes[-1])}
    for s, (channels, shape) in enumerate(zip(STAGE_CHANNELS, shapes)):
        if s > 0:
            prev = shapes[s - 1]
            parts[f'reduction{s}'] = lambda prev=prev, channels=channels: (
                ResNetBasicBlock(prev[1], channels), prev)
        parts[f'stage{s}/node_sums'] = lambda shape=shape: (NodeSums(), shape)
        for op in NB201_OPS:
            parts[f'stage{s}/{op}'] = lambda op=op, channels=channels, shape=shape: (
                build_op(op, channels), shape)
    return parts


def nb201_part_counts(arch) -> Counter:
    """The parts of an NAS-Bench-201 architecture's static network, with their counts."""
    counts = Counter(['stem', 'tail', 'reduction1', 'reduction2'])
    ops = NB201Space.parse(arch)
    for s in range(len(STAGE_CHANNELS)):
        counts[f'stage{s}/node_sums'] += CELLS_PER_STAGE
        for op in ops:
            counts[f'stage{s}/{op}'] += CELLS_PER_STAGE
    return counts
