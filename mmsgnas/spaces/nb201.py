"""The NAS-Bench-201 cell space: 6 edges x 5 operations, 15,625 architectures.

An architecture is a tuple of 6 operation names in the benchmark's edge order
``(0->1, 0->2, 1->2, 0->3, 1->3, 2->3)``; its string is the benchmark's own,
``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``; as a tensor, a one-hot ``(6, 5)`` over :data:`OPS`
per edge. This module imports nothing else of the package.
"""
import itertools
import random
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch

OPS = ('none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3')
NUM_OPS = len(OPS)
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # (from node, to node)
NUM_EDGES = len(EDGES)
NUM_NODES = 4  # node 0 the cell's input, node 3 its output
NUM_ARCHS = NUM_OPS**NUM_EDGES  # 15,625

NB201Arch = Tuple[str, ...]

# An edge's op climbs a ladder of cost: the cost-free ops (none, skip_connect, avg_pool_3x3:
# no conv MACs) -> nor_conv_1x1 -> nor_conv_3x3. Shrinking walks down it (a 1x1 conv becomes
# skip_connect, the free op that keeps the edge's signal); growing walks up it.
SHRINK: Dict[str, str] = {'nor_conv_3x3': 'nor_conv_1x1', 'nor_conv_1x1': 'skip_connect'}
GROW: Dict[str, str] = {'none': 'nor_conv_1x1', 'skip_connect': 'nor_conv_1x1',
                        'avg_pool_3x3': 'nor_conv_1x1', 'nor_conv_1x1': 'nor_conv_3x3'}


def _check_op(op: str, arch) -> None:
    if op not in OPS:
        raise ValueError(f'unknown NB201 operation {op!r} in {arch!r}, expected one of {OPS}')


class NB201Sampler:
    """Uniform sampling: each edge's op uniform over the 5 (as SETN's supernet training).

    Args:
        seed: seed of the sampler's own ``random.Random``.
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        self.rng = random.Random(seed)

    def sample(self) -> NB201Arch:
        return tuple(self.rng.choice(OPS) for _ in range(NUM_EDGES))


class NB201Space:
    """The NAS-Bench-201 space with the members of :class:`mmsgnas.spaces.SGNASSpace`."""
    name = 'nb201'
    shape: Tuple[int, ...] = (NUM_EDGES, NUM_OPS)
    max_moves: int = 2 * NUM_EDGES  # at most two steps per edge in either direction

    # strings
    @staticmethod
    def parse(arch: Union[str, Sequence[str]]) -> NB201Arch:
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

    @staticmethod
    def format(arch: Union[str, Sequence[str]]) -> str:
        ops = NB201Space.parse(arch)
        groups, k = [], 0
        for j in range(1, 4):
            groups.append('|' + '|'.join(f'{ops[k + i]}~{i}' for i in range(j)) + '|')
            k += j
        return '+'.join(groups)

    @staticmethod
    def all_archs() -> List[NB201Arch]:
        """The 15,625 architectures, in lexicographic order of op indices."""
        return [tuple(ops) for ops in itertools.product(OPS, repeat=NUM_EDGES)]

    @staticmethod
    def index(arch: Union[str, Sequence[str]]) -> int:
        """Position of an architecture in :meth:`all_archs` (base-5 digits)."""
        index = 0
        for op in NB201Space.parse(arch):
            index = index * NUM_OPS + OPS.index(op)
        return index

    # tensors
    @staticmethod
    def onehot(arch: Union[str, Sequence[str]]) -> torch.Tensor:
        """``(6, 5)`` one-hot over :data:`OPS` per edge."""
        onehot = torch.zeros(NUM_EDGES, NUM_OPS)
        for e, op in enumerate(NB201Space.parse(arch)):
            onehot[e, OPS.index(op)] = 1
        return onehot

    @staticmethod
    def all_onehots() -> torch.Tensor:
        """``(15625, 6, 5)`` one-hots of all architectures, in :meth:`all_archs` order."""
        index = torch.arange(NUM_ARCHS)
        digits = torch.stack([index // NUM_OPS**(NUM_EDGES - 1 - e) % NUM_OPS
                              for e in range(NUM_EDGES)], dim=1)
        return torch.nn.functional.one_hot(digits, NUM_OPS).float()

    @staticmethod
    def mask() -> torch.Tensor:
        return torch.zeros(NUM_OPS, dtype=torch.bool)  # every op allowed on every edge

    @staticmethod
    def decode(weights: torch.Tensor) -> List[NB201Arch]:
        """Argmax architectures from ``(N, 6, 5)`` (or ``(6, 5)``) logits or probabilities."""
        if weights.dim() == 2:
            weights = weights[None]
        if weights.shape[-2:] != (NUM_EDGES, NUM_OPS):
            raise ValueError(f'expected (N, {NUM_EDGES}, {NUM_OPS}) weights, got '
                             f'{tuple(weights.shape)}')
        return [tuple(OPS[i] for i in row)
                for row in weights.detach().argmax(-1).cpu().tolist()]

    # sampling and reference architectures
    @staticmethod
    def sampler(seed: Optional[int] = None) -> NB201Sampler:
        return NB201Sampler(seed)

    @staticmethod
    def reference_archs() -> Dict[str, NB201Arch]:
        """No conv (skip on every edge) and all 3x3 convs: the cheapest and dearest nets."""
        return {'smallest': ('skip_connect', ) * NUM_EDGES,
                'largest': ('nor_conv_3x3', ) * NUM_EDGES}

    # local moves
    @staticmethod
    def shrink_moves(arch: NB201Arch) -> List[NB201Arch]:
        """Every architecture one step down the ladder on one edge; each lowers FLOPs."""
        return [arch[:e] + (SHRINK[op], ) + arch[e + 1:] for e, op in enumerate(arch)
                if op in SHRINK]

    @staticmethod
    def grow_moves(arch: NB201Arch) -> List[NB201Arch]:
        """Every architecture one step up the ladder on one live edge (see :meth:`canonical`;
        a conv on a dead edge would cost FLOPs and change nothing); each raises FLOPs."""
        live = NB201Space._live_nodes(arch)
        return [arch[:e] + (GROW[op], ) + arch[e + 1:] for e, op in enumerate(arch)
                if op in GROW and EDGES[e][1] in live]

    @staticmethod
    def _live_nodes(arch: NB201Arch) -> set:
        """The nodes whose output reaches the cell's output (node 3) through edges that are
        not ``none``."""
        live = {NUM_NODES - 1}
        for node in range(NUM_NODES - 2, -1, -1):  # every edge goes to a later node
            if any(i == node and j in live and op != 'none'
                   for (i, j), op in zip(EDGES, arch)):
                live.add(node)
        return live

    @staticmethod
    def canonical(arch: NB201Arch) -> NB201Arch:
        """The same cell with ``none`` on every dead edge: an edge into a node whose output
        never reaches the cell's output (e.g. both inputs of node 2 when edge 2->3 is
        ``none``). Same function, no more FLOPs."""
        live = NB201Space._live_nodes(arch)
        return tuple(op if EDGES[e][1] in live else 'none' for e, op in enumerate(arch))

    @staticmethod
    def mutate(arch: NB201Arch, rng: random.Random, prob: float) -> NB201Arch:
        """Each edge's op re-drawn uniformly over the 5 with probability ``prob``."""
        return tuple(rng.choice(OPS) if rng.random() < prob else op for op in arch)
