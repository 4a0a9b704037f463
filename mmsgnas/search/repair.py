"""Deterministic repair of an over-budget architecture."""
from typing import List, Tuple

from mmsgnas.flops import FlopsTable
from mmsgnas.space import Arch, layer_kernels
from mmsgnas.space.arch import make_token
from mmsgnas.space.arch import MIN_EXPANSION

SHRINK = {7: 5, 5: 3}


def shrink_moves(arch: Arch) -> List[Arch]:
    """Every architecture one step smaller: one kernel 7->5 or 5->3, or a layer's last
    sub-block dropped (while e > 2). Each strictly lowers FLOPs."""
    moves = []
    for layer, token in enumerate(arch):
        kernels = layer_kernels(token)
        for b, k in enumerate(kernels):
            if k in SHRINK:
                smaller = kernels[:b] + [SHRINK[k]] + kernels[b + 1:]
                moves.append(arch[:layer] + (make_token(smaller), ) + arch[layer + 1:])
        if len(kernels) > MIN_EXPANSION:
            moves.append(arch[:layer] + (make_token(kernels[:-1]), ) + arch[layer + 1:])
    return moves


def repair(arch: Arch, table: FlopsTable, target: float) -> Tuple[Arch, bool]:
    """Shrink ``arch`` until its FLOPs are <= ``target`` (MFLOPs).

    Each step takes, if one exists, the single move that fits with the most FLOPs left
    (closest to the budget); otherwise the move that saves the most. Moves strictly lower
    FLOPs and the smallest architecture has no move, so the loop ends after at most
    19 * (6 * 2 + 4) steps. Returns the architecture and whether it was changed.

    Raises:
        ValueError: if ``target`` is below the smallest architecture of the space.
    """
    if target < table.min_mflops:
        raise ValueError(f'target {target} MFLOPs is below the smallest architecture '
                         f'({table.min_mflops:.2f} MFLOPs): infeasible')
    repaired = False
    for _ in range(19 * (6 * 2 + 4) + 1):
        if table.mflops(arch) <= target:
            return arch, repaired
        scored = [(table.mflops(m), m) for m in shrink_moves(arch)]
        fitting = [s for s in scored if s[0] <= target]
        arch = max(fitting, key=lambda s: s[0])[1] if fitting else min(scored)[1]
        repaired = True
    raise RuntimeError('repair did not converge')  # unreachable: moves are finite
