from .evolution import evolution_search, random_search
from .prior_pool import PriorPool
from .repair import repair, shrink_moves
from .report import write_results
from .subnet_evaluator import SubnetEvaluator
from .targets import targets_in

__all__ = [
    'PriorPool', 'SubnetEvaluator', 'evolution_search', 'random_search', 'repair',
    'shrink_moves', 'targets_in', 'write_results'
]
