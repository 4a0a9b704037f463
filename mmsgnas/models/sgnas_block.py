"""The block of a searched network: an inverted bottleneck with mixed depthwise kernels."""
from typing import List, Optional

import torch
from mmcv.cnn import ConvModule, build_norm_layer
from torch import nn

from .backbone_utils import build_act
from .unified_block import kernel_runs


def build_se(channels: int, act_cfg: Optional[dict]) -> nn.Module:
    """Squeeze-and-excitation on ``channels``: squeeze to ``channels // 4``, ReLU, h-sigmoid
    gate, biased 1x1 convs (as AtomNAS / the published SGNAS nets)."""
    from mmpretrain.models.utils import SELayer
    return SELayer(channels, squeeze_channels=channels // 4, bias=True,
                   act_cfg=act_cfg or (dict(type='ReLU'), dict(type='HSigmoid')))


class SGNASBlock(nn.Module):
    """conv1x1 ``C_in -> e*C_in``, BN, act; ``e`` depthwise convs of ``C_in`` channels each
    (consecutive equal kernels fused in one conv); one BN over ``e*C_in``, act; optional SE;
    conv1x1 ``e*C_in -> C_out``, BN; residual when the shape allows.

    Args:
        in_channels: ``C_in``.
        out_channels: ``C_out``.
        stride: depthwise stride.
        kernels: kernel size of each active sub-block, e.g. ``[7, 3, 3, 3]`` (``e = 4``).
        norm_cfg: norm layer config.
        act_cfg: activation config.
        with_se: add squeeze-and-excitation before the projection.
        se_act_cfg: the two activations of the SE layer (ReLU, HSigmoid by default).

    Shapes:
        forward: ``(N, C_in, H, W)`` -> ``(N, C_out, H / stride, W / stride)``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, kernels: List[int],
                 norm_cfg: dict = dict(type='BN'), act_cfg: dict = dict(type='ReLU6'),
                 with_se: bool = False, se_act_cfg: Optional[tuple] = None) -> None:
        super().__init__()
        mid = len(kernels) * in_channels
        self.kernels = list(kernels)
        self.residual = stride == 1 and in_channels == out_channels
        self.expand = ConvModule(in_channels, mid, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.runs = kernel_runs(self.kernels, in_channels)
        self.dw = nn.ModuleList(
            nn.Conv2d(end - start, end - start, k, stride, k // 2, groups=end - start,
                      bias=False) for k, start, end in self.runs)
        self.dw_norm = build_norm_layer(norm_cfg, mid)[1]
        self.dw_act = build_act(act_cfg)
        self.se = build_se(mid, se_act_cfg) if with_se else None
        self.project = ConvModule(mid, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.expand(x)
        if len(self.dw) == 1:
            h = self.dw[0](h)
        else:
            h = torch.cat([conv(h[:, start:end]) for conv, (_, start, end) in
                           zip(self.dw, self.runs)], dim=1)
        h = self.dw_act(self.dw_norm(h))
        if self.se is not None:
            h = self.se(h)
        h = self.project(h)
        return h + x if self.residual else h
