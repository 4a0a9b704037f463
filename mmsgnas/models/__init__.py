from .dropout_linear_head import DropoutLinearClsHead
from .nb201_supernet import NB201Net, NB201Supernet
from .export import load_from_supernet, static_state_dict
from .sgnas_generator import SGNASGenerator
from .sgnas_net import SGNASNet
from .shadow_bn import ShadowBatchNorm
from .unified_supernet import UnifiedSupernet

__all__ = [
    'DropoutLinearClsHead', 'NB201Net', 'NB201Supernet', 'SGNASGenerator', 'SGNASNet', 'ShadowBatchNorm', 'UnifiedSupernet', 'load_from_supernet', 'static_state_dict'
]
