from .bf16_amp_optim_wrapper import BF16AmpOptimWrapper
from .checkpoint_globals import allow_mmengine_checkpoints
from .subnet_val_loop import SubnetValLoop, fixed_subnets
from .supernet_access import get_supernet
from .supernet_train_loop import SupernetTrainLoop

__all__ = [
    'BF16AmpOptimWrapper', 'SubnetValLoop', 'SupernetTrainLoop', 'allow_mmengine_checkpoints',
    'fixed_subnets', 'get_supernet'
]
