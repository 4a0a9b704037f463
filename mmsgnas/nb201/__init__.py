"""NAS-Bench-201: the cell space, its ground truth and its FLOPs table."""
from .flops import NB201FlopsTable, measure_nb201_macs
from .ground_truth import DATASETS, NB201GroundTruth
from .space import (EDGES, NUM_ARCHS, NUM_EDGES, NUM_OPS, OPS, NB201Arch, NB201Sampler,
                    all_nb201_archs, decode_nb201, format_nb201, nb201_index, nb201_to_onehot,
                    parse_nb201)

__all__ = [
    'DATASETS', 'EDGES', 'NUM_ARCHS', 'NUM_EDGES', 'NUM_OPS', 'OPS', 'NB201Arch',
    'NB201FlopsTable', 'NB201GroundTruth', 'NB201Sampler', 'all_nb201_archs', 'decode_nb201',
    'format_nb201', 'measure_nb201_macs', 'nb201_index', 'nb201_to_onehot', 'parse_nb201'
]
