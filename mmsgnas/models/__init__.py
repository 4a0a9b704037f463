from .dropout_linear_head import DropoutLinearClsHead
from .export import load_from_supernet, static_state_dict
from .sgnas_generator import SGNASGenerator
from .sgnas_net import SGNASNet
from .shadow_bn import ShadowBatchNorm
from .unified_supernet import UnifiedSupernet

__all__ = [
    'DropoutLinearClsHead', 'SGNASGenerator', 'SGNASNet', 'ShadowBatchNorm', 'UnifiedSupernet', 'load_from_supernet', 'static_state_dict'
]
