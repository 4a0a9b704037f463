"""Mixed precision without a GPU: bfloat16 autocast, no loss scaling."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from mmsgnas.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16AmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under ``torch.autocast(dtype=torch.bfloat16)`` on
    the model's device. mmengine's ``AmpOptimWrapper`` needs a GPU; bfloat16 needs no loss
    scaling, so this is all ``--amp`` takes on a CPU-only machine."""

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        device = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device, dtype=torch.bfloat16):
            yield
