"""Validation of search targets against the space."""
from typing import Sequence, Tuple



def targets_in(table, targets: Sequence[float]) -> Tuple[float, ...]:
    """Validate search targets (MFLOPs) against the space's feasible range."""
    if len(targets) == 0:
        raise ValueError('the list of targets is empty, expected at least one MFLOPs value')
    low, high = table.min_mflops, table.max_mflops
    bad = [t for t in targets if not low <= float(t) <= high]
    if bad:
        raise ValueError(f'target(s) {bad} MFLOPs outside the space: feasible range is '
                         f'[{low:.2f}, {high:.2f}] MFLOPs ({table.describe()})')
    return tuple(float(t) for t in targets)
