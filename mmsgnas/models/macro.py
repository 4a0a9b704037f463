"""The FairNAS / MobileNetV2 macro-architecture shared by the supernet and the static net.

Both networks build their stem (stem conv + fixed first block) and head with the functions
here, so those parameters have the same names in both and export copies them unchanged.
"""
from typing import List, NamedTuple, Optional

from mmcv.cnn import ConvModule
from torch import nn

STEM_CHANNELS = 32
FIRST_BLOCK_CHANNELS = 16
HEAD_CHANNELS = 1280
VARIANTS = ('imagenet', 'cifar')


class LayerSpec(NamedTuple):
    in_channels: int
    out_channels: int
    stride: int

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels


def _imagenet_layers() -> List[LayerSpec]:
    widths = [(16, 32, 2), (32, 32, 1), (32, 40, 2)] + [(40, 40, 1)] * 3 + [(40, 80, 2)]
    widths += [(80, 80, 1)] * 3 + [(80, 96, 1)] + [(96, 96, 1)] * 3 + [(96, 192, 2)]
    widths += [(192, 192, 1)] * 3 + [(192, 320, 1)]
    return [LayerSpec(*w) for w in widths]


def layer_specs(variant: str) -> List[LayerSpec]:
    """The 19 unified layers of a variant: ``'imagenet'`` (224 input) or ``'cifar'`` (32).

    The CIFAR variant keeps the channels and uses stride 1 in the stem and layer 0.
    """
    check_variant(variant)
    specs = _imagenet_layers()
    if variant == 'cifar':
        specs[0] = specs[0]._replace(stride=1)
    return specs


def stem_stride(variant: str) -> int:
    check_variant(variant)
    return 2 if variant == 'imagenet' else 1


def check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f'unknown variant {variant!r}, expected one of {VARIANTS}')


def default_input_size(variant: str) -> int:
    check_variant(variant)
    return 224 if variant == 'imagenet' else 32


def build_stem(variant: str, norm_cfg: dict, act_cfg: dict,
               se_layer: Optional[nn.Module] = None) -> nn.Sequential:
    """conv3x3 3->32 (stride 2, or 1 for CIFAR), then the fixed first block: dw3x3 on 32
    channels, pw 32->16 (no activation, no residual). ``se_layer`` goes between the two."""
    modules = [
        ConvModule(3, STEM_CHANNELS, 3, stride=stem_stride(variant), padding=1,
                   norm_cfg=norm_cfg, act_cfg=act_cfg),
        ConvModule(STEM_CHANNELS, STEM_CHANNELS, 3, padding=1, groups=STEM_CHANNELS,
                   norm_cfg=norm_cfg, act_cfg=act_cfg),
    ]
    if se_layer is not None:
        modules.append(se_layer)
    modules.append(ConvModule(STEM_CHANNELS, FIRST_BLOCK_CHANNELS, 1, norm_cfg=norm_cfg,
                              act_cfg=None))
    return nn.Sequential(*modules)


def build_head(in_channels: int, norm_cfg: dict, act_cfg: dict) -> ConvModule:
    """conv1x1 320->1280, BN, activation (the pooling lives in the classifier's neck)."""
    return ConvModule(in_channels, HEAD_CHANNELS, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
