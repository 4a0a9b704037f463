from .distributed import close_distributed, use_cpu_distributed
from .generator_loops import GeneratorHook, GeneratorTrainLoop, cost_metrics
from .model_access import get_supernet, unwrap
from .optim_wrappers import BF16AmpOptimWrapper
from .search_loops import EvolutionSearchLoop, GeneratorSearchLoop, RandomSearchLoop
from .supernet_loops import SubnetValLoop, SupernetTrainLoop, distill_loss, fixed_subnets

__all__ = [
    'BF16AmpOptimWrapper', 'EvolutionSearchLoop', 'GeneratorHook', 'GeneratorSearchLoop',
    'GeneratorTrainLoop', 'RandomSearchLoop', 'SubnetValLoop', 'SupernetTrainLoop',
    'close_distributed', 'distill_loss', 'fixed_subnets', 'cost_metrics', 'get_supernet',
    'unwrap', 'use_cpu_distributed'
]
