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
