from .bn_calibration import calibrate_bn, preserved_bn_statistics, recalibrating_bn
from .budget_fitting import (FILL_TOLERANCE, check_fill_tolerance, fill, fit_budget, op_floors,
                             repair)
from .evaluator import SubnetEvaluator, calibration, file_digest, model_identity
from .evolution import evolution_search, random_search
from .report import read_results, standard_error, write_results
from .targets import targets_in

__all__ = [
    'FILL_TOLERANCE', 'SubnetEvaluator', 'calibrate_bn', 'calibration', 'check_fill_tolerance',
    'evolution_search', 'file_digest', 'fill',
    'fit_budget', 'model_identity', 'op_floors',
    'preserved_bn_statistics', 'random_search', 'read_results', 'recalibrating_bn', 'repair',
    'standard_error',
    'targets_in', 'write_results'
]
