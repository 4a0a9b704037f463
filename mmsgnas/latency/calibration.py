"""One scale for all parts of a latency table, measured on whole networks now.

Parts timed alone run with their weights in cache and a whole network does not (measured: whole
CIFAR SGNAS networks 1.24x the sum of their parts under PyTorch eager), and this machine's
speed drifts by up to 1.5x, within minutes as well as between hours (configs/sgnas/README.md),
so a table is scaled by one factor measured on whole random networks: it predicts at the
machine's speed of the moment of calibration, and ``tools/latency_table.py --calibrate-table
<table> --recalibrate`` brings it to the speed of a later moment. Each network's parts are
timed again with it, interleaved, and the header records, for information, ``speed``, the
parts now against the table's, and ``parts_ratio``, whole / sum of its parts timed together at
that moment (whole networks and parts do not drift alike here, so neither alone is the
scale).
"""
import statistics
from typing import List, Optional, Sequence, Tuple

from .measure import LatencyMeter
from .tables import LatencyTable


def calibrate(table: LatencyTable, num: int, seed: int = 1000,
              meter: Optional[LatencyMeter] = None) -> LatencyTable:
    """The table with every part times ``median(measured / predicted)`` over ``num`` random
    whole networks timed now, interleaved with their own parts (the table's runtime, threads
    and protocol unless ``meter``). The header's ``calibration`` records the scale, the range
    of the ratios, ``parts_ratio`` and ``speed`` (see the module's docstring)."""
    if num < 1:
        return table
    where = repr(table.path) if table.path else '(in memory)'
    if 'calibration' in table.header:
        raise ValueError(f'latency table {where} is calibrated already (parts x '
                         f"{table.header['calibration']['scale']:.3f}): calibrate "
                         f'uncalibrated(table) to measure it again')
    sampler = table.space.sampler(seed)
    archs = [sampler.sample() for _ in range(num)]
    predicted = [table.ms(a) for a in archs]
    if min(predicted) <= 0:
        bad = archs[predicted.index(min(predicted))]
        raise ValueError(f'latency table {where} predicts {min(predicted)} ms for '
                         f'{table.space.format(bad)}, expected > 0: nothing to scale')
    wholes, sums = time_with_parts(table, archs, meter)
    ratios = [whole / p for whole, p in zip(wholes, predicted)]
    timed = [(w, s, p) for w, s, p in zip(wholes, sums, predicted) if s > 0]
    header = dict(table.header, calibration=dict(
        scale=statistics.median(ratios), networks=num, seed=seed, ratio_min=min(ratios),
        ratio_max=max(ratios),
        parts_ratio=statistics.median(w / s for w, s, _ in timed) if timed else None,
        speed=statistics.median(s / p for _, s, p in timed) if timed else None))
    return table.scaled(header['calibration']['scale'], header)


def time_with_parts(table: LatencyTable, archs: Sequence,
                    meter: Optional[LatencyMeter] = None) -> Tuple[List[float], List[float]]:
    """The whole static networks of ``archs`` and every part they use, timed now, interleaved
    in one measurement: the networks' milliseconds and the sums of their parts' milliseconds
    (each part times its count)."""
    table.check(device='this')
    counts = [table.part_counts(a) for a in archs]
    keys = sorted(set().union(*counts))
    builders = table.part_builders()
    size, batch = table.input_size, table.header['batch']
    wholes = [(table.static_net(a), (batch, 3, size, size)) for a in archs]
    ms = (meter or table.meter()).measure_many(
        wholes + [builders[k]() for k in keys], part=[False] * len(archs) + [True] * len(keys))
    part_ms = dict(zip(keys, ms[len(archs):]))
    return ms[:len(archs)], [sum(n * part_ms[k] for k, n in c.items()) for c in counts]


def uncalibrated(table: LatencyTable) -> LatencyTable:
    """The table as its parts were measured (a calibrated table's scale taken back out)."""
    calibration = table.header.get('calibration')
    if calibration is None:
        return table
    header = {k: v for k, v in table.header.items() if k != 'calibration'}
    return table.scaled(1.0 / calibration['scale'], header)
