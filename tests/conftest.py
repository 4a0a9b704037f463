import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO


def random_archs(seed: int, n: int) -> list:
    """``n`` forced-sampling SGNAS architectures from ``ArchSampler(seed)``."""
    from mmsgnas.spaces import ArchSampler
    sampler = ArchSampler(seed)
    return [sampler.sample() for _ in range(n)]


# the NAS stage configs (configs/sgnas/)
SUPERNET_CONFIG = 'sgnas_unified-supernet_1xb32-2e_cifar10-subset.py'
GENERATOR_CONFIG = 'sgnas_generator_unified-supernet_1xb64-5e_cifar10-subset.py'
SEARCH_CONFIG = 'sgnas_search_unified-supernet_1xb32_cifar10-subset.py'
NB201_SUPERNET_CONFIG = 'sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py'
NB201_GENERATOR_CONFIG = 'sgnas_generator_nb201-supernet_1xb64-20e_cifar10-subset.py'
NB201_SEARCH_CONFIG = 'sgnas_search_nb201-supernet_1xb64_cifar10-subset.py'
