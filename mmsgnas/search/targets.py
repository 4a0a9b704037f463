"""Validation of search targets against the space."""
from typing import Sequence, Tuple

from mmsgnas.flops import FlopsTable


def _describe(table) -> str:
    if hasattr(table, 'variant'):
        return f'{table.variant}, {table.input_size}px'
    return 'NAS-Bench-201, 32px'


def targets_in(table: FlopsTable, targets: Sequence[float]) -> Tuple[float, ...]:
    """Validate search targets (MFLOPs) against the space's feasible range."""
    if len(targets) == 0:
        raise ValueError('the list of targets is empty, expected at least one MFLOPs value')
    low, high = table.min_mflops, table.max_mflops
    bad = [t for t in targets if not low <= float(t) <= high]
    if bad:
        raise ValueError(f'target(s) {bad} MFLOPs outside the space: feasible range is '
                         f'[{low:.2f}, {high:.2f}] MFLOPs ({_describe(table)})')
    return tuple(float(t) for t in targets)
