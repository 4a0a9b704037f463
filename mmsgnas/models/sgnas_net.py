"""SGNASNet: the static network of one searched architecture, as an mmpretrain backbone."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from mmsgnas.registry import MODELS
from mmsgnas.space import Arch, format_arch, get_arch, layer_kernels
from .backbone_utils import (check_frozen_stages, check_out_indices, forward_outputs,
                             freeze_stages, set_norm_eval)
from .pretrained import load_pretrained
from .macro import STEM_CHANNELS, build_head, build_stem, layer_specs
from .sgnas_block import SGNASBlock, build_se
from .unified_supernet import DEFAULT_INIT_CFG


@MODELS.register_module()
class SGNASNet(BaseModule):
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
        super().__init__(init_cfg=init_cfg)
        self.arch: Arch = get_arch(arch)
        self.arch_str = format_arch(self.arch)
        self.variant = variant
        self.out_indices = check_out_indices(out_indices)
        self.frozen_stages = check_frozen_stages(frozen_stages)
        self.norm_eval = norm_eval
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
        return forward_outputs(self, x, lambda i, block, h: block(h))

    def init_weights(self) -> None:
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            # strict, unlike mmengine's PretrainedInit (which only logs mismatches)
            load_pretrained(self, cfg.get('checkpoint'), cfg.get('prefix'),
                            cfg.get('map_location', 'cpu'), self.arch_str)
            self._is_init = True
            return
        super().init_weights()

    def _freeze_stages(self) -> None:
        freeze_stages(self, self.frozen_stages)

    def train(self, mode: bool = True) -> 'SGNASNet':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            set_norm_eval(self)
        return self
