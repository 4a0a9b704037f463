from .evolution import evolution_search, random_search
from .prior_pool import PriorPool
from .repair import fill, fit_budget, grow_moves, repair, shrink_moves
from .report import write_results
from .subnet_evaluator import SubnetEvaluator
from .targets import targets_in

__all__ = [
    'PriorPool', 'SubnetEvaluator', 'evolution_search', 'fill', 'fit_budget', 'grow_moves',
    'random_search', 'repair', 'shrink_moves', 'targets_in', 'write_results'
]
