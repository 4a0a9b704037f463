"""A NAS-Bench-201 latency table fitted on whole networks: ``const + sum_e cost[e, op_e] +
sum_g node_cost[g, op]·[op on an edge of g]`` by least squares on random architectures
measured end to end.

Parts timed one by one do not add up to a cell under ONNX Runtime: it fuses across ops (BN into
conv, identical ops on one node's output computed once: the ReLU of the convs leaving it, its
pools, its zeros; convolutions kept in its blocked layout between them, not reordered around
each). Measured at batch 8: a cell of six 1x1 convs runs in 0.20 ms against 0.42 ms for its
parts, and the parts table ranks whole networks with Kendall tau 0.79-0.85. So the fitted
table has, besides one cost per edge and op, one per op at each node where several edges meet
(:data:`~mmsgnas.latency.tables.NODE_GROUPS`: what the op costs once there, however many of
the node's edges hold it): 45 terms. Its lookup is exact on every architecture, its soft cost
the expectation over per-edge op probabilities (see configs/sgnas/README.md for the errors).

The networks are measured in chunks, each timed interleaved with the same ``anchors`` networks,
and each chunk is scaled by the median ratio of the anchors' first times to their times in it,
so that the machine's drift between chunks does not enter the fit: the table predicts at the
speed of the first chunk. Each chunk's measurements go to ``progress`` when it is timed, and
``done`` resumes a killed fit (a chunk cut short is timed again).
"""
import random
import statistics
from typing import Dict, List, Optional, Tuple

import numpy as np

from mmsgnas.flops.tables import NB201_INPUT_SIZE
from mmsgnas.models import NB201Net
from mmsgnas.spaces import NB201Space
from mmsgnas.spaces.nb201 import NUM_ARCHS, NUM_EDGES, OPS
from .building import table_header
from .measure import LatencyMeter
from .tables import NODE_GROUPS, NB201LatencyTable, Progress

ANCHOR = 'anchor:'


def mixed_archs(num: int, seed: int) -> List[tuple]:
    """``num`` distinct random NAS-Bench-201 architectures, each with its own random op mix
    (op probabilities drawn uniformly from the simplex, then one op per edge), so that they
    span the cheap and the costly ends of the space as well as its middle."""
    if not 0 <= num <= NUM_ARCHS:
        raise ValueError(f'{num} distinct NB201 architectures asked for, expected 0 to '
                         f'{NUM_ARCHS}')
    rng = random.Random(seed)
    archs: Dict[tuple, None] = {}
    for _ in range(100 * num):  # bounded: a mix of one op repeats its architecture
        if len(archs) == num:
            break
        mix = [rng.expovariate(1.0) for _ in OPS]
        archs.setdefault(tuple(rng.choices(OPS, weights=mix, k=NUM_EDGES)))
    if len(archs) < num:
        raise ValueError(f'found {len(archs)} distinct architectures of {num} in '
                         f'{100 * num} draws (seed {seed}): ask for fewer')
    return list(archs)


NUM_TERMS = 1 + NUM_EDGES * (len(OPS) - 1) + len(NODE_GROUPS) * len(OPS)  # 45


def features(archs: List[tuple]) -> np.ndarray:
    """``(len(archs), 45)``: a constant, one indicator per edge and op other than ``'none'``
    (the constant holds it), then one per node group and op (the op on some edge of the
    group)."""
    x = np.zeros((len(archs), NUM_TERMS))
    x[:, 0] = 1.0
    groups = 1 + NUM_EDGES * (len(OPS) - 1)
    for row, arch in enumerate(archs):
        ops = [OPS.index(op) for op in arch]
        for e, k in enumerate(ops):
            if k:
                x[row, e * (len(OPS) - 1) + k] = 1.0
        for g, edges in enumerate(NODE_GROUPS):
            for k in {ops[e] for e in edges}:
                x[row, groups + g * len(OPS) + k] = 1.0
    return x


