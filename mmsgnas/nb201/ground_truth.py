"""Ground truth of NAS-Bench-201: test accuracy (200 epochs) on three datasets."""
import csv
import gzip
import os.path as osp
from functools import lru_cache
from typing import Dict, Sequence, Union

from .space import NUM_ARCHS, format_nb201

DATASETS = ('cifar10', 'cifar100', 'imagenet16-120')
COLUMNS = dict(cifar10='CIFAR10TestAccuracy200Epochs', cifar100='CIFAR100TestAccuracy200Epochs',
               **{'imagenet16-120': 'ImageNetTestAccuracy200Epochs'})
DEFAULT_FILE = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'data',
                        'nas_bench_201', 'nb201_test_accuracy_200ep.csv.gz')


class NB201GroundTruth:
    """Test accuracy of every NB201 architecture, looked up by its string.

    Args:
        path: the benchmark's CSV (``.csv`` or ``.csv.gz``; columns
            ``CIFAR10TestAccuracy200Epochs``, ``CIFAR100TestAccuracy200Epochs``,
            ``ImageNetTestAccuracy200Epochs``, ``ArchitectureString``). Default: the copy
            shipped in ``data/nas_bench_201``.
    """

    def __init__(self, path: str = DEFAULT_FILE) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'NAS-Bench-201 ground-truth file {path!r} does not exist (expected the '
                f'benchmark CSV, e.g. data/nas_bench_201/nb201_test_accuracy_200ep.csv.gz)')
        opener = gzip.open if path.endswith('.gz') else open
        with opener(path, 'rt', newline='') as f:
            reader = csv.DictReader(f)
            needed = set(COLUMNS.values()) | {'ArchitectureString'}
            if not needed <= set(reader.fieldnames or ()):
                raise ValueError(f'{path!r} lacks the columns {sorted(needed - set(reader.fieldnames or ()))}')
            self.table: Dict[str, Dict[str, float]] = {
                format_nb201(row['ArchitectureString']):
                {d: float(row[c]) for d, c in COLUMNS.items()}
                for row in reader}
        if len(self.table) != NUM_ARCHS:
            raise ValueError(f'{path!r} holds {len(self.table)} distinct architectures, '
                             f'expected {NUM_ARCHS}')
        self.path = path

    @classmethod
    @lru_cache(maxsize=None)
    def get(cls, path: str = DEFAULT_FILE) -> 'NB201GroundTruth':
        return cls(path)

    def accuracy(self, arch: Union[str, Sequence[str]], dataset: str = 'cifar10') -> float:
        if dataset not in DATASETS:
            raise ValueError(f'unknown dataset {dataset!r}, expected one of {DATASETS}')
        return self.table[format_nb201(arch)][dataset]

    def best(self, dataset: str = 'cifar10') -> float:
        return max(v[dataset] for v in self.table.values())
