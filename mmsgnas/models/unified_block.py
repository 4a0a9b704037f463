"""The unified block of the SGNAS supernet."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import nn

from mmsgnas.space.arch import KERNELS, NUM_SUBBLOCKS, layer_kernels
from .backbone_utils import build_act
from .shadow_bn import ShadowBatchNorm

Run = Tuple[int, int, int]  # (kernel, first channel, end channel) of consecutive sub-blocks


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

