"""NAS-Bench-201 networks: the cell supernet, the static network of one architecture, and
the operations and blocks of the benchmark's macro (as the benchmark builds them)."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from mmsgnas.registry import MODELS
from mmsgnas.spaces import NB201Arch, NB201Space
from mmsgnas.spaces.nb201 import EDGES, NUM_EDGES, NUM_OPS, OPS


class ReLUConvBN(nn.Sequential):
    """ReLU, conv (no bias), BN: the benchmark's ``nor_conv_kxk``."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1,
                 track_running_stats: bool = True) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2, bias=False),
            nn.BatchNorm2d(out_channels, track_running_stats=track_running_stats))


class Zero(nn.Module):
    """``none``: the edge outputs zeros."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def build_op(name: str, channels: int, track_running_stats: bool = True) -> nn.Module:
    """One stride-1 cell operation on ``channels`` channels."""
    builders: Dict[str, callable] = {
        'none': Zero,
        'skip_connect': nn.Identity,
        'nor_conv_1x1': lambda: ReLUConvBN(channels, channels, 1,
                                           track_running_stats=track_running_stats),
        'nor_conv_3x3': lambda: ReLUConvBN(channels, channels, 3,
                                           track_running_stats=track_running_stats),
        'avg_pool_3x3': lambda: nn.AvgPool2d(3, 1, 1, count_include_pad=False),
    }
    if name not in builders:
        raise ValueError(f'unknown NB201 operation {name!r}, expected one of {OPS}')
    return builders[name]()


class ResNetBasicBlock(nn.Module):
    """The reduction block between stages: two ReLU-conv-BN 3x3 (the first strided) plus an
    avg-pool + 1x1 conv shortcut."""

    def __init__(self, in_channels: int, out_channels: int,
                 track_running_stats: bool = True) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(in_channels, out_channels, 3, 2, track_running_stats)
        self.conv_b = ReLUConvBN(out_channels, out_channels, 3, 1, track_running_stats)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(2, 2), nn.Conv2d(in_channels, out_channels, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


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

    def __init__(self, channels: int, arch: NB201Arch, track_running_stats: bool = True) -> None:
        super().__init__()
        self.arch = arch
        self.edges = nn.ModuleList(build_op(op, channels, track_running_stats) for op in arch)

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


def stage_channels(widen_factor: float = 1.0) -> Tuple[int, ...]:
    """The channels of the 3 stages: :data:`STAGE_CHANNELS` times ``widen_factor``, rounded
    (the last is the head's ``in_channels``)."""
    if isinstance(widen_factor, bool) or not isinstance(widen_factor, (int, float)) \
            or not 0 < widen_factor or any(round(c * widen_factor) < 1 for c in STAGE_CHANNELS):
        raise ValueError(f'widen_factor must be a number > 0 that leaves every stage at least '
                         f'1 channel (the benchmark: 1.0), got {widen_factor!r}')
    return tuple(int(round(c * widen_factor)) for c in STAGE_CHANNELS)


def _check_channels_last(channels_last: bool) -> bool:
    if not isinstance(channels_last, bool):
        raise ValueError(f'channels_last must be True or False, got {channels_last!r}')
    return channels_last


def _layout(x: torch.Tensor, channels_last: bool) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def _build_macro(net: nn.Module, make_cell, track_running_stats: bool = True,
                 cells_per_stage: int = CELLS_PER_STAGE, widen_factor: float = 1.0) -> None:
    """Stem, 3 stages of ``make_cell(channels)`` with reduction blocks between them, tail;
    the stages' channels are :data:`STAGE_CHANNELS` times ``widen_factor``."""
    net.cells_per_stage = _check_cells(cells_per_stage)
    channels_of_stage = stage_channels(widen_factor)
    net.widen_factor = widen_factor
    first, last = channels_of_stage[0], channels_of_stage[-1]
    net.stem = nn.Sequential(nn.Conv2d(3, first, 3, padding=1, bias=False),
                             nn.BatchNorm2d(first, track_running_stats=track_running_stats))
    net.cells = nn.ModuleList()
    for s, channels in enumerate(channels_of_stage):
        if s > 0:
            net.cells.append(
                ResNetBasicBlock(channels_of_stage[s - 1], channels, track_running_stats))
        net.cells.extend(make_cell(channels) for _ in range(cells_per_stage))
    net.tail = nn.Sequential(nn.BatchNorm2d(last, track_running_stats=track_running_stats),
                             nn.ReLU(inplace=True))
    net.out_channels = last


@MODELS.register_module()
class NB201Supernet(BaseModule):
    """NAS-Bench-201 supernet: stem, 3 stages of 5 cells (16/32/64 channels) with ResNet
    reduction blocks between them, BN + ReLU. All cells share one genotype (an
    :data:`~mmsgnas.spaces.nb201.OPS` name per edge), each cell has its own weights.

    Args:
        arch: the architecture active after construction (string or 6 op names); None
            (default) activates the largest (a 3x3 conv on every edge).
        cells_per_stage: cells per stage (the benchmark: 5). Fewer make a reduced-cost proxy
            for ranking on a CPU (1: about 9x faster a step); the space, its FLOPs table
            (of the benchmark's 5-cell networks) and the static ``NB201Net`` stay as they are.
        track_running_stats: BN keeps running statistics. Default False: BN always normalises
            by the batch, as the benchmark's weight-sharing baselines (SETN, RSPS) train and
            evaluate their supernets, since running statistics averaged over random paths fit
            no single architecture.
        widen_factor: the stages' channels are (16, 32, 64) times this (the benchmark: 1.0).
            With ``cells_per_stage`` it makes a proxy as deep as the benchmark's networks at
            the cost of a shallower one (5 cells at 0.5: about the FLOPs of 1 cell at 1.0);
            the head's ``in_channels`` is ``64 * widen_factor``.
        channels_last: lay the activations out channels-last from the stem on (the same
            function up to rounding; a training step of the 1-cell proxy ran 1.3-1.7x faster
            on a CPU, configs/sgnas/README.md). Off by default.
        init_cfg: initialisation config.

    Shapes:
        forward: ``(N, 3, 32, 32)`` -> ``((N, 64 * widen_factor, 8, 8), )``.
    """

    def __init__(self, arch: Union[str, Sequence[str], None] = None,
                 track_running_stats: bool = False, cells_per_stage: int = CELLS_PER_STAGE,
                 widen_factor: float = 1.0, channels_last: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.channels_last = _check_channels_last(channels_last)
        _build_macro(self, lambda channels: SuperCell(channels, track_running_stats),
                     track_running_stats, cells_per_stage, widen_factor)
        self.space = NB201Space()
        self.arch: NB201Arch = self.set_arch(self.space.reference_archs()['largest']
                                             if arch is None else arch)

    def set_arch(self, arch: Union[str, Sequence[str]]) -> NB201Arch:
        self.arch = self.space.parse(arch)
        return self.arch

    @staticmethod
    def static_net(arch: Union[str, Sequence[str]]) -> 'NB201Net':
        """The benchmark's static network of ``arch`` (5 cells per stage, what the FLOPs
        table and the ground truth are of), whatever this supernet's ``cells_per_stage``."""
        return NB201Net(arch)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.stem(_layout(x, self.channels_last))
        for cell in self.cells:
            x = cell(x, self.arch) if isinstance(cell, SuperCell) else cell(x)
        return (self.tail(x), )

    def forward_soft(self, x: torch.Tensor, arch_weights: torch.Tensor) -> Tuple[torch.Tensor]:
        """Soft edge weights ``(6, 5)`` over :data:`OPS` (the generator's training forward)."""
        if arch_weights.shape != (NUM_EDGES, NUM_OPS):
            raise ValueError(f'arch_weights has shape {tuple(arch_weights.shape)}, expected '
                             f'({NUM_EDGES}, {NUM_OPS})')
        x = self.stem(_layout(x, self.channels_last))
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
        track_running_stats: BN keeps running statistics (default, as the benchmark trains
            its networks); False normalises by the batch, as the NB201 supernet does, so that
            weights exported from it (:func:`mmsgnas.models.export_subnet`) give its outputs.
        widen_factor: as :class:`NB201Supernet` (the benchmark: 1.0).
        channels_last: as :class:`NB201Supernet` (off by default).
        init_cfg: initialisation config.

    Shapes:
        forward: ``(N, 3, 32, 32)`` -> ``((N, 64 * widen_factor, 8, 8), )``.
    """

    def __init__(self, arch: Union[str, Sequence[str]], cells_per_stage: int = CELLS_PER_STAGE,
                 track_running_stats: bool = True, widen_factor: float = 1.0,
                 channels_last: bool = False, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch = NB201Space.parse(arch)
        self.channels_last = _check_channels_last(channels_last)
        _build_macro(self, lambda channels: StaticCell(channels, self.arch, track_running_stats),
                     track_running_stats, cells_per_stage, widen_factor)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.stem(_layout(x, self.channels_last))
        for cell in self.cells:
            x = cell(x)
        return (self.tail(x), )
