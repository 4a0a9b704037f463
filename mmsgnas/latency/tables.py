"""Latency lookup tables of both spaces: measured per layer configuration, saved to a file that
names the device, runtime, threads, batch and input size, and read back with checks.

A table predicts a static network's latency as the sum of its parts, medians measured one by
one with a :class:`~mmsgnas.latency.measure.LatencyMeter` (or, for a fitted NB201 table,
costs fitted on whole networks):

- SGNAS: ``stem + head + sum_l layer[l][token_l]``. A layer's configurations are its static
  blocks: tokens whose kernel runs are the same multiset build the same convolutions
  (``'3377ss'`` and ``'7733ss'``: one 3x3 and one 7x7 depthwise conv of 2C channels), so 267
  blocks per layer cover the 1,089 ordered tokens; layers of one shape share measurements.
- NAS-Bench-201: ``const + sum_e cost[e, op_e]``, ``cost[e, k]`` the op on its 15 cells' edge,
  ``const`` the stem, reduction blocks, tail and the cells' node sums; or fitted on whole
  networks with node terms too (:mod:`mmsgnas.latency.fitting`: ONNX Runtime shares and fuses
  across a cell's ops).

:mod:`mmsgnas.latency.building` measures the parts and builds the tables.

Tables have the cost interface of the FLOPs tables (``unit``, ``cost``, ``soft_cost``,
``min_cost``, ``max_cost``, ``record``, ``describe``) in milliseconds.
"""
import itertools
import json
import os
import os.path as osp
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence

import torch
from torch import nn

from mmsgnas.models import NB201Net, SGNASNet
from mmsgnas.spaces import NB201Space, SGNASSpace
from mmsgnas.spaces.nb201 import EDGES, NUM_EDGES, OPS as NB201_OPS
from mmsgnas.spaces.sgnas import KERNELS, MIN_EXPANSION, NUM_LAYERS, NUM_SUBBLOCKS, SKIP
from .measure import LatencyMeter, device_name, device_slug
from .parts import (Builder, nb201_part_counts, nb201_parts, sgnas_part_counts, sgnas_parts,
                    signature)

FORMAT = 'mmsgnas-latency-table/2'  # /2: NB201 tables hold node terms, which /1 readers drop
READS = ('mmsgnas-latency-table/1', FORMAT)
HEADER_KEYS = ('space', 'variant', 'input_size', 'batch', 'device', 'runtime', 'threads')
Progress = Optional[Callable[[str, float], None]]
# NB201 edges (indices into EDGES) that meet at a node with several: into nodes 2 and 3, out of
# nodes 0 and 1; a fitted table's node terms are per group and op.
NODE_GROUPS = tuple(tuple(e for e, edge in enumerate(EDGES) if edge[end] == node)
                    for end, node in ((1, 2), (1, 3), (0, 0), (0, 1)))


def table_path(root: str, space: str, variant: str, runtime: str, threads: int, batch: int,
               input_size: int, device: Optional[str] = None) -> str:
    """Where a table is cached: ``<root>/<space>-<variant>_<device>_<runtime>_t<threads>_
    b<batch>_<size>px.json`` (device: this CPU's model name unless given)."""
    slug = device_slug(device or device_name())
    name = f'{space}-{variant}_{slug}_{runtime}_t{threads}_b{batch}_{input_size}px.json'
    return osp.join(root, name)


