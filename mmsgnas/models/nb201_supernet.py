"""The NAS-Bench-201 cell supernet and the static network of one NB201 architecture."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from mmsgnas.nb201.space import (EDGES, NUM_EDGES, NUM_OPS, OPS, NB201Arch, NB201Sampler,
                                 format_nb201, parse_nb201)
from mmsgnas.registry import MODELS
from .nb201_ops import ResNetBasicBlock, build_op

STAGE_CHANNELS = (16, 32, 64)
CELLS_PER_STAGE = 5


class SuperCell(nn.Module):
    """A cell holding all 5 operations on each of its 6 edges.

    Hard: ``forward(x, arch)`` runs one op per edge. Soft: ``forward_soft(x, weights)`` sums
    the 5 ops of each edge weighted by ``weights`` ``(6, 5)``.
    """

    def __init__(self, channels: int, track_running_stats: bool = True) -> None:
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleDict({op: build_op(op, channels, track_running_stats) for op in OPS})
            for _ in EDGES)

    def forward(self, x: torch.Tensor, arch: NB201Arch) -> torch.Tensor:
        nodes = [x]
        for j in range(1, 4):
            nodes.append(sum(self._edge(e, nodes[i], arch[e])
                             for e, (i, t) in enumerate(EDGES) if t == j))
        return nodes[3]

    def _edge(self, e: int, x: torch.Tensor, op: str) -> torch.Tensor:
        if op == 'none':  # contributes nothing: skip the computation
            return torch.zeros_like(x)
        return self.edges[e][op](x)

    def forward_soft(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in range(1, 4):
            total = 0
            for e, (i, t) in enumerate(EDGES):
                if t != j:
                    continue
                for k, op in enumerate(OPS):
                    if op != 'none':
                        total = total + weights[e, k] * self.edges[e][op](nodes[i])
            nodes.append(total)
        return nodes[3]


class StaticCell(nn.Module):
    """A cell with one operation per edge (the benchmark's InferCell)."""

    def __init__(self, channels: int, arch: NB201Arch) -> None:
        super().__init__()
        self.arch = arch
        self.edges = nn.ModuleList(build_op(op, channels) for op in arch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in range(1, 4):
            nodes.append(sum(self.edges[e](nodes[i])
                             for e, (i, t) in enumerate(EDGES) if t == j))
        return nodes[3]


def _check_cells(cells_per_stage: int) -> int:
    if not isinstance(cells_per_stage, int) or isinstance(cells_per_stage, bool) \
            or cells_per_stage < 1:
        raise ValueError(f'cells_per_stage must be an integer >= 1 (the benchmark: '
                         f'{CELLS_PER_STAGE}), got {cells_per_stage!r}')
    return cells_per_stage


def _build_macro(net: nn.Module, make_cell, track_running_stats: bool = True,
                 cells_per_stage: int = CELLS_PER_STAGE) -> None:
    """Stem, 3 stages of ``make_cell(channels)`` with reduction blocks between them, tail."""
    net.cells_per_stage = _check_cells(cells_per_stage)
    first, last = STAGE_CHANNELS[0], STAGE_CHANNELS[-1]
    net.stem = nn.Sequential(nn.Conv2d(3, first, 3, padding=1, bias=False),
                             nn.BatchNorm2d(first, track_running_stats=track_running_stats))
    net.cells = nn.ModuleList()
    for s, channels in enumerate(STAGE_CHANNELS):
        if s > 0:
            net.cells.append(
                ResNetBasicBlock(STAGE_CHANNELS[s - 1], channels, track_running_stats))
        net.cells.extend(make_cell(channels) for _ in range(cells_per_stage))
    net.tail = nn.Sequential(nn.BatchNorm2d(last, track_running_stats=track_running_stats),
                             nn.ReLU(inplace=True))
    net.out_channels = STAGE_CHANNELS[-1]


@MODELS.register_module()
class NB201Supernet(BaseModule):
    """NAS-Bench-201 supernet: stem, 3 stages of 5 cells (16/32/64 channels) with ResNet
    reduction blocks between them, BN + ReLU. All cells share one genotype (an
    :data:`~mmsgnas.nb201.space.OPS` name per edge), each cell has its own weights.

    Args:
        arch: the architecture active after construction (string or 6 op names), or None.
        cells_per_stage: cells per stage (the benchmark: 5). Fewer make a reduced-cost proxy
            for ranking on a CPU (1: about 9x faster a step); the space, its FLOPs table
            (of the benchmark's 5-cell networks) and the static ``NB201Net`` stay as they are.
        track_running_stats: BN keeps running statistics. Default False: BN always normalises
            by the batch, as the benchmark's weight-sharing baselines (SETN, RSPS) train and
            evaluate their supernets, since running statistics averaged over random paths fit
            no single architecture.
        init_cfg: initialisation config.

    Shapes:
        forward: ``(N, 3, 32, 32)`` -> ``((N, 64, 8, 8), )``.
    """

    def __init__(self, arch: Union[str, Sequence[str], None] = None,
                 track_running_stats: bool = False, cells_per_stage: int = CELLS_PER_STAGE,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        _build_macro(self, lambda channels: SuperCell(channels, track_running_stats),
                     track_running_stats, cells_per_stage)
        self.arch: Optional[NB201Arch] = None
        if arch is not None:
            self.set_arch(arch)

    def set_arch(self, arch: Union[str, Sequence[str]]) -> NB201Arch:
        self.arch = parse_nb201(arch)
        return self.arch

    # the search space, as the training and validation loops see it
    @staticmethod
    def arch_sampler(seed: int) -> NB201Sampler:
        """Uniform sampling per edge (as SETN)."""
        return NB201Sampler(seed)

    @staticmethod
    def reference_archs() -> dict:
        """No conv (skip on every edge) and all 3x3 convs: the cheapest and dearest nets."""
        return {'smallest': ('skip_connect', ) * NUM_EDGES,
                'largest': ('nor_conv_3x3', ) * NUM_EDGES}

    @staticmethod
    def format_arch(arch) -> str:
        return format_nb201(arch)

    @staticmethod
    def search_space(input_size: Optional[int] = None):
        """The space as the generator sees it (FLOPs at 32x32, the benchmark's size)."""
        from mmsgnas.nb201.search_space import NB201SearchSpace
        if input_size not in (None, 32):
            raise ValueError(f'the NB201 FLOPs table is for 32x32 inputs, got {input_size}')
        return NB201SearchSpace()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        if self.arch is None:
            raise RuntimeError('no architecture is set: call set_arch() on the supernet first')
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x, self.arch) if isinstance(cell, SuperCell) else cell(x)
        return (self.tail(x), )

    def forward_soft(self, x: torch.Tensor, arch_weights: torch.Tensor) -> Tuple[torch.Tensor]:
        """Soft edge weights ``(6, 5)`` over :data:`OPS` (the generator's training forward)."""
        if arch_weights.shape != (NUM_EDGES, NUM_OPS):
            raise ValueError(f'arch_weights has shape {tuple(arch_weights.shape)}, expected '
                             f'({NUM_EDGES}, {NUM_OPS})')
        x = self.stem(x)
        for cell in self.cells:
            x = cell.forward_soft(x, arch_weights) if isinstance(cell, SuperCell) else cell(x)
        return (self.tail(x), )


@MODELS.register_module()
class NB201Net(BaseModule):
    """The static network of one NB201 architecture (the benchmark's TinyNetwork body).

    Args:
        arch: the architecture (string or 6 op names).
        cells_per_stage: as :class:`NB201Supernet` (the benchmark: 5), so that a proxy
            supernet's path has its static network.

    Shapes:
        forward: ``(N, 3, 32, 32)`` -> ``((N, 64, 8, 8), )``.
    """

    def __init__(self, arch: Union[str, Sequence[str]], cells_per_stage: int = CELLS_PER_STAGE,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch = parse_nb201(arch)
        _build_macro(self, lambda channels: StaticCell(channels, self.arch),
                     cells_per_stage=cells_per_stage)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        return (self.tail(x), )
