import importlib.util
import os
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def pytest_configure(config):
    """Under pytest-xdist (``tools/run_tests.sh`` runs ``-n 2``) the workers share the cores:
    each worker, and the processes its tests start, get ``cores // workers`` threads."""
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    if workers > 1:
        threads = max(1, (os.cpu_count() or 1) // workers)
        os.environ['OMP_NUM_THREADS'] = str(threads)
        torch.set_num_threads(threads)


def pytest_collection_modifyitems(items):
    """Modules with slow (end-to-end) tests first, in their collected order, so that under
    ``--dist loadfile`` the long files start first and the short ones fill in the end."""
    slow = {item.path for item in items if item.get_closest_marker('slow')}
    items.sort(key=lambda item: item.path not in slow)


def load_tool(path: str):
    """A script of the repository (``tools/...``, relative to its root) as a module."""
    spec = importlib.util.spec_from_file_location(osp.basename(path)[:-3], osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def synthetic_sgnas_latency(seed: int = 0, variant: str = 'cifar', size: int = 32,
                            runtime: str = 'pytorch', batch: int = 1):
    """An SGNAS latency table of this machine, not measured: per layer and block a value
    growing with its kernels plus noise; for the lookup logic and for latency configs."""
    import random

    from mmsgnas.latency import SGNASLatencyTable, block_signatures, device_name
    from mmsgnas.spaces.sgnas import NUM_LAYERS
    rng = random.Random(seed)
    header = dict(space='sgnas', variant=variant, input_size=size, batch=batch,
                  device=device_name(), runtime=runtime, threads=1, warmup=1, repeats=3,
                  rounds=3, statistic='median')
    def ms(sig: str) -> float:  # grows with the kernels, plus noise
        work = sum(int(k) * int(n) for k, n in (run.split('x') for run in sig.split('+')))
        return 0.01 * work + rng.uniform(0.0, 0.05)

    layers = [{sig: ms(sig) for sig in block_signatures()} for _ in range(NUM_LAYERS)]
    return SGNASLatencyTable(header, stem=0.3, head=0.2, layers=layers)
