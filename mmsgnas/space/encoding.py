"""Architectures as tensors: one-hot ``(19, 6, 4)`` over ``(3, 5, 7, skip)`` per sub-block."""
from typing import List, Sequence, Union

import torch

from .arch import (KERNELS, MIN_EXPANSION, NUM_LAYERS, NUM_SUBBLOCKS, SKIP, Arch, make_token,
                   parse_arch)

OPS = KERNELS + (SKIP, )  # index 0..2 the kernels, 3 the skip
NUM_OPS = len(OPS)
SKIP_INDEX = NUM_OPS - 1


def arch_to_onehot(arch: Union[str, Sequence[str]]) -> torch.Tensor:
    """``(19, 6, 4)`` float one-hot of an architecture."""
    onehot = torch.zeros(NUM_LAYERS, NUM_SUBBLOCKS, NUM_OPS)
    for layer, token in enumerate(parse_arch(arch)):
        for b, c in enumerate(token):
            onehot[layer, b, SKIP_INDEX if c == SKIP else KERNELS.index(int(c))] = 1
    return onehot


def skip_mask() -> torch.Tensor:
    """``(6, 4)`` bool: True where an op is not allowed (skip in sub-blocks 0 and 1)."""
    mask = torch.zeros(NUM_SUBBLOCKS, NUM_OPS, dtype=torch.bool)
    mask[:MIN_EXPANSION, SKIP_INDEX] = True
    return mask


def decode(weights: torch.Tensor) -> List[Arch]:
    """Hard architectures from ``(N, 19, 6, 4)`` (or ``(19, 6, 4)``) logits or probabilities.

    Per sub-block the argmax op (skip never chosen for sub-blocks 0 and 1); forced sampling
    then ends a layer at its first skip, so argmax ops ``5 7 3 s 7 7`` decode to ``'573sss'``.
    """
    if weights.dim() == 3:
        weights = weights[None]
    masked = weights.detach().masked_fill(skip_mask().to(weights.device), float('-inf'))
    choice = masked.argmax(-1).cpu().tolist()
    archs = []
    for arch_choice in choice:
        tokens = []
        for layer_choice in arch_choice:
            kernels = []
            for op in layer_choice:
                if op == SKIP_INDEX:
                    break
                kernels.append(KERNELS[op])
            tokens.append(make_token(kernels))
        archs.append(tuple(tokens))
    return archs
