"""Local moves of the NAS-Bench-201 space: the steps of budget fitting and of evolution.

An edge's op climbs a ladder of cost: the cost-free ops (``none``, ``skip_connect``,
``avg_pool_3x3``: no conv MACs) -> ``nor_conv_1x1`` -> ``nor_conv_3x3``. Shrinking walks down it
(a 1x1 conv becomes ``skip_connect``, the free op that keeps the edge's signal, as the SGNAS
space's smallest kernel keeps its sub-block); growing walks up it.
"""
import random
from typing import Dict, List

from .space import NUM_EDGES, OPS, NB201Arch

SHRINK: Dict[str, str] = {'nor_conv_3x3': 'nor_conv_1x1', 'nor_conv_1x1': 'skip_connect'}
GROW: Dict[str, str] = {'none': 'nor_conv_1x1', 'skip_connect': 'nor_conv_1x1',
                        'avg_pool_3x3': 'nor_conv_1x1', 'nor_conv_1x1': 'nor_conv_3x3'}
MAX_MOVES = 2 * NUM_EDGES  # at most two steps per edge in either direction


def _moves(arch: NB201Arch, step: Dict[str, str]) -> List[NB201Arch]:
    return [arch[:e] + (step[op], ) + arch[e + 1:] for e, op in enumerate(arch) if op in step]


def shrink_moves(arch: NB201Arch) -> List[NB201Arch]:
    """Every architecture one step down the ladder on one edge. Each strictly lowers FLOPs."""
    return _moves(arch, SHRINK)


def grow_moves(arch: NB201Arch) -> List[NB201Arch]:
    """Every architecture one step up the ladder on one edge. Each strictly raises FLOPs."""
    return _moves(arch, GROW)


def mutate(arch: NB201Arch, rng: random.Random, prob: float) -> NB201Arch:
    """Each edge's op re-drawn uniformly over the 5 with probability ``prob``."""
    return tuple(rng.choice(OPS) if rng.random() < prob else op for op in arch)
