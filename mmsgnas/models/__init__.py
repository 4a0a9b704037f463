from .dropout_linear_head import DropoutLinearClsHead
from .export import (export_subnet, load_from_supernet, nb201_state_dict, static_state_dict,
                     strip_prefix)
from .nb201_split_supernet import NB201SplitSupernet
from .nb201_supernet import NB201Net, NB201Supernet
from .sgnas_net import SGNASNet
from .unified_supernet import ShadowBatchNorm, UnifiedSupernet

__all__ = [
    'DropoutLinearClsHead', 'NB201Net', 'NB201SplitSupernet', 'NB201Supernet', 'SGNASNet',
    'ShadowBatchNorm', 'UnifiedSupernet', 'export_subnet', 'load_from_supernet',
    'nb201_state_dict', 'static_state_dict', 'strip_prefix'
]
