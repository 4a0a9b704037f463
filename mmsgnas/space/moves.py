"""Local moves of the SGNAS space: the steps of budget fitting and of evolution."""
import random
from typing import Callable, Dict, List, Optional

from .arch import (KERNELS, MIN_EXPANSION, NUM_LAYERS, NUM_SUBBLOCKS, Arch, layer_kernels,
                   make_token)

SHRINK = {7: 5, 5: 3}
GROW = {3: 5, 5: 7}
# kernel steps and sub-block changes per layer: a bound on any chain of shrink (or grow) moves
MAX_MOVES = NUM_LAYERS * (NUM_SUBBLOCKS * 2 + NUM_SUBBLOCKS - MIN_EXPANSION)


def _moves(arch: Arch, kernel_step: Dict[int, int],
           resize: Callable[[List[int]], Optional[List[int]]]) -> List[Arch]:
    """One-step neighbours: one kernel changed by ``kernel_step``, or a layer's kernel list
    changed by ``resize`` (None where not allowed)."""
    moves = []
    for layer, token in enumerate(arch):
        kernels = layer_kernels(token)
        changed = [kernels[:b] + [kernel_step[k]] + kernels[b + 1:]
                   for b, k in enumerate(kernels) if k in kernel_step]
        resized = resize(kernels)
        for new in changed + ([resized] if resized is not None else []):
            moves.append(arch[:layer] + (make_token(new), ) + arch[layer + 1:])
    return moves


def shrink_moves(arch: Arch) -> List[Arch]:
    """Every architecture one step smaller: one kernel 7->5 or 5->3, or a layer's last
    sub-block dropped (while e > 2). Each strictly lowers FLOPs."""
    return _moves(arch, SHRINK, lambda ks: ks[:-1] if len(ks) > MIN_EXPANSION else None)


def grow_moves(arch: Arch) -> List[Arch]:
    """Every architecture one step larger: one kernel 3->5 or 5->7, or a 3x3 sub-block
    appended to a layer (while e < 6). Each strictly raises FLOPs."""
    return _moves(arch, GROW, lambda ks: ks + [3] if len(ks) < NUM_SUBBLOCKS else None)


def mutate(arch: Arch, rng: random.Random, prob: float) -> Arch:
    """Each layer re-drawn (e and kernels, forced sampling) with probability ``prob``."""
    tokens = list(arch)
    for i in range(len(tokens)):
        if rng.random() < prob:
            e = rng.randint(MIN_EXPANSION, NUM_SUBBLOCKS)
            tokens[i] = make_token([rng.choice(KERNELS) for _ in range(e)])
    return tuple(tokens)
