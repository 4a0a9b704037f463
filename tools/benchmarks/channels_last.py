"""The generator's scoring forward in the default memory format vs channels-last.

    python tools/benchmarks/channels_last.py [--batch-size 128] [--repeat 5]

For each generator config (REINFORCE, both spaces; random supernet weights: the time does
not depend on them), the smallest, a seeded random and the largest architecture: the median
wall time of one no-grad scoring forward (``SGNASGenerator.arch_ce``, what REINFORCE, the
memory, the mutants and the sweep run) with ``channels_last=False`` and ``True`` side by
side, their ratio, and the largest difference of the CE between them. One Markdown table.
"""
import argparse
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmsgnas  # noqa: F401

CONFIGS = {
    'nb201': 'configs/sgnas/sgnas_generator-reinforce_nb201-supernet_1xb128-120e_cifar10-subset.py',
    'sgnas': 'configs/sgnas/sgnas_generator-reinforce_unified-supernet_1xb64-40e_cifar10-subset.py',
}


def build(config: str, channels_last: bool):
    cfg = Config.fromfile(config)
    cfg.model.supernet_checkpoint = None
    cfg.model.channels_last = channels_last
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--spaces', nargs='+', default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args(argv)
    if args.batch_size < 1 or args.repeat < 1:
        raise ValueError(f'--batch-size and --repeat must be >= 1, got {args.batch_size} '
                         f'and {args.repeat}')
    init_default_scope('mmpretrain')
    inputs = torch.randn(args.batch_size, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(args.batch_size)]
    rows = []
    print(f'| space | architecture | default (ms) | channels-last (ms) | speed-up | CE difference |'
          f'\n|---|---|---|---|---|---|')
    for space in args.spaces:
        models = {cl: build(CONFIGS[space], cl) for cl in (False, True)}
        reference = models[False].space.reference_archs()
        archs = dict(smallest=reference['smallest'],
                     random=models[False].space.sampler(0).sample(),
                     largest=reference['largest'])
        for name, arch in archs.items():
            ms = {cl: median_ms(lambda m=m: m.arch_ce(inputs, samples, arch), args.repeat)
                  for cl, m in models.items()}
            diff = abs(models[True].arch_ce(inputs, samples, arch).item()
                       - models[False].arch_ce(inputs, samples, arch).item())
            rows.append(dict(space=space, arch=name, default=ms[False], channels_last=ms[True],
                             diff=diff))
            print(f'| {space} | {name} | {ms[False]:.1f} | {ms[True]:.1f} | '
                  f'{ms[False] / ms[True]:.2f}x | {diff:.1e} |', flush=True)
    return rows


if __name__ == '__main__':
    main()
