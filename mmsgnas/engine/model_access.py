"""Find the model, and the supernet, inside a (possibly wrapped) model."""
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside an mmengine / DDP wrapper, or the model itself."""
    return model.module if is_model_wrapper(model) else model


def get_supernet(model: nn.Module) -> nn.Module:
    """The backbone of ``model`` that can ``set_arch`` (the UnifiedSupernet)."""
    model = unwrap(model)
    backbone = getattr(model, 'backbone', model)
    if not hasattr(backbone, 'set_arch'):
        raise TypeError(f'the model\'s backbone is {type(backbone).__name__}, expected a '
                        f'supernet with set_arch() (e.g. mmsgnas.UnifiedSupernet)')
    return backbone
