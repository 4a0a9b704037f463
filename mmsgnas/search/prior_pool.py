"""The generator's priors: random architectures of a space keyed by their FLOPs."""
from typing import List, Sequence

import torch


class PriorPool:
    """A pool of random architectures; each target gets the one whose FLOPs is nearest.

    Args:
        space: the search space (``SGNASSearchSpace`` or ``NB201SearchSpace``).
        archs: the pool's architectures (strings or tuples).
    """

    def __init__(self, space, archs: Sequence) -> None:
        if not archs:
            raise ValueError('a prior pool needs at least one architecture')
        self.space = space
        self.archs = [space.parse(a) for a in archs]
        self.mflops = torch.tensor([space.table.mflops(a) for a in self.archs],
                                   dtype=torch.float64)
        self.onehot = torch.stack([space.onehot(a) for a in self.archs])

    @classmethod
    def random(cls, space, size: int, seed: int = 0) -> 'PriorPool':
        """``size`` uniform samples of the space (SGNAS: forced sampling)."""
        if size < 1:
            raise ValueError(f'prior pool size must be >= 1, got {size}')
        sampler = space.sampler(seed)
        return cls(space, [sampler.sample() for _ in range(size)])

    def nearest(self, targets: torch.Tensor) -> torch.Tensor:
        """One-hot priors ``(N, *space.shape)`` for targets ``(N, )`` in MFLOPs."""
        index = (targets.detach().double().cpu()[:, None] - self.mflops[None]).abs().argmin(1)
        return self.onehot[index].to(targets.device)

    def state(self) -> List[str]:
        return [self.space.format(a) for a in self.archs]
