"""Deterministic budget fitting: shrink an over-budget architecture, grow an under-budget one."""
from typing import Dict, List, Optional, Tuple

from mmsgnas.flops import FlopsTable
from mmsgnas.space import Arch, layer_kernels
from mmsgnas.space.arch import make_token
from mmsgnas.space.arch import MIN_EXPANSION

SHRINK = {7: 5, 5: 3}
GROW = {3: 5, 5: 7}
MAX_STEPS = 19 * (6 * 2 + 4) + 1  # kernel steps and sub-block changes: each move is one


def _moves(arch: Arch, kernel_step: Dict[int, int], resize) -> List[Arch]:
    """One-step neighbours: one kernel changed by ``kernel_step``, or a layer's kernel list
    changed by ``resize`` (returns None where not allowed)."""
    moves = []
    for layer, token in enumerate(arch):
        kernels = layer_kernels(token)
        changed = [kernels[:b] + [kernel_step[k]] + kernels[b + 1:]
                   for b, k in enumerate(kernels) if k in kernel_step]
        resized = resize(kernels, len(token))
        for new in changed + ([resized] if resized is not None else []):
            moves.append(arch[:layer] + (make_token(new), ) + arch[layer + 1:])
    return moves


def shrink_moves(arch: Arch) -> List[Arch]:
    """Every architecture one step smaller: one kernel 7->5 or 5->3, or a layer's last
    sub-block dropped (while e > 2). Each strictly lowers FLOPs."""
    return _moves(arch, SHRINK, lambda ks, n: ks[:-1] if len(ks) > MIN_EXPANSION else None)


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
    for _ in range(MAX_STEPS):
        if table.mflops(arch) <= target:
            return arch, repaired
        scored = [(table.mflops(m), m) for m in shrink_moves(arch)]
        fitting = [s for s in scored if s[0] <= target]
        arch = max(fitting, key=lambda s: s[0])[1] if fitting else min(scored)[1]
        repaired = True
    raise RuntimeError('repair did not converge')  # unreachable: moves are finite


def grow_moves(arch: Arch) -> List[Arch]:
    """Every architecture one step larger: one kernel 3->5 or 5->7, or a 3x3 sub-block
    appended to a layer (while e < 6). Each strictly raises FLOPs."""
    return _moves(arch, GROW, lambda ks, n: ks + [3] if len(ks) < n else None)


def fill(arch: Arch, table: FlopsTable, target: float,
         tolerance: float = 0.01) -> Tuple[Arch, bool]:
    """Grow ``arch`` (FLOPs <= ``target``) while it is more than ``tolerance`` (relative)
    under the budget: each step takes the move that fits with the most FLOPs. Moves strictly
    raise FLOPs and the largest architecture has none, so the loop is bounded. Returns the
    architecture (still <= ``target``) and whether it was changed."""
    if table.mflops(arch) > target:
        raise ValueError(f'fill needs an architecture within the budget: '
                         f'{table.mflops(arch):.2f} > {target} MFLOPs (repair it first)')
    grown = False
    for _ in range(MAX_STEPS):
        if table.mflops(arch) >= (1.0 - tolerance) * target:
            break
        fitting = [(table.mflops(m), m) for m in grow_moves(arch)]
        fitting = [s for s in fitting if s[0] <= target]
        if not fitting:
            break
        arch = max(fitting, key=lambda s: s[0])[1]
        grown = True
    return arch, grown


def fit_budget(arch: Arch, table: FlopsTable, target: float,
               tolerance: Optional[float] = 0.01) -> Tuple[Arch, str]:
    """Repair (shrink) if over ``target``, then fill (grow) to within ``tolerance`` of it
    (``None``: no growing). Returns the architecture and what was done: ``'no'``,
    ``'shrunk'``, ``'grown'`` or ``'shrunk+grown'``."""
    arch, shrunk = repair(arch, table, target)
    grown = False
    if tolerance is not None:
        arch, grown = fill(arch, table, target, tolerance)
    return arch, '+'.join(a for a, done in (('shrunk', shrunk), ('grown', grown)) if done) or 'no'
