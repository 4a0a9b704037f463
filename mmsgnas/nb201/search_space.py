"""The NAS-Bench-201 space as the generator sees it."""
from typing import List, Sequence, Tuple, Union

import torch
from torch import nn

from . import moves
from .flops import NB201FlopsTable
from .space import (NUM_EDGES, NUM_OPS, NB201Arch, NB201Sampler, decode_nb201, format_nb201,
                    nb201_to_onehot, parse_nb201)

SPACE_ID = 201.0  # first number of the signature (the SGNAS space's is 0 or 1)


class NB201SearchSpace:
    """One-hot ``(6, 5)`` architectures (an op per edge), uniform sampling, the measured
    per-edge FLOPs table at 32x32. Same members as
    :class:`mmsgnas.space.search_space.SGNASSearchSpace`."""
    shape: Tuple[int, ...] = (NUM_EDGES, NUM_OPS)
    shrink_moves = staticmethod(moves.shrink_moves)
    grow_moves = staticmethod(moves.grow_moves)
    mutate = staticmethod(moves.mutate)
    max_moves: int = moves.MAX_MOVES

    def __init__(self) -> None:
        self.table = NB201FlopsTable.get()

    def sampler(self, seed: int) -> NB201Sampler:
        return NB201Sampler(seed)

    def onehot(self, arch: Union[str, Sequence[str]]) -> torch.Tensor:
        return nb201_to_onehot(arch)

    def decode(self, weights: torch.Tensor) -> List[NB201Arch]:
        return decode_nb201(weights)

    def mask(self) -> torch.Tensor:
        return torch.zeros(NUM_OPS, dtype=torch.bool)  # every op allowed on every edge

    def parse(self, arch) -> NB201Arch:
        return parse_nb201(arch)

    def format(self, arch) -> str:
        return format_nb201(arch)

    def static_backbone(self, arch) -> nn.Module:
        from mmsgnas.models import NB201Net
        return NB201Net(arch)

    def signature(self) -> List[float]:
        return [SPACE_ID, 32.0, float(self.table.const), float(self.table.cost.sum()), 0.0]

    @staticmethod
    def describe(signature: Sequence[float]) -> str:
        return f'the NAS-Bench-201 space (table constant {int(signature[2])} MACs)'
