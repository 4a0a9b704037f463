"""Shadow batch normalisation: one BN per expansion rate."""
from typing import Sequence

import torch
from mmcv.cnn import build_norm_layer
from torch import nn

from mmsgnas.registry import MODELS


@MODELS.register_module()
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
