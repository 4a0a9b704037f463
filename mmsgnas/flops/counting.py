"""Conv multiply-accumulates of a network, measured with ``mmengine.analysis``."""
from typing import Dict

import torch
from mmengine.analysis import FlopAnalyzer
from torch import nn


def count_conv_macs(model: nn.Module, input_size: int) -> Dict[str, int]:
    """Conv MACs per module of ``model`` at batch 1 (``''``: the whole model)."""
    model = model.eval()
    analyzer = FlopAnalyzer(model, torch.zeros(1, 3, input_size, input_size))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    per_module = analyzer.by_module_and_operator()
    return {name: int(ops.get('conv', 0)) for name, ops in per_module.items()}
