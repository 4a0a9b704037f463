"""Building the lookup tables from their parts, each measured one by one (interleaved) with a
:class:`~mmsgnas.latency.measure.LatencyMeter`; an interrupted build resumes from what it saved."""
from typing import Dict, Optional

import torch

from mmsgnas.flops.tables import NB201_INPUT_SIZE
from mmsgnas.models.macro import default_input_size
from mmsgnas.models.nb201_supernet import CELLS_PER_STAGE, STAGE_CHANNELS
from mmsgnas.spaces.nb201 import NUM_EDGES, OPS as NB201_OPS
from .measure import LatencyMeter, device_name
from .parts import Builder, block_signatures, nb201_parts, sgnas_layer_groups, sgnas_parts
from .tables import NB201LatencyTable, Progress, SGNASLatencyTable


def table_header(meter: LatencyMeter, space: str, variant: str, input_size: int,
                 batch: int) -> dict:
    """A new table's identity: space, variant, input size, batch, this device, the meter's
    protocol and the versions measured with."""
    import onnxruntime  # the header names the versions the numbers were measured with
    return dict(space=space, variant=variant, input_size=input_size, batch=batch,
                device=device_name(), **meter.protocol(), torch=torch.__version__,
                onnxruntime=onnxruntime.__version__)


def _measured(done: Dict[str, float], progress: Progress, meter: LatencyMeter,
              parts: Dict[str, Builder]) -> Dict[str, float]:
    """The milliseconds of each named part (``key -> () -> (module, input shape)``), measured
    together (interleaved) unless already ``done``; each new one goes to ``progress``."""
    todo = [key for key in parts if key not in done]
    if todo:
        for key, ms in zip(todo, meter.measure_many([parts[k]() for k in todo])):
            done[key] = ms
            if progress is not None:
                progress(key, ms)
    return {key: done[key] for key in parts}


def build_sgnas_table(meter: LatencyMeter, variant: str = 'cifar',
                      input_size: Optional[int] = None, batch: int = 1,
                      done: Optional[Dict[str, float]] = None,
                      progress: Progress = None) -> SGNASLatencyTable:
    """Measure the SGNAS table of a variant: stem and head, then the 267 blocks of each
    distinct layer shape (timed together). ``done``: measurements by key from an interrupted
    build (reused); ``progress`` gets each new ``(key, ms)`` as it is measured (to save it)."""
    size = input_size or default_input_size(variant)
    done = {} if done is None else done
    parts = sgnas_parts(variant, size, batch)
    fixed = _measured(done, progress, meter, {k: parts[k] for k in ('stem', 'head')})
    blocks = block_signatures()
    layers = []
    for group, _ in sgnas_layer_groups(variant, size, batch):
        ms = _measured(done, progress, meter,
                       {f'{group}/{sig}': parts[f'{group}/{sig}'] for sig in blocks})
        layers.append({sig: ms[f'{group}/{sig}'] for sig in blocks})
    return SGNASLatencyTable(table_header(meter, 'sgnas', variant, size, batch), fixed['stem'],
                             fixed['head'], layers)


def build_nb201_table(meter: LatencyMeter, batch: int = 1,
                      done: Optional[Dict[str, float]] = None,
                      progress: Progress = None) -> NB201LatencyTable:
    """Measure the NAS-Bench-201 table at 32x32 (all parts timed together): each op and the
    node sums per stage, the stem, the two reduction blocks and the tail."""
    ms = _measured({} if done is None else done, progress, meter, nb201_parts(batch))
    stages = range(len(STAGE_CHANNELS))
    const = ms['stem'] + ms['tail'] + ms['reduction1'] + ms['reduction2'] + CELLS_PER_STAGE * sum(
        ms[f'stage{s}/node_sums'] for s in stages)
    per_op = [CELLS_PER_STAGE * sum(ms[f'stage{s}/{op}'] for s in stages) for op in NB201_OPS]
    cost = [per_op] * NUM_EDGES
    return NB201LatencyTable(table_header(meter, 'nb201', 'nb201', NB201_INPUT_SIZE, batch),
                             const, cost)
