"""Loader throughput of the embedded CIFAR-10 subset: files per sample vs decoded once.

    python tools/benchmarks/data_loading.py [--epochs 3] [--workers 0 1]

Builds the training dataloader of ``configs/_base_/datasets/cifar10_subset.py`` (mmpretrain's
``CustomDataset``, ``LoadImageFromFile`` per sample) and of
``cifar10_subset_in_memory.py`` (``mmsgnas.InMemoryCustomDataset``, the same augmentations),
at the supernet configs' batch size, and times whole epochs (batches as the runner gets them,
collated). Prints images per second side by side, with the ratio, and the in-memory
dataset's build time (the one-off decoding).
"""
import argparse
import os.path as osp
import time

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmsgnas  # noqa: F401

BASES = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
                 '_base_', 'datasets')


def throughput(name: str, workers: int, epochs: int, batch_size: int) -> tuple:
    cfg = Config.fromfile(osp.join(BASES, name)).train_dataloader
    cfg.update(batch_size=batch_size, num_workers=workers, persistent_workers=workers > 0,
               collate_fn=dict(type='default_collate'))
    start = time.perf_counter()
    loader = Runner.build_dataloader(cfg)
    build_s = time.perf_counter() - start
    images = 0
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in loader:
            images += len(batch['data_samples'])
    return images / (time.perf_counter() - start), build_s


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1])
    args = parser.parse_args(argv)
    init_default_scope('mmpretrain')
    print('| loader workers | files (images/s) | in memory (images/s) | ratio | in-memory '
          'build (s) |\n|---|---|---|---|---|')
    rows = {}
    for workers in args.workers:
        files, _ = throughput('cifar10_subset.py', workers, args.epochs, args.batch_size)
        memory, build = throughput('cifar10_subset_in_memory.py', workers, args.epochs,
                                   args.batch_size)
        rows[workers] = dict(files=files, memory=memory, build_s=build)
        print(f'| {workers} | {files:.0f} | {memory:.0f} | {memory / files:.2f}x | {build:.1f} |')
    return rows


if __name__ == '__main__':
    main()