class LatencyTable:
    """What both tables share: the header, the file, the checks and the cost interface."""
    unit = 'ms'
    space = None

    def __init__(self, header: dict) -> None:
        self.header = dict(header)
        self.path: Optional[str] = None
        self.input_size = int(header['input_size'])
        self.variant = header['variant']

    # the cost interface shared with the FLOPs tables
    def ms(self, arch) -> float:
        raise NotImplementedError

    def cost(self, arch) -> float:
        return self.ms(arch)

    def soft_cost(self, weights: torch.Tensor) -> torch.Tensor:
        return self.soft_ms(weights)

    @property
    def min_cost(self) -> float:
        return self.ms(self.space.smallest())

    @property
    def max_cost(self) -> float:
        return self.ms(self.space.largest())

    def record(self) -> dict:
        return dict({k: self.header[k] for k in HEADER_KEYS}, unit=self.unit,
                    min_ms=round(self.min_cost, 6), max_ms=round(self.max_cost, 6),
                    description=self.describe())

    def describe(self) -> str:
        h = self.header
        return (f"{h['runtime']} latency of the {h['space']} space ({h['variant']}) at "
                f"{h['input_size']}px, batch {h['batch']}, {h['threads']} thread(s), on "
                f"{h['device']}")

    def meter(self) -> LatencyMeter:
        """A meter with this table's runtime, threads and timing protocol."""
        h = self.header
        return LatencyMeter(h['runtime'], h['threads'], h['warmup'], h['repeats'], h['rounds'])

    def static_net(self, arch) -> nn.Module:
        raise NotImplementedError

    def part_builders(self) -> Dict[str, Builder]:
        """The parts this table was measured from: name -> ``() -> (module, input shape)``."""
        raise NotImplementedError

    def part_counts(self, arch) -> Counter:
        """The parts of ``arch``'s static network, with their counts (see
        :mod:`mmsgnas.latency.parts`)."""
        raise NotImplementedError

    def measure(self, arch, meter: Optional[LatencyMeter] = None) -> float:
        """The whole static network of ``arch`` measured on this machine (one graph under ONNX
        Runtime), milliseconds; a table of another device is refused."""
        return self.measure_all([arch], meter)[0]

    def measure_all(self, archs: Sequence, meter: Optional[LatencyMeter] = None) -> List[float]:
        """The whole static networks of ``archs``, timed interleaved (see
        :class:`LatencyMeter`), milliseconds."""
        self.check(device='this')
        size, batch = self.input_size, self.header['batch']
        return (meter or self.meter()).measure_many(
            [(self.static_net(a), (batch, 3, size, size)) for a in archs], part=False)

    def check(self, **expected) -> 'LatencyTable':
        """Raise ``ValueError`` naming the first header field that differs from ``expected``
        (``None`` values are not checked; ``device='this'`` means this machine's CPU)."""
        for key, want in expected.items():
            if want is None:
                continue
            if key == 'device' and want == 'this':
                want = device_name()
            have = self.header.get(key)
            if have != want:
                where = f' in {self.path!r}' if self.path else ''
                raise ValueError(f'latency table{where} is for {key}={have!r}, expected '
                                 f'{want!r}: build one for it with tools/latency_table.py')
        return self

    def save(self, path: str) -> str:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with open(path + '.tmp', 'w') as f:
            json.dump(dict(self.header, format=FORMAT, **self.parts()), f, indent=1)
        os.replace(path + '.tmp', path)
        self.path = path
        return path

    def parts(self) -> dict:
        raise NotImplementedError


