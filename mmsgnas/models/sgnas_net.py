"""SGNASNet: the static network of one searched architecture, as an mmpretrain backbone."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule, build_norm_layer
from mmpretrain.models.utils import SELayer
from torch import nn

from mmsgnas.registry import MODELS
from mmsgnas.spaces import Arch, SGNASSpace
from mmsgnas.spaces.sgnas import layer_kernels
from .macro import (DEFAULT_INIT_CFG, STEM_CHANNELS, MacroBackbone, build_act, build_head,
                    build_stem, kernel_runs, layer_specs)
from .pretrained import load_pretrained


def build_se(channels: int, act_cfg: Optional[dict]) -> nn.Module:
    """Squeeze-and-excitation on ``channels``: squeeze to ``channels // 4``, ReLU, h-sigmoid
    gate, biased 1x1 convs (as AtomNAS / the published SGNAS nets)."""
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


@MODELS.register_module()
class SGNASNet(MacroBackbone):
    """The network of one SGNAS architecture; no NAS code at run time.

    Its weights can be sliced out of a :class:`UnifiedSupernet` checkpoint exactly
    (:func:`mmsgnas.models.load_from_supernet`): in eval mode both give the same outputs.

    Args:
        arch: a name (``'SGNAS-A'``, ``'SGNAS-B'``, ``'SGNAS-C'``), an architecture string,
            or the path of an architecture file written by the search loop.
        variant: ``'imagenet'`` (224 input) or ``'cifar'`` (32 input).
        out_indices: outputs to return; 0..18 are the blocks, 19 the head conv. The channels of
            index ``i`` are ``self.out_channels[i]``.
        frozen_stages: -1 none, 0 the stem, ``i`` the stem and blocks ``0..i-1``, 20 all.
        norm_eval: keep every BN in eval mode during training.
        with_se: squeeze-and-excitation in every block, the first one included (use it with
            ``act_cfg=dict(type='HSwish')`` for the published SGNAS-A/B/C nets).
        norm_cfg: norm layer config (e.g. ``dict(type='SyncBN')`` in detection configs).
        act_cfg: activation config (ReLU6 by default).
        init_cfg: initialisation config (e.g. ``dict(type='Pretrained', checkpoint=...,
            prefix='backbone.')``, loaded strictly: a checkpoint of another architecture is a
            ``ValueError`` naming the mismatched keys).

    Shapes:
        forward: ``(N, 3, H, W)`` -> tuple of ``(N, C_i, H_i, W_i)``, one per out index.
    """

    def __init__(self, arch: Union[str, Sequence[str]], variant: str = 'imagenet',
                 out_indices: Sequence[int] = (19, ), frozen_stages: int = -1,
                 norm_eval: bool = False, with_se: bool = False,
                 norm_cfg: dict = dict(type='BN'), act_cfg: dict = dict(type='ReLU6'),
                 init_cfg: Optional[Union[dict, list]] = DEFAULT_INIT_CFG) -> None:
        super().__init__(out_indices, frozen_stages, norm_eval, init_cfg)
        self.arch: Arch = SGNASSpace.parse(arch)
        self.arch_str = SGNASSpace.format(self.arch)
        self.variant = variant
        specs = layer_specs(variant)
        self.stem = build_stem(variant, norm_cfg, act_cfg,
                               build_se(STEM_CHANNELS, None) if with_se else None)
        self.layers = nn.ModuleList(
            SGNASBlock(s.in_channels, s.out_channels, s.stride, layer_kernels(token), norm_cfg,
                       act_cfg, with_se) for s, token in zip(specs, self.arch))
        self.head = build_head(specs[-1].out_channels, norm_cfg, act_cfg)
        self.out_channels = [s.out_channels for s in specs] + [self.head.conv.out_channels]
        self._freeze_stages()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return self.forward_blocks(x, lambda i, block, h: block(h))

    def init_weights(self) -> None:
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            # strict, unlike mmengine's PretrainedInit (which only logs mismatches)
            load_pretrained(self, cfg.get('checkpoint'), cfg.get('prefix'),
                            cfg.get('map_location', 'cpu'), self.arch_str)
            self._is_init = True
            return
        super().init_weights()
