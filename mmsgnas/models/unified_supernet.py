"""The SGNAS unified supernet as an mmpretrain backbone, with its unified block and shadow BN."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import nn

from mmsgnas.registry import MODELS
from mmsgnas.spaces import Arch, SGNASSpace
from mmsgnas.spaces.sgnas import KERNELS, NUM_SUBBLOCKS, layer_kernels
from .macro import (DEFAULT_INIT_CFG, MacroBackbone, Run, build_act, build_head, build_stem,
                    check_width_mult, kernel_runs, layer_specs)
from .sgnas_net import SGNASNet


class ShadowBatchNorm(nn.Module):
    """A BN per expansion rate ``e``; the forward uses the one of the active ``e``.

    The projection of a unified block sees a different channel mix for every ``e``, so one BN
    per ``e`` keeps its statistics apart. Each BN is a plain norm layer built from
    ``norm_cfg``, so ``nn.SyncBatchNorm.convert_sync_batchnorm`` converts them.

    Args:
        num_features: channels ``C``.
        expansions: the expansion rates, one BN each (default 2..6).
        norm_cfg: config of each norm layer.

    Shapes:
        forward: ``(N, C, H, W)`` -> ``(N, C, H, W)``.
    """

    def __init__(self, num_features: int, expansions: Sequence[int] = (2, 3, 4, 5, 6),
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__()
        self.expansions = tuple(expansions)
        self.bns = nn.ModuleList(
            build_norm_layer(norm_cfg, num_features)[1] for _ in self.expansions)

    def index(self, expansion: int) -> int:
        try:
            return self.expansions.index(expansion)
        except ValueError:
            raise ValueError(f'no shadow BN for expansion rate {expansion}, expected one of '
                             f'{self.expansions}') from None

    def forward(self, x: torch.Tensor, expansion: int) -> torch.Tensor:
        return self.bns[self.index(expansion)](x)


def count_batch(bn: nn.modules.batchnorm._BatchNorm) -> None:
    """Count one forward batch for ``bn`` (once per forward, however many slices it runs)."""
    if bn.training and bn.track_running_stats:
        bn.num_batches_tracked.add_(1)


def sliced_batch_norm(bn: nn.modules.batchnorm._BatchNorm, x: torch.Tensor, start: int,
                      end: int) -> torch.Tensor:
    """Apply channels ``start:end`` of ``bn`` to ``x`` (updating only those running stats).

    The caller counts the batch (:func:`count_batch`) before the slices, so that with
    ``momentum=None`` every channel gets the cumulative average of nn.BatchNorm2d.
    """
    use_batch_stats = bn.training or bn.running_mean is None
    if bn.momentum is not None:
        momentum = bn.momentum
    elif bn.training and bn.track_running_stats:
        momentum = 1.0 / float(bn.num_batches_tracked)
    else:
        momentum = 0.0
    running_mean = None if bn.running_mean is None else bn.running_mean[start:end]
    running_var = None if bn.running_var is None else bn.running_var[start:end]
    weight = None if bn.weight is None else bn.weight[start:end]
    bias = None if bn.bias is None else bn.bias[start:end]
    return F.batch_norm(x, running_mean, running_var, weight, bias, use_batch_stats, momentum,
                        bn.eps)


class UnifiedBlock(nn.Module):
    """Expansion to ``6 * C_in``, six sub-blocks (dw 3/5/7 or skip), concat, projection.

    Sub-block ``b`` owns channels ``b*C_in:(b+1)*C_in`` of the expansion and, per kernel, the
    same channels of that kernel's depthwise conv and BN. Only active sub-blocks are computed:
    with expansion rate ``e`` the expansion and projection weights are sliced to ``e * C_in``
    channels, so the block costs what the inverted bottleneck of its architecture costs.

    Args:
        in_channels: ``C_in``.
        out_channels: ``C_out``.
        stride: stride of the depthwise convs.
        norm_cfg: norm layer config.
        act_cfg: activation config (ReLU6 by default).
        shared_kernels: one 7x7 depthwise weight per sub-block whose centre 5x5 and 3x3 are
            the smaller kernels (once-for-all's elastic kernel, without its transform), so
            every sampled kernel trains the same weights; BN stays per kernel. Off (three
            independent kernels) in the paper's supernet.

    Shapes:
        forward: ``(N, C_in, H, W)`` -> ``(N, C_out, H / stride, W / stride)``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 norm_cfg: dict = dict(type='BN'), act_cfg: dict = dict(type='ReLU6'),
                 shared_kernels: bool = False) -> None:
        super().__init__()
        self.shared_kernels = bool(shared_kernels)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.residual = stride == 1 and in_channels == out_channels
        mid = NUM_SUBBLOCKS * in_channels
        self.expand = nn.Conv2d(in_channels, mid, 1, bias=False)
        self.expand_bn = build_norm_layer(norm_cfg, mid)[1]
        self.dw = nn.ModuleDict({
            str(k): nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False)
            for k in (KERNELS[-1:] if self.shared_kernels else KERNELS)
        })
        self.dw_bn = nn.ModuleDict({str(k): build_norm_layer(norm_cfg, mid)[1] for k in KERNELS})
        self.project = nn.Conv2d(mid, out_channels, 1, bias=False)
        self.shadow_bn = ShadowBatchNorm(out_channels, norm_cfg=norm_cfg)
        self.act = build_act(act_cfg)
        self.token: Optional[str] = None
        self.expansion = 0
        self.runs: List[Run] = []

    def set_token(self, token: str) -> None:
        """Activate one layer token (e.g. ``'7333ss'``)."""
        kernels = layer_kernels(token)
        self.token = token
        self.expansion = len(kernels)
        self.runs = kernel_runs(kernels, self.in_channels)

    def dw_weight(self, kernel: int) -> torch.Tensor:
        """The depthwise weight of a kernel size, ``(6 * C_in, 1, k, k)``."""
        if not self.shared_kernels:
            return self.dw[str(kernel)].weight
        largest = KERNELS[-1]
        c = (largest - kernel) // 2
        return self.dw[str(largest)].weight[:, :, c:c + kernel, c:c + kernel]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.token is None:
            raise RuntimeError('no architecture is set: call set_arch() on the supernet first')
        mid = self.expansion * self.in_channels
        h = F.conv2d(x, self.expand.weight[:mid])
        count_batch(self.expand_bn)
        h = self.act(sliced_batch_norm(self.expand_bn, h, 0, mid))
        for k in {k for k, _, _ in self.runs}:
            count_batch(self.dw_bn[str(k)])
        outs = []
        for k, start, end in self.runs:
            y = F.conv2d(h[:, start:end], self.dw_weight(k)[start:end], None, self.stride,
                         k // 2, 1, end - start)
            outs.append(sliced_batch_norm(self.dw_bn[str(k)], y, start, end))
        h = self.act(outs[0] if len(outs) == 1 else torch.cat(outs, dim=1))
        h = self.shadow_bn(F.conv2d(h, self.project.weight[:, :mid]), self.expansion)
        return h + x if self.residual else h

    def forward_soft(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Soft forward for the generator: ``weights`` ``(6, 4)`` over (3, 5, 7, skip).

        Each sub-block's output is the weighted sum of its kernel paths (the skip path adds
        zeros); the shadow BN follows the rounded expected expansion rate. All six slices are
        computed, so this costs the largest architecture plus two more depthwise convs.
        """
        width = self.in_channels
        h = self.act(self.expand_bn(self.expand(x)))
        # (6, 4) -> per-channel weights of each kernel path, (1, 6*C_in, 1, 1)
        per_channel = weights[:, :len(KERNELS)].repeat_interleave(width, dim=0)
        out = 0
        for j, k in enumerate(KERNELS):
            y = F.conv2d(h, self.dw_weight(k), None, self.stride, k // 2, 1, h.shape[1])
            path = self.act(self.dw_bn[str(k)](y))
            out = out + path * per_channel[:, j].view(1, -1, 1, 1)
        expected_e = (1 - weights[:, -1]).sum()
        e = int(torch.clamp(torch.round(expected_e.detach()), 2, NUM_SUBBLOCKS))
        h = self.shadow_bn(self.project(out), e)
        return h + x if self.residual else h

    def extra_repr(self) -> str:
        return f'token={self.token!r}, shared_kernels={self.shared_kernels}'



@MODELS.register_module()
class UnifiedSupernet(MacroBackbone):
    """SGNAS unified supernet: stem, first block, 19 unified blocks, head conv.

    One architecture is active at a time (:meth:`set_arch`, cheap: no copy, no module
    surgery); the forward computes only its sub-blocks.

    Args:
        variant: ``'imagenet'`` (224 input, 7x7 out) or ``'cifar'`` (32 input, 4x4 out).
        arch: the architecture active after construction (string, name or tokens); None
            (default) activates the largest, so a freshly built supernet runs (e.g. under
            mmpretrain's ``get_flops.py``).
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
        width_mult: scales the channels of the stem, the first block and the 19 layers
            (rounded to multiples of 8; the head conv keeps its 1280 outputs, as
            MobileNetV2's), a reduced-cost proxy for CPU runs: the search space, its FLOPs
            table and :meth:`static_net` stay the variant's (the proxy ranks architectures of
            the real space), but its weights do not export to the variant's SGNASNet.
            1.0 (default): as the paper.
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
                 shared_kernels: bool = False, proxy_stride: int = 1, width_mult: float = 1.0,
                 init_cfg=DEFAULT_INIT_CFG) -> None:
        super().__init__(out_indices, frozen_stages, norm_eval, init_cfg)
        self.variant = variant
        self.space = SGNASSpace()
        self.zero_init_residual = zero_init_residual
        if not isinstance(proxy_stride, int) or isinstance(proxy_stride, bool) \
                or proxy_stride not in (1, 2):
            raise ValueError(f'proxy_stride must be 1 or 2, got {proxy_stride!r}')
        self.width_mult = check_width_mult(width_mult)
        self.specs = layer_specs(variant, self.width_mult)
        self.specs[0] = self.specs[0]._replace(stride=self.specs[0].stride * proxy_stride)
        self.stem = build_stem(variant, norm_cfg, act_cfg, width_mult=self.width_mult)
        self.layers = nn.ModuleList(
            UnifiedBlock(s.in_channels, s.out_channels, s.stride, norm_cfg, act_cfg,
                         shared_kernels) for s in self.specs)
        self.head = build_head(self.specs[-1].out_channels, norm_cfg, act_cfg)
        self.out_channels = [s.out_channels for s in self.specs] + [self.head.conv.out_channels]
        self.arch: Arch = self.set_arch(self.space.largest() if arch is None else arch)
        self._freeze_stages()

    def set_arch(self, arch: Union[str, Sequence[str]]) -> Arch:
        """Activate an architecture (validated); returns it as a tuple of tokens."""
        arch = self.space.parse(arch)
        for block, token in zip(self.layers, arch):
            block.set_token(token)
        self.arch = arch
        return arch

    def static_net(self, arch: Union[str, Sequence[str]]) -> SGNASNet:
        """The static network of ``arch`` in this supernet's variant (the network the FLOPs
        table counts and export fills)."""
        return SGNASNet(arch, self.variant, init_cfg=None)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return self.forward_blocks(x, lambda i, block, h: block(h))

    def forward_soft(self, x: torch.Tensor, arch_weights: torch.Tensor) -> Tuple[torch.Tensor]:
        """Forward with soft architecture weights ``(19, 6, 4)`` over (3, 5, 7, skip) per
        sub-block, as the generator trains it; returns the out-index features as
        :meth:`forward` does. With one-hot weights it equals the hard forward of that
        architecture (eval mode)."""
        if arch_weights.shape != self.space.shape:
            raise ValueError(f'arch_weights has shape {tuple(arch_weights.shape)}, expected '
                             f'{self.space.shape}')
        return self.forward_blocks(x, lambda i, block, h: block.forward_soft(h, arch_weights[i]))

    def init_weights(self) -> None:
        super().init_weights()
        pretrained = isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'
        if self.zero_init_residual and not pretrained:
            for block in self.layers:
                if block.residual:
                    for bn in block.shadow_bn.bns:
                        nn.init.zeros_(bn.weight)
