"""The NAS-Bench-201 cell space: 6 edges x 5 operations, 15,625 architectures.

An architecture is a tuple of 6 operation names in the benchmark's edge order
``(0->1, 0->2, 1->2, 0->3, 1->3, 2->3)``; its string is the benchmark's own,
``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.
"""
import itertools
import random
from typing import List, Optional, Sequence, Tuple, Union

import torch

OPS = ('none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3')
NUM_OPS = len(OPS)
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # (from node, to node)
NUM_EDGES = len(EDGES)
NUM_ARCHS = NUM_OPS**NUM_EDGES  # 15,625

NB201Arch = Tuple[str, ...]


def parse_nb201(arch: Union[str, Sequence[str]]) -> NB201Arch:
    """Validate an architecture string (or a sequence of 6 op names) into a tuple of ops.

    Raises ``ValueError`` naming the node, the edge or the op that is wrong.
    """
    if not isinstance(arch, str):
        ops = tuple(arch)
        if len(ops) != NUM_EDGES:
            raise ValueError(f'an NB201 architecture has {NUM_EDGES} edges, got {len(ops)}')
        for op in ops:
            _check_op(op, ops)
        return ops
    nodes = arch.split('+')
    if len(nodes) != 3:
        raise ValueError(f'NB201 string {arch!r} has {len(nodes)} node groups, expected 3 '
                         f"joined by '+' (format |op~0|+|op~0|op~1|+|op~0|op~1|op~2|)")
    ops = []
    for j, group in enumerate(nodes, start=1):
        if not (group.startswith('|') and group.endswith('|')):
            raise ValueError(f'node {j} of {arch!r}: {group!r} must start and end with |')
        items = group[1:-1].split('|')
        if len(items) != j:
            raise ValueError(f'node {j} of {arch!r} has {len(items)} inputs, expected {j}')
        for i, item in enumerate(items):
            op, sep, source = item.partition('~')
            if not sep or source != str(i):
                raise ValueError(f'node {j} of {arch!r}: input {item!r} must be '
                                 f"'<op>~{i}'")
            _check_op(op, arch)
            ops.append(op)
    return tuple(ops)


def _check_op(op: str, arch) -> None:
    if op not in OPS:
        raise ValueError(f'unknown NB201 operation {op!r} in {arch!r}, expected one of {OPS}')


def format_nb201(arch: Union[str, Sequence[str]]) -> str:
    ops = parse_nb201(arch)
    groups, k = [], 0
    for j in range(1, 4):
        groups.append('|' + '|'.join(f'{ops[k + i]}~{i}' for i in range(j)) + '|')
        k += j
    return '+'.join(groups)


def all_nb201_archs() -> List[NB201Arch]:
    """The 15,625 architectures, in lexicographic order of op indices."""
    return [tuple(ops) for ops in itertools.product(OPS, repeat=NUM_EDGES)]


def nb201_index(arch: Union[str, Sequence[str]]) -> int:
    """Position of an architecture in :func:`all_nb201_archs` (base-5 digits)."""
    index = 0
    for op in parse_nb201(arch):
        index = index * NUM_OPS + OPS.index(op)
    return index


def nb201_to_onehot(arch: Union[str, Sequence[str]]) -> torch.Tensor:
    """``(6, 5)`` one-hot over :data:`OPS` per edge."""
    onehot = torch.zeros(NUM_EDGES, NUM_OPS)
    for e, op in enumerate(parse_nb201(arch)):
        onehot[e, OPS.index(op)] = 1
    return onehot


def decode_nb201(weights: torch.Tensor) -> List[NB201Arch]:
    """Argmax architectures from ``(N, 6, 5)`` (or ``(6, 5)``) logits or probabilities."""
    if weights.dim() == 2:
        weights = weights[None]
    if weights.shape[-2:] != (NUM_EDGES, NUM_OPS):
        raise ValueError(f'expected (N, {NUM_EDGES}, {NUM_OPS}) weights, got '
                         f'{tuple(weights.shape)}')
    return [tuple(OPS[i] for i in row) for row in weights.detach().argmax(-1).cpu().tolist()]


class NB201Sampler:
    """Uniform sampling: each edge's op uniform over the 5 (as SETN's supernet training).

    Args:
        seed: seed of the sampler's own ``random.Random``.
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        self.rng = random.Random(seed)

    def sample(self) -> NB201Arch:
        return tuple(self.rng.choice(OPS) for _ in range(NUM_EDGES))
