"""Uniform forced-sampling of architectures."""
import random
from typing import List, Optional

from .arch import KERNELS, MIN_EXPANSION, NUM_LAYERS, NUM_SUBBLOCKS, Arch, make_token


class ArchSampler:
    """Per layer: ``e`` uniform in 2..6, then a kernel uniform in {3, 5, 7} per active sub-block.

    Args:
        seed: seed of the sampler's own ``random.Random`` (the global RNG is not touched).
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        self.rng = random.Random(seed)

    def sample(self) -> Arch:
        return tuple(self.sample_token() for _ in range(NUM_LAYERS))

    def sample_token(self) -> str:
        e = self.rng.randint(MIN_EXPANSION, NUM_SUBBLOCKS)
        return make_token([self.rng.choice(KERNELS) for _ in range(e)])

    def sample_many(self, n: int) -> List[Arch]:
        return [self.sample() for _ in range(n)]
