"""The SGNAS space as the generator sees it: encoding, decoding, sampling, FLOPs."""
from typing import List, Optional, Sequence, Tuple, Union

import torch

from torch import nn

from . import moves
from .arch import NUM_LAYERS, NUM_SUBBLOCKS, Arch, format_arch, get_arch
from .encoding import NUM_OPS, arch_to_onehot, decode, skip_mask
from .sampler import ArchSampler


class SGNASSearchSpace:
    """One-hot ``(19, 6, 4)`` architectures over (3, 5, 7, skip) per sub-block, forced
    sampling, the measured FLOPs table of a variant and input size.

    The generator model, the search loops and the budget fitting only talk to a space
    through these members, so the same model, loops and hook work on another space
    (:class:`mmsgnas.nb201.NB201SearchSpace`).
    """
    shape: Tuple[int, ...] = (NUM_LAYERS, NUM_SUBBLOCKS, NUM_OPS)
    # local moves (budget fitting, evolution) and a bound on any chain of them
    shrink_moves = staticmethod(moves.shrink_moves)
    grow_moves = staticmethod(moves.grow_moves)
    mutate = staticmethod(moves.mutate)
    max_moves: int = moves.MAX_MOVES

    def __init__(self, variant: str = 'cifar', input_size: Optional[int] = None) -> None:
        from mmsgnas.flops import FlopsTable
        self.variant = variant
        self.table = FlopsTable.get(variant, input_size)

    def sampler(self, seed: int) -> ArchSampler:
        return ArchSampler(seed)

    def onehot(self, arch: Union[str, Sequence[str]]) -> torch.Tensor:
        return arch_to_onehot(arch)

    def decode(self, weights: torch.Tensor) -> List[Arch]:
        return decode(weights)

    def mask(self) -> torch.Tensor:
        """Bool ``shape[1:]``: True where an op may never be chosen."""
        return skip_mask()

    def parse(self, arch) -> Arch:
        return get_arch(arch)

    def format(self, arch) -> str:
        return format_arch(arch)

    def static_backbone(self, arch) -> nn.Module:
        """The static network of ``arch`` (for its parameter count)."""
        from mmsgnas.models import SGNASNet
        return SGNASNet(arch, self.variant, init_cfg=None)

    def signature(self) -> List[float]:
        """Numbers that identify the space and its table (saved with a generator)."""
        t = self.table
        return [float(t.variant == 'imagenet'), t.input_size, t.const, float(t.dw.sum()),
                float(t.pw.sum())]

    @staticmethod
    def describe(signature: Sequence[float]) -> str:
        return (f"the {'imagenet' if signature[0] else 'cifar'} SGNAS space at "
                f'{int(signature[1])}px (table constant {int(signature[2])} MACs)')
