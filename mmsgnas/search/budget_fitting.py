"""Deterministic budget fitting: shrink an over-budget architecture, grow an under-budget one.

Works on any search space (its ``canonical`` form, without dead parts, and its local moves
``shrink_moves`` / ``grow_moves``, each strictly lowering / raising FLOPs, bounded by
``max_moves``) with a cost ``table``: FLOPs, or measured latency (whose moves need not all
save time; the bound on the moves still holds). Which move a step takes: by FLOPs (the move
closest to the budget), or by a ``preference`` (a score of architectures, e.g. the
generator's logits of their ops: the move it likes best), so the fitted architecture keeps
what the generator learned rather than what the cost ladder says.
"""
from typing import Callable, Optional, Tuple

import torch

Preference = Optional[Callable[[tuple], float]]
FILL_TOLERANCE = 0.01  # the default relative gap under the budget left unfilled


def check_fill_tolerance(tolerance: Optional[float]) -> Optional[float]:
    """``tolerance`` if it is ``None`` (no growing) or in [0, 1); ValueError otherwise."""
    if tolerance is not None and not 0 <= tolerance < 1:
        raise ValueError(f'fill_tolerance must be None or in [0, 1), got {tolerance!r}')
    return tolerance


def repair(arch, space, table, target: float,
           preference: Preference = None) -> Tuple[tuple, bool]:
    """Shrink ``arch`` until its cost is <= ``target`` (in the table's unit).

    Each step takes, if one exists, the single move that fits with the most FLOPs left
    (closest to the budget; with ``preference``, the fitting move it scores highest);
    otherwise the move that saves the most (with ``preference``, the one it scores highest).
    Moves strictly lower FLOPs and the smallest architecture has none, so at most
    ``space.max_moves`` steps are taken. Returns the architecture and whether it changed.

    Raises:
        ValueError: if ``target`` is below the smallest architecture of the space.
    """
    if target < table.min_cost:
        raise ValueError(f'target {target} {table.unit} is below the smallest architecture '
                         f'({table.min_cost:.2f} {table.unit}): infeasible')
    repaired = False
    for _ in range(space.max_moves + 1):
        if table.cost(arch) <= target:
            return arch, repaired
        scored = [(table.cost(m), m) for m in space.shrink_moves(arch)]
        if not scored:
            break
        fitting = [s for s in scored if s[0] <= target]
        if preference is not None:
            arch = max(fitting or scored, key=lambda s: preference(s[1]))[1]
        else:
            arch = max(fitting, key=lambda s: s[0])[1] if fitting else min(scored)[1]
        repaired = True
    raise ValueError(f'no chain of shrink moves brings {space.format(arch)} under {target} '
                     f'{table.unit} (smallest reachable: {table.cost(arch):.2f})')


def fill(arch, space, table, target: float, tolerance: float = FILL_TOLERANCE,
         preference: Preference = None) -> Tuple[tuple, bool]:
    """Grow ``arch`` (FLOPs <= ``target``) while it is more than ``tolerance`` (relative)
    under the budget: each step takes the move that fits with the most FLOPs (with
    ``preference``, the fitting move it scores highest). Moves strictly
    raise FLOPs and the largest architecture has none, so the loop is bounded. Returns the
    architecture (still <= ``target``) and whether it was changed."""
    if table.cost(arch) > target:
        raise ValueError(f'fill needs an architecture within the budget: '
                         f'{table.cost(arch):.2f} > {target} {table.unit} (repair it first)')
    grown = False
    for _ in range(space.max_moves + 1):
        if table.cost(arch) >= (1.0 - tolerance) * target:
            break
        fitting = [(table.cost(m), m) for m in space.grow_moves(arch)]
        fitting = [s for s in fitting if s[0] <= target]
        if not fitting:
            break
        arch = max(fitting, key=lambda s: s[0] if preference is None else preference(s[1]))[1]
        grown = True
    return arch, grown


def prune(arch, space, table) -> Tuple[tuple, bool]:
    """``arch`` without dead parts (``space.canonical``: the same function, never dearer; a
    cost table by measurement could rate it dearer, then ``arch`` is kept). Returns the
    architecture and whether it changed."""
    lean = space.canonical(arch)
    if lean != tuple(arch) and table.cost(lean) <= table.cost(arch):
        return lean, True
    return arch, False


def op_floors(space, table) -> torch.Tensor:
    """The cost floor of each op at each position, ``(*space.shape)`` in the table's unit: the
    cheapest cost of any architecture with that op there, so an op whose floor is over a
    target is in no architecture within it. A table that knows its floors exactly (its own
    ``op_floors()``: the NB201 latency tables, whose node terms are not additive over edges)
    gives them; otherwise they are what the table's soft cost (its value on one-hots) gives
    the space's cheapest architecture with that one op swapped in, exact for a table additive
    over positions (every FLOPs table)."""
    if hasattr(table, 'op_floors'):
        return table.op_floors()
    base = space.onehot(space.reference_archs()['smallest']).double()
    shape, num_ops = base.shape, base.shape[-1]
    eye = torch.eye(num_ops, dtype=torch.float64)
    forbidden = space.mask().expand(shape)
    for _ in range(2):  # the second pass starts from the per-position cheapest ops
        flat = base.reshape(-1, num_ops)
        batch = flat.repeat(flat.shape[0] * num_ops, 1, 1)
        rows = torch.arange(batch.shape[0])
        batch[rows, rows // num_ops] = eye.repeat(flat.shape[0], 1)
        floors = table.soft_cost(batch.reshape(-1, *shape)).reshape(shape)
        cheapest = floors.masked_fill(forbidden, float('inf')).argmin(-1)
        base = torch.nn.functional.one_hot(cheapest, num_ops).double()
    return floors


def fit_budget(arch, space, table, target: float,
               tolerance: Optional[float] = FILL_TOLERANCE,
               preference: Preference = None) -> Tuple[tuple, str]:
    """Prune dead parts, repair (shrink) if over ``target``, then fill (grow) to within
    ``tolerance`` of it (``None``: no growing). Returns the architecture and what was done:
    ``'no'`` or ``'pruned'``, ``'shrunk'``, ``'grown'`` joined by ``+``."""
    arch, pruned = prune(arch, space, table)
    arch, shrunk = repair(arch, space, table, target, preference)
    grown = False
    if tolerance is not None:
        arch, grown = fill(arch, space, table, target, tolerance, preference)
    steps = (('pruned', pruned), ('shrunk', shrunk), ('grown', grown))
    return arch, '+'.join(a for a, done in steps if done) or 'no'
