"""The FairNAS / MobileNetV2 macro-architecture shared by the supernet and the static net.

Both networks build their stem (stem conv + fixed first block) and head with the functions
here, so those parameters have the same names in both and export copies them unchanged; both
derive from :class:`MacroBackbone` for mmpretrain's backbone contract (``out_indices``,
``frozen_stages``, ``norm_eval``).
"""
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

import torch
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

STEM_CHANNELS = 32
FIRST_BLOCK_CHANNELS = 16
HEAD_CHANNELS = 1280
VARIANTS = ('imagenet', 'cifar')
NUM_OUTPUTS = 20  # indices 0..18 are the unified blocks, 19 the head conv
# activations without an ``inplace`` argument (as mmcv's ConvModule lists them)
NO_INPLACE = ('Tanh', 'PReLU', 'Sigmoid', 'HSigmoid', 'Swish', 'GELU')
DEFAULT_INIT_CFG = [
    dict(type='Kaiming', layer=['Conv2d']),
    dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
]

Run = Tuple[int, int, int]  # (kernel, first channel, end channel) of consecutive sub-blocks


class LayerSpec(NamedTuple):
    in_channels: int
    out_channels: int
    stride: int

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels


def check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f'unknown variant {variant!r}, expected one of {VARIANTS}')


def scaled(channels: int, width_mult: float) -> int:
    """``channels * width_mult`` rounded to a multiple of 8 (at least 8, and never more than
    10 % under the product: MobileNetV2's rounding); ``channels`` itself at 1.0."""
    if width_mult == 1.0:
        return channels
    value = channels * width_mult
    rounded = max(8, int(value + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * value else rounded


def check_width_mult(width_mult: float) -> float:
    if isinstance(width_mult, bool) or not isinstance(width_mult, (int, float)) \
            or not 0 < width_mult <= 1:
        raise ValueError(f'width_mult must be a number in (0, 1] (1: the variant\'s channels), '
                         f'got {width_mult!r}')
    return float(width_mult)


def layer_specs(variant: str, width_mult: float = 1.0) -> List[LayerSpec]:
    """The 19 unified layers of a variant: ``'imagenet'`` (224 input) or ``'cifar'`` (32).

    The CIFAR variant keeps the channels and uses stride 1 in the stem and layer 0.
    ``width_mult`` scales every layer's channels (:func:`scaled`; a reduced-cost proxy).
    """
    check_variant(variant)
    width_mult = check_width_mult(width_mult)
    widths = [(16, 32, 2), (32, 32, 1), (32, 40, 2)] + [(40, 40, 1)] * 3 + [(40, 80, 2)]
    widths += [(80, 80, 1)] * 3 + [(80, 96, 1)] + [(96, 96, 1)] * 3 + [(96, 192, 2)]
    widths += [(192, 192, 1)] * 3 + [(192, 320, 1)]
    specs = [LayerSpec(scaled(i, width_mult), scaled(o, width_mult), s) for i, o, s in widths]
    if variant == 'cifar':
        specs[0] = specs[0]._replace(stride=1)
    return specs


def stem_stride(variant: str) -> int:
    check_variant(variant)
    return 2 if variant == 'imagenet' else 1


def default_input_size(variant: str) -> int:
    check_variant(variant)
    return 224 if variant == 'imagenet' else 32


def build_act(act_cfg: dict) -> nn.Module:
    """An activation from ``act_cfg``, in place where it can be (as mmcv's ConvModule builds
    them): the blocks apply it right after a BN, whose backward does not need its output.
    Measured on the supernet's eval forward: 1.24x faster than out of place."""
    act_cfg = dict(act_cfg)
    if act_cfg['type'] not in NO_INPLACE:
        act_cfg.setdefault('inplace', True)
    return build_activation_layer(act_cfg)


def build_stem(variant: str, norm_cfg: dict, act_cfg: dict,
               se_layer: Optional[nn.Module] = None, width_mult: float = 1.0) -> nn.Sequential:
    """conv3x3 3->32 (stride 2, or 1 for CIFAR), then the fixed first block: dw3x3 on 32
    channels, pw 32->16 (no activation, no residual). ``se_layer`` goes between the two.
    ``width_mult`` scales both widths (:func:`scaled`)."""
    stem, first = scaled(STEM_CHANNELS, width_mult), scaled(FIRST_BLOCK_CHANNELS, width_mult)
    modules = [
        ConvModule(3, stem, 3, stride=stem_stride(variant), padding=1,
                   norm_cfg=norm_cfg, act_cfg=act_cfg),
        ConvModule(stem, stem, 3, padding=1, groups=stem, norm_cfg=norm_cfg, act_cfg=act_cfg),
    ]
    if se_layer is not None:
        modules.append(se_layer)
    modules.append(ConvModule(stem, first, 1, norm_cfg=norm_cfg, act_cfg=None))
    return nn.Sequential(*modules)


def build_head(in_channels: int, norm_cfg: dict, act_cfg: dict) -> ConvModule:
    """conv1x1 320->1280, BN, activation (the pooling lives in the classifier's neck)."""
    return ConvModule(in_channels, HEAD_CHANNELS, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)


def kernel_runs(kernels: List[int], width: int) -> List[Run]:
    """Group consecutive sub-blocks with one kernel: ``[7, 3, 3]`` -> ``[(7, 0, w), (3, w, 3w)]``.

    A run is computed by one depthwise conv, so ``'333333'`` costs one call, not six.
    """
    runs: List[Run] = []
    for b, k in enumerate(kernels):
        if runs and runs[-1][0] == k:
            runs[-1] = (k, runs[-1][1], (b + 1) * width)
        else:
            runs.append((k, b * width, (b + 1) * width))
    return runs


class MacroBackbone(BaseModule):
    """What the supernet and the static net share as mmpretrain backbones: stem, 19 blocks
    (``self.layers``), head, the outputs of ``out_indices``, frozen stages and ``norm_eval``.

    Args:
        out_indices: outputs to return; 0..18 are the blocks, 19 the head conv.
        frozen_stages: -1 none, 0 the stem (with the first block), ``i`` the stem and blocks
            ``0..i-1``, 20 everything.
        norm_eval: keep every BN in eval mode during training.
        init_cfg: initialisation config.
    """

    def __init__(self, out_indices: Sequence[int], frozen_stages: int, norm_eval: bool,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        out_indices = tuple(out_indices)
        if not out_indices:
            raise ValueError('out_indices is empty, expected indices in 0..19')
        for i in out_indices:
            if not isinstance(i, int) or not -NUM_OUTPUTS <= i < NUM_OUTPUTS:
                raise ValueError(f'out_indices item {i!r} is out of range, expected 0..18 (a '
                                 f'unified block) or 19 (the head conv)')
        self.out_indices = tuple(i % NUM_OUTPUTS for i in out_indices)
        if not -1 <= frozen_stages <= NUM_OUTPUTS:
            raise ValueError(f'frozen_stages {frozen_stages} is out of range, expected -1 '
                             f'(none), 0 (stem) to {NUM_OUTPUTS} (stem, 19 blocks and head)')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

    def forward_blocks(self, x: torch.Tensor,
                       run_block: Callable[[int, nn.Module, torch.Tensor], torch.Tensor]
                       ) -> Tuple[torch.Tensor, ...]:
        """Stem, the 19 blocks (each through ``run_block(index, block, x)``), head; returns
        the outputs of ``out_indices`` (19 is the head)."""
        # channels-last makes depthwise convs (and their backward) several times faster on CPU
        x = self.stem(x.contiguous(memory_format=torch.channels_last))
        outs = []
        for i, block in enumerate(self.layers):
            x = run_block(i, block, x)
            if i in self.out_indices:
                outs.append(x)
        if NUM_OUTPUTS - 1 in self.out_indices:
            outs.append(self.head(x))
        return tuple(outs)

    def _freeze_stages(self) -> None:
        """Stage 0 is the stem (with the first block), 1..19 the blocks, 20 the head."""
        for stage in [self.stem, *self.layers, self.head][:self.frozen_stages + 1]:
            stage.eval()
            for param in stage.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'MacroBackbone':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
