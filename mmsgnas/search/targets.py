"""Validation of search targets against the space."""
from typing import Sequence, Tuple


def targets_in(table, targets: Sequence[float]) -> Tuple[float, ...]:
    """Validate search targets (in the cost table's unit) against the space's range."""
    if len(targets) == 0:
        raise ValueError(f'the list of targets is empty, expected at least one {table.unit} '
                         f'value')
    low, high = table.min_cost, table.max_cost
    bad = [t for t in targets if not low <= float(t) <= high]
    if bad:
        raise ValueError(f'target(s) {bad} {table.unit} outside the space: feasible range is '
                         f'[{low:.2f}, {high:.2f}] {table.unit} ({table.describe()})')
    return tuple(float(t) for t in targets)
