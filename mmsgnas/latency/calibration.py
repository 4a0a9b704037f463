"""One scale for all parts of a latency table, from whole networks timed with their own parts.

Parts timed alone run with their weights in cache and a whole network does not (measured: whole
CIFAR SGNAS networks 1.24x the sum of their parts under PyTorch eager), so a table is scaled by
one factor. That factor is measured against the parts *timed again, interleaved with the whole
networks*, not against the table's own parts: the table was built minutes earlier, and this
machine's speed drifts by 20-40 % between minutes (a scale of 1.258 measured against the
table's parts, while a check minutes later found 1.04; see configs/sgnas/README.md). Timed
together, the drift falls on the networks and their parts alike and cancels in the ratio.
"""
import statistics
from typing import List, Optional, Sequence, Tuple

from .measure import LatencyMeter
from .tables import LatencyTable


def calibrate(table: LatencyTable, num: int, seed: int = 1000,
              meter: Optional[LatencyMeter] = None) -> LatencyTable:
    """The table with every part times ``median(whole / sum of its parts)`` over ``num``
    random whole networks, the networks and every part they use timed now, interleaved in one
    measurement (the table's runtime, threads and protocol unless ``meter``).

    The header's ``calibration`` records the scale, the range of the ratios and ``speed``: the
    median of (the parts' sum now / the table's uncalibrated prediction), how fast the machine
    ran at calibration against the build (1.0: as fast)."""
    if num < 1:
        return table
    if 'calibration' in table.header:
        raise ValueError(f'latency table {table.path!r} is calibrated already (parts x '
                         f"{table.header['calibration']['scale']:.3f}): calibrate "
                         f'uncalibrated(table) to measure it again')
    sampler = table.space.sampler(seed)
    archs = [sampler.sample() for _ in range(num)]
    wholes, sums = time_with_parts(table, archs, meter)
    if min(sums) <= 0:
        raise ValueError(f'parts of a calibration network summed to {min(sums)} ms: nothing '
                         f'to scale (is the timer working?)')
    ratios = [whole / s for whole, s in zip(wholes, sums)]
    scale = statistics.median(ratios)
    speed = speed_now(table, archs, sums)
    header = dict(table.header, calibration=dict(
        scale=scale, networks=num, seed=seed, ratio_min=min(ratios), ratio_max=max(ratios),
        speed=speed))
    return table.scaled(scale, header)


def time_with_parts(table: LatencyTable, archs: Sequence, meter: Optional[LatencyMeter] = None,
                    with_parts: Optional[int] = None) -> Tuple[List[float], List[float]]:
    """The whole static networks of ``archs`` and every part of the first ``with_parts`` of
    them (default: all), timed now, interleaved in one measurement (the table's runtime,
    threads and protocol unless ``meter``): the networks' milliseconds and, for those
    ``with_parts``, the sums of their parts' milliseconds (each part times its count)."""
    table.check(device='this')
    counts = [table.part_counts(a) for a in archs[:with_parts]]
    keys = sorted(set().union(*counts))
    builders = table.part_builders()
    size, batch = table.input_size, table.header['batch']
    wholes = [(table.static_net(a), (batch, 3, size, size)) for a in archs]
    ms = (meter or table.meter()).measure_many(
        wholes + [builders[k]() for k in keys], part=[False] * len(archs) + [True] * len(keys))
    part_ms = dict(zip(keys, ms[len(archs):]))
    return ms[:len(archs)], [sum(n * part_ms[k] for k, n in c.items()) for c in counts]


def speed_now(table: LatencyTable, archs: Sequence, sums: Sequence[float]) -> float:
    """How fast this machine runs now against when the table's parts were measured: the
    median of (parts' sum timed now / the table's uncalibrated prediction) over ``archs``
    (2.0: twice as slow)."""
    base = uncalibrated(table)
    return statistics.median(s / base.ms(a) for s, a in zip(sums, archs))


def uncalibrated(table: LatencyTable) -> LatencyTable:
    """The table as its parts were measured (a calibrated table's scale taken back out)."""
    calibration = table.header.get('calibration')
    if calibration is None:
        return table
    header = {k: v for k, v in table.header.items() if k != 'calibration'}
    return table.scaled(1.0 / calibration['scale'], header)
