"""Operations and blocks of the NAS-Bench-201 macro (as the benchmark builds them)."""
from typing import Dict

import torch
from torch import nn

from mmsgnas.nb201.space import OPS


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
