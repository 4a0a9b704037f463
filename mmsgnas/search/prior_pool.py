"""The generator's priors: random forced-sampling architectures keyed by their FLOPs."""
from typing import List, Sequence

import torch

from mmsgnas.flops import FlopsTable
from mmsgnas.space import ArchSampler, arch_to_onehot, format_arch, parse_arch


class PriorPool:
    """A pool of random architectures; each target gets the one whose FLOPs is nearest.

    Args:
        table: the FLOPs table of the space.
        archs: the pool's architectures (strings or tokens).
    """

    def __init__(self, table: FlopsTable, archs: Sequence) -> None:
        if not archs:
            raise ValueError('a prior pool needs at least one architecture')
        self.archs = [parse_arch(a) for a in archs]
        self.mflops = torch.tensor([table.mflops(a) for a in self.archs], dtype=torch.float64)
        self.onehot = torch.stack([arch_to_onehot(a) for a in self.archs])

    @classmethod
    def random(cls, table: FlopsTable, size: int, seed: int = 0) -> 'PriorPool':
        if size < 1:
            raise ValueError(f'prior pool size must be >= 1, got {size}')
        return cls(table, ArchSampler(seed).sample_many(size))

    def nearest(self, targets: torch.Tensor) -> torch.Tensor:
        """One-hot priors ``(N, 19, 6, 4)`` for targets ``(N, )`` in MFLOPs."""
        index = (targets.detach().double().cpu()[:, None] - self.mflops[None]).abs().argmin(1)
        return self.onehot[index].to(targets.device)

    def state(self) -> List[str]:
        return [format_arch(a) for a in self.archs]