def least_squares(archs: List[tuple], ms: List[float]) -> Tuple[float, np.ndarray, np.ndarray]:
    """``const``, ``cost (6, 5)`` and ``node_cost (4, 5)`` minimising the squared error of the
    table's lookup over ``archs`` (each edge's ``'none'`` cost is 0: the constant holds it)."""
    x = features(archs)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError(f'{len(archs)} networks do not determine the {x.shape[1]} terms of '
                         f'an NB201 latency fit: measure more (--fit)')
    w = np.linalg.lstsq(x, np.asarray(ms, dtype=np.float64), rcond=None)[0]
    groups = 1 + NUM_EDGES * (len(OPS) - 1)
    cost = np.zeros((NUM_EDGES, len(OPS)))
    cost[:, 1:] = w[1:groups].reshape(NUM_EDGES, len(OPS) - 1)
    return float(w[0]), cost, w[groups:].reshape(len(NODE_GROUPS), len(OPS))


def _chunk_ms(meter: LatencyMeter, batch: int, anchors: List[tuple],
              archs: List[tuple]) -> Tuple[List[float], List[float]]:
    nets = [(NB201Net(a), (batch, 3, NB201_INPUT_SIZE, NB201_INPUT_SIZE))
            for a in anchors + archs]
    ms = meter.measure_many(nets, part=False)
    return ms[:len(anchors)], ms[len(anchors):]


def fit_nb201_table(meter: LatencyMeter, batch: int = 1, networks: int = 300, seed: int = 0,
                    chunk: int = 50, anchors: int = 10, done: Optional[Dict[str, float]] = None,
                    progress: Progress = None) -> NB201LatencyTable:
    """Measure whole NB201 networks and fit the table on them by least squares.

    Args:
        meter: the runtime, threads and timing protocol.
        batch: the input batch.
        networks: distinct random networks fitted on (:func:`mixed_archs`; >= 46, the fit
            has 45 terms).
        seed: of the networks and anchors.
        chunk: networks timed together (interleaved) with the anchors.
        anchors: networks timed in every chunk, whose times scale each chunk to the first.
        done: measurements by key from a killed fit (network strings; anchors prefixed
            ``'anchor:'``), reused.
        progress: gets each new ``(key, ms)`` (to save it).

    Returns:
        The table; its header's ``fit`` records the settings, the fit's mean and worst
        absolute error (% of measured) and the measurements it was fitted on (architecture
        -> ms at the first chunk's speed; not rescaled by a later calibration).

    Raises:
        ValueError: on bad settings, or if the fit predicts <= 0 ms for some architecture.
    """
    for name, value, low in (('networks', networks, NUM_TERMS + 1), ('chunk', chunk, 1),
                             ('anchors', anchors, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f'{name} must be an integer >= {low}, got {value!r}')
    done = {} if done is None else done
    space = NB201Space()
    pool = mixed_archs(anchors + networks, seed)
    anchor_archs, archs = pool[:anchors], pool[anchors:]
    key = space.format

    def record(k: str, ms: float) -> None:
        done[k] = ms
        if progress is not None:
            progress(k, ms)

    reference = [done.get(ANCHOR + key(a)) for a in anchor_archs]
    for start in range(0, networks, chunk):
        todo = [a for a in archs[start:start + chunk] if key(a) not in done]
        if not todo:
            continue
        now, ms = _chunk_ms(meter, batch, anchor_archs, todo)
        if None in reference:  # the first chunk: the anchors' times are the reference
            reference = now
            for a, t in zip(anchor_archs, now):
                record(ANCHOR + key(a), t)
        scale = statistics.median(r / t for r, t in zip(reference, now))
        for a, t in zip(todo, ms):
            record(key(a), t * scale)
    measured = [done[key(a)] for a in archs]
    const, cost, node_cost = least_squares(archs, measured)
    table = NB201LatencyTable(table_header(meter, 'nb201', 'nb201', NB201_INPUT_SIZE, batch),
                              const, cost.tolist(), node_cost.tolist())
    if table.min_cost <= 0:
        cheapest = space.all_archs()[int(table.all_ms().argmin())]
        raise ValueError(f'the fit predicts {table.min_cost:.3f} ms for {key(cheapest)}, '
                         f'expected > 0: fit on more networks')
    errors = [abs(table.ms(a) - m) / m for a, m in zip(archs, measured)]
    table.header['fit'] = dict(networks=networks, seed=seed, chunk=chunk, anchors=anchors,
                               mape=100 * statistics.mean(errors), worst_pct=100 * max(errors),
                               measured={key(a): m for a, m in zip(archs, measured)})
    return table
