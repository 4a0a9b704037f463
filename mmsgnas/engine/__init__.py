from .bf16_amp_optim_wrapper import BF16AmpOptimWrapper
from mmsgnas.checkpoint_globals import allow_mmengine_checkpoints
from .generator_hook import GeneratorHook, constraint_metrics
from .generator_train_loop import GeneratorTrainLoop
from .search_loops import EvolutionSearchLoop, GeneratorSearchLoop, RandomSearchLoop
from .subnet_val_loop import SubnetValLoop, fixed_subnets
from .supernet_access import get_supernet
from .supernet_train_loop import SupernetTrainLoop

__all__ = [
    'BF16AmpOptimWrapper', 'EvolutionSearchLoop', 'GeneratorHook', 'GeneratorSearchLoop',
    'GeneratorTrainLoop', 'RandomSearchLoop', 'SubnetValLoop',
    'SupernetTrainLoop', 'allow_mmengine_checkpoints', 'constraint_metrics', 'fixed_subnets',
    'get_supernet'
]
