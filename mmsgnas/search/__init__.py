from .evolution import evolution_search, random_search
from .prior_pool import PriorPool
from .repair import fill, fit_budget, repair
from .report import write_results
from .subnet_evaluator import SubnetEvaluator, calibration
from .targets import targets_in

__all__ = [
    'PriorPool', 'SubnetEvaluator', 'calibration', 'evolution_search', 'fill', 'fit_budget',
    'random_search', 'repair', 'targets_in', 'write_results'
]