class SGNASLatencyTable(LatencyTable):
    """Per-layer block latencies of the SGNAS space for one variant and input size.

    Args:
        header: the table's identity (:data:`HEADER_KEYS` and the timing protocol).
        stem, head: milliseconds of the stem (with the first block) and of the head conv.
        layers: 19 dicts, block :func:`signature` -> milliseconds.
    """
    space = SGNASSpace()

    def __init__(self, header: dict, stem: float, head: float,
                 layers: Sequence[Dict[str, float]]) -> None:
        super().__init__(header)
        if len(layers) != NUM_LAYERS:
            raise ValueError(f'an SGNAS latency table has {NUM_LAYERS} layers, got {len(layers)}')
        self.stem, self.head = float(stem), float(head)
        self.layers = [dict(layer) for layer in layers]
        blocks = {t: signature(t) for t in SGNASSpace.layer_choices(ordered=True)}
        self._token_ms = []
        for i, layer in enumerate(self.layers):
            missing = sorted(set(blocks.values()) - set(layer))
            if missing:
                raise ValueError(f'latency table layer {i} has no entry for block(s) '
                                 f'{missing[:3]}{" ..." if len(missing) > 3 else ""}')
            self._token_ms.append({t: layer[sig] for t, sig in blocks.items()})
        self._patterns = None

    @property
    def const(self) -> float:
        return self.stem + self.head

    def ms(self, arch) -> float:
        """Predicted milliseconds of the static network of a hard architecture."""
        tokens = self.space.parse(arch)
        return self.const + sum(self._token_ms[i][t] for i, t in enumerate(tokens))

    def static_net(self, arch) -> nn.Module:
        return SGNASNet(arch, self.variant, init_cfg=None)

    def part_builders(self) -> Dict[str, Builder]:
        return sgnas_parts(self.variant, self.input_size, self.header['batch'])

    def part_counts(self, arch) -> Counter:
        return sgnas_part_counts(arch, self.variant, self.input_size, self.header['batch'])

    def layer_ms(self, arch) -> List[float]:
        return [self._token_ms[i][t] for i, t in enumerate(self.space.parse(arch))]

    def soft_ms(self, weights: torch.Tensor) -> torch.Tensor:
        """Expected milliseconds of soft weights ``(..., 19, 6, 4)`` over (3, 5, 7, skip),
        sub-blocks independent, each pattern read as forced sampling decodes it (the layer
        ends at its first skip): multilinear in the weights, and the table's value for
        one-hot weights of an architecture."""
        patterns = self._pattern_costs().to(weights.device, weights.dtype)
        w = weights.reshape(-1, NUM_LAYERS, NUM_SUBBLOCKS, len(KERNELS) + 1)
        first = [w[:, :, b, :len(KERNELS)] for b in range(MIN_EXPANSION)]
        rest = [w[:, :, b] for b in range(MIN_EXPANSION, NUM_SUBBLOCKS)]
        total = torch.einsum('nla,nlb,nlc,nld,nle,nlf,labcdef->n', *first, *rest, patterns)
        return (self.const + total).reshape(weights.shape[:-3])

    def _pattern_costs(self) -> torch.Tensor:
        """``(19, 3, 3, 4, 4, 4, 4)``: milliseconds of each sub-block op pattern per layer."""
        if self._patterns is None:
            ops = list(KERNELS) + [SKIP]
            choices = [range(len(KERNELS))] * MIN_EXPANSION + \
                [range(len(ops))] * (NUM_SUBBLOCKS - MIN_EXPANSION)
            shape = [len(c) for c in choices]
            table = torch.zeros(NUM_LAYERS, *shape, dtype=torch.float64)
            for index in itertools.product(*choices):
                chars = [str(ops[i]) for i in index]
                token = ''.join(chars)
                cut = token.find(SKIP)
                token = token if cut < 0 else token[:cut] + SKIP * (NUM_SUBBLOCKS - cut)
                for layer in range(NUM_LAYERS):
                    table[(layer, ) + index] = self._token_ms[layer][token]
            self._patterns = table
        return self._patterns

    def parts(self) -> dict:
        return dict(stem=self.stem, head=self.head, layers=self.layers)

    def scaled(self, scale: float, header: dict) -> 'SGNASLatencyTable':
        return SGNASLatencyTable(header, self.stem * scale, self.head * scale,
                                 [{k: v * scale for k, v in layer.items()}
                                  for layer in self.layers])

    @classmethod
    def from_parts(cls, header: dict, parts: dict) -> 'SGNASLatencyTable':
        return cls(header, parts['stem'], parts['head'], parts['layers'])


