"""A linear classifier head with dropout before the classifier (the published recipe's 0.2)."""
from typing import Tuple

import torch
from mmpretrain.models.heads import LinearClsHead
from torch import nn

from mmsgnas.registry import MODELS


@MODELS.register_module()
class DropoutLinearClsHead(LinearClsHead):
    """mmpretrain's ``LinearClsHead`` with dropout on the pooled features.

    mmpretrain's ``LinearClsHead`` has no dropout and ``StackedLinearClsHead`` drops out only
    between hidden layers; the SGNAS (and MobileNetV2 / EfficientNet) recipe drops out right
    before the classifier.

    Args:
        dropout_rate: probability of zeroing a feature during training, in ``[0, 1)``.
        **kwargs: as ``LinearClsHead`` (``num_classes``, ``in_channels``, ``loss``, ...).

    Shapes:
        forward: tuple ending with ``(N, in_channels)`` -> ``(N, num_classes)``.
    """

    def __init__(self, dropout_rate: float = 0.2, **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= dropout_rate < 1:
            raise ValueError(f'dropout_rate must be in [0, 1), got {dropout_rate!r}')
        self.dropout = nn.Dropout(dropout_rate)

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        return self.dropout(feats[-1])
