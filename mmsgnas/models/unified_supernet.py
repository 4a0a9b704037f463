"""The unified supernet as an mmpretrain backbone."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from mmsgnas.registry import MODELS
from mmsgnas.space import Arch, ArchSampler, format_arch, get_arch, largest_arch, smallest_arch
from .backbone_utils import (check_frozen_stages, check_out_indices, forward_outputs,
                             freeze_stages, set_norm_eval)
from .macro import build_head, build_stem, layer_specs
from .unified_block import UnifiedBlock

DEFAULT_INIT_CFG = [
    dict(type='Kaiming', layer=['Conv2d']),
    dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
]


@MODELS.register_module()
class UnifiedSupernet(BaseModule):
    """SGNAS unified supernet: stem, first block, 19 unified blocks, head conv.

    One architecture is active at a time (:meth:`set_arch`, cheap: no copy, no module
    surgery); the forward computes only its sub-blocks.

    Args:
        variant: ``'imagenet'`` (224 input, 7x7 out) or ``'cifar'`` (32 input, 4x4 out).
        arch: the architecture active after construction (string, name or tokens), or None.
        out_indices: outputs to return; 0..18 are the unified blocks, 19 the head conv.
        frozen_stages: stages to freeze: -1 none, 0 the stem, ``i`` the stem and blocks
            ``0..i-1``, 20 everything.
        norm_eval: keep every BN in eval mode during training.
        norm_cfg: norm layer config.
        act_cfg: activation config.
        shared_kernels: the 3x3 and 5x5 depthwise kernels are the centres of the 7x7 (see
            :class:`UnifiedBlock`; an option for short CPU runs, off in the paper's configs).
        proxy_stride: 2 multiplies layer 0's stride by 2, a reduced-cost proxy for CPU runs
            (the CIFAR variant's feature maps from layer 0 on at a quarter of the area); the
            weights, the search space and its FLOPs table stay the variant's, so
            checkpoints export to the variant's SGNASNet unchanged. 1 (default): as the paper.
        zero_init_residual: start every residual block as the identity (its shadow BNs'
            weights zero), so early single-path updates of random paths disturb less.
            Skipped when ``init_cfg`` loads a pretrained checkpoint.
        init_cfg: initialisation config.

    Shapes:
        forward: ``(N, 3, H, W)`` -> tuple of ``(N, C_i, H_i, W_i)``, one per out index
        (``(N, 1280, H/32, W/32)`` for the head of the ImageNet variant).
    """

    def __init__(self, variant: str = 'imagenet', arch: Union[str, Sequence[str], None] = None,
                 out_indices: Sequence[int] = (19, ), frozen_stages: int = -1,
                 norm_eval: bool = False, norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'), zero_init_residual: bool = False,
                 shared_kernels: bool = False, proxy_stride: int = 1,
                 init_cfg=DEFAULT_INIT_CFG) -> None:
        super().__init__(init_cfg=init_cfg)
        self.variant = variant
        self.zero_init_residual = zero_init_residual
        if not isinstance(proxy_stride, int) or isinstance(proxy_stride, bool) \
                or proxy_stride not in (1, 2):
            raise ValueError(f'proxy_stride must be 1 or 2, got {proxy_stride!r}')
        self.specs = layer_specs(variant)
        self.specs[0] = self.specs[0]._replace(stride=self.specs[0].stride * proxy_stride)
        self.out_indices = check_out_indices(out_indices)
        self.frozen_stages = check_frozen_stages(frozen_stages)
        self.norm_eval = norm_eval
        self.stem = build_stem(variant, norm_cfg, act_cfg)
        self.layers = nn.ModuleList(
            UnifiedBlock(s.in_channels, s.out_channels, s.stride, norm_cfg, act_cfg,
                         shared_kernels) for s in self.specs)
        self.head = build_head(self.specs[-1].out_channels, norm_cfg, act_cfg)
        self.out_channels = [s.out_channels for s in self.specs] + [self.head.conv.out_channels]
        self.arch: Union[Arch, None] = None
        if arch is not None:
            self.set_arch(arch)
        self._freeze_stages()

    def set_arch(self, arch: Union[str, Sequence[str]]) -> Arch:
        """Activate an architecture (validated); returns it as a tuple of tokens."""
        arch = get_arch(arch)
        for block, token in zip(self.layers, arch):
            block.set_token(token)
        self.arch = arch
        return arch

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return forward_outputs(self, x, lambda i, block, h: block(h))

    # the search space, as the training and validation loops see it
    @staticmethod
    def arch_sampler(seed: int) -> ArchSampler:
        """Uniform forced sampling."""
        return ArchSampler(seed)

    @staticmethod
    def reference_archs() -> dict:
        return {'smallest': smallest_arch(), 'largest': largest_arch()}

    @staticmethod
    def format_arch(arch) -> str:
        return format_arch(get_arch(arch))

    def search_space(self, input_size: Optional[int] = None):
        """The space as the generator sees it, with the FLOPs table of this variant at
        ``input_size`` (default 224 / 32)."""
        from mmsgnas.space.search_space import SGNASSearchSpace
        return SGNASSearchSpace(self.variant, input_size)

    def forward_soft(self, x: torch.Tensor, arch_weights: torch.Tensor) -> Tuple[torch.Tensor]:
        """Forward with soft architecture weights ``(19, 6, 4)`` over (3, 5, 7, skip) per
        sub-block, as the generator trains it; returns the out-index features as
        :meth:`forward` does. With one-hot weights it equals the hard forward of that
        architecture (eval mode)."""
        if arch_weights.shape != (len(self.layers), 6, 4):
            raise ValueError(f'arch_weights has shape {tuple(arch_weights.shape)}, expected '
                             f'({len(self.layers)}, 6, 4)')
        return forward_outputs(self, x,
                               lambda i, block, h: block.forward_soft(h, arch_weights[i]))

    def init_weights(self) -> None:
        super().init_weights()
        pretrained = isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'
        if self.zero_init_residual and not pretrained:
            for block in self.layers:
                if block.residual:
                    for bn in block.shadow_bn.bns:
                        nn.init.zeros_(bn.weight)

    def _freeze_stages(self) -> None:
        freeze_stages(self, self.frozen_stages)

    def train(self, mode: bool = True) -> 'UnifiedSupernet':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            set_norm_eval(self)
        return self