class NB201LatencyTable(LatencyTable):
    """``const + sum_e cost[e, op_e] + sum_g node_cost[g, op]·[op on an edge of g]`` of the
    benchmark's static network (5 cells per stage), measured from its parts
    (:func:`~mmsgnas.latency.building.build_nb201_table`: additive, no node terms) or fitted
    on whole networks (header ``fit``, :func:`~mmsgnas.latency.fitting.fit_nb201_table`).

    The node terms are what an op costs once at a node, however many of that node's edges
    hold it (:data:`NODE_GROUPS`: the edges into nodes 2 and 3, out of nodes 0 and 1). ONNX
    Runtime computes identical ops on one node's output once (the ReLU of its convs, its
    pools and zeros) and keeps a node's sum in its blocked layout or not by what meets
    there, so an op's time depends on its neighbours, not only on its edge.

    Args:
        header: the table's identity.
        const: milliseconds of the stem, reduction blocks, tail and the cells' node sums.
        cost: ``(6, 5)`` milliseconds an op adds on an edge (over its 15 cells).
        node_cost: ``(4, 5)`` milliseconds an op adds once to a group of
            :data:`NODE_GROUPS` that holds it on some edge (default: none).
    """
    space = NB201Space()

    def __init__(self, header: dict, const: float, cost: Sequence[Sequence[float]],
                 node_cost: Optional[Sequence[Sequence[float]]] = None) -> None:
        super().__init__(header)
        self.const = float(const)
        self.edge_cost = torch.tensor(cost, dtype=torch.float64)
        self.node_cost = (torch.zeros(len(NODE_GROUPS), len(NB201_OPS), dtype=torch.float64)
                          if node_cost is None else torch.tensor(node_cost, dtype=torch.float64))
        for name, value, shape in (('edge', self.edge_cost, (NUM_EDGES, len(NB201_OPS))),
                                   ('node', self.node_cost, (len(NODE_GROUPS), len(NB201_OPS)))):
            if value.shape != shape:
                raise ValueError(f'an NB201 latency table has {shape} {name} costs, got '
                                 f'{tuple(value.shape)}')
        self._all = self.soft_ms(self.space.all_onehots().double())

    def ms(self, arch) -> float:
        return float(self._all[self.space.index(arch)])

    def soft_ms(self, weights: torch.Tensor) -> torch.Tensor:
        """Milliseconds of architecture weights ``(..., 6, 5)``: the table on one-hots; on
        per-edge probabilities, the expected milliseconds of an architecture drawn edge by
        edge (a node term weighs by the chance that some edge of its group draws the op)."""
        edge_cost, node_cost = self.edge_cost.to(weights), self.node_cost.to(weights)
        ms = self.const + (weights * edge_cost).sum(dim=(-2, -1))
        for g, edges in enumerate(NODE_GROUPS):
            some = 1 - (1 - weights[..., list(edges), :]).prod(dim=-2)
            ms = ms + (some * node_cost[g]).sum(dim=-1)
        return ms

    def static_net(self, arch) -> nn.Module:
        return NB201Net(arch)

    def part_builders(self) -> Dict[str, Builder]:
        """The measured parts; none for a table fitted on whole networks (header ``fit``)."""
        return {} if 'fit' in self.header else nb201_parts(self.header['batch'])

    def part_counts(self, arch) -> Counter:
        return Counter() if 'fit' in self.header else nb201_part_counts(arch)

    def all_ms(self) -> torch.Tensor:
        """Milliseconds of all 15,625 architectures, in :meth:`NB201Space.all_archs` order."""
        return self._all

    def op_floors(self) -> torch.Tensor:
        """``(6, 5)``: the fewest milliseconds of any architecture with each op on each edge."""
        grid = self._all.reshape([len(NB201_OPS)] * NUM_EDGES)
        return torch.stack([torch.stack([grid.select(e, k).min() for k in range(len(NB201_OPS))])
                            for e in range(NUM_EDGES)])

    @property
    def min_cost(self) -> float:
        return float(self._all.min())

    @property
    def max_cost(self) -> float:
        return float(self._all.max())

    def parts(self) -> dict:
        return dict(const=self.const, cost=self.edge_cost.tolist(),
                    node_cost=self.node_cost.tolist())

    def scaled(self, scale: float, header: dict) -> 'NB201LatencyTable':
        return NB201LatencyTable(header, self.const * scale, (self.edge_cost * scale).tolist(),
                                 (self.node_cost * scale).tolist())

    @classmethod
    def from_parts(cls, header: dict, parts: dict) -> 'NB201LatencyTable':
        return cls(header, parts['const'], parts['cost'], parts.get('node_cost'))


TABLES = {'sgnas': SGNASLatencyTable, 'nb201': NB201LatencyTable}


def load_latency_table(path: str, **expected) -> LatencyTable:
    """Read a table file and check its header against ``expected`` (``space``, ``variant``,
    ``input_size``, ``batch``, ``device`` (``'this'``: this CPU), ``runtime``, ``threads``;
    ``None``: not checked)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'no latency table at {path!r}: build it with '
                                f'python tools/latency_table.py (see configs/sgnas/README.md)')
    with open(path) as f:
        content = json.load(f)
    if content.get('format') not in READS:
        raise ValueError(f'{path!r} is not a latency table (format {content.get("format")!r}, '
                         f'expected one of {READS})')
    header = {k: v for k, v in content.items()
              if k not in ('format', 'stem', 'head', 'layers', 'const', 'cost', 'node_cost')}
    if header.get('space') not in TABLES:
        raise ValueError(f"{path!r}: unknown space {header.get('space')!r}, expected one of "
                         f'{tuple(TABLES)}')
    table = TABLES[header['space']].from_parts(header, content)
    table.path = path
    return table.check(**expected)


def latency_table(space: str, variant: str, input_size: int, runtime: str = 'pytorch',
                  threads: int = 1, batch: int = 1, root: str = 'work_dirs/latency',
                  path: Optional[str] = None, device: Optional[str] = 'this') -> LatencyTable:
    """The cached table for a space, variant and input size, measured on ``device``
    (``'this'``: this CPU; ``None``: any) with ``runtime``, ``threads`` and ``batch``: the
    file ``path`` or, by default, :func:`table_path` under ``root``."""
    if path is None:
        path = table_path(root, space, variant, runtime, threads, batch, input_size,
                          None if device in (None, 'this') else device)
    return load_latency_table(path, space=space, variant=variant, input_size=input_size,
                              runtime=runtime, threads=threads, batch=batch, device=device)
