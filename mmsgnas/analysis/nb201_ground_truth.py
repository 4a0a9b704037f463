"""Ground truth of NAS-Bench-201: test accuracy (200 epochs) on three datasets."""
import csv
import gzip
import os.path as osp
from functools import lru_cache
from typing import Dict, Sequence, Union

from mmsgnas.spaces import NB201Space
from mmsgnas.spaces.nb201 import NUM_ARCHS

DATASETS = ('cifar10', 'cifar100', 'imagenet16-120')
COLUMNS = dict(cifar10='CIFAR10TestAccuracy200Epochs', cifar100='CIFAR100TestAccuracy200Epochs',
               **{'imagenet16-120': 'ImageNetTestAccuracy200Epochs'})
PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))
RELATIVE_FILE = osp.join('data', 'nas_bench_201', 'nb201_test_accuracy_200ep.csv.gz')


def default_file() -> str:
    """The embedded copy: in the repository (a clone, an editable install) or, for an
    installed package, under ``mmsgnas/.mim`` (where the install puts the data)."""
    for root in (osp.dirname(PACKAGE), osp.join(PACKAGE, '.mim')):
        if osp.isfile(osp.join(root, RELATIVE_FILE)):
            return osp.join(root, RELATIVE_FILE)
    return osp.join(osp.dirname(PACKAGE), RELATIVE_FILE)  # the error names the clone's path


DEFAULT_FILE = default_file()


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
                NB201Space.format(row['ArchitectureString']):
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
        return self.table[NB201Space.format(arch)][dataset]

    def best(self, dataset: str = 'cifar10') -> float:
        return max(v[dataset] for v in self.table.values())
