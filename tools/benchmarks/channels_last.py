"""The generator's scoring forward and the search evaluator, default layout vs channels-last.

    python tools/benchmarks/channels_last.py [--batch-size 128] [--repeat 5] [--eval-images 1024]
        [--train-batch-size 64]

For each generator config (REINFORCE, both spaces; random supernet weights: the time does
not depend on them), the smallest, a seeded random and the largest architecture: the median
wall time of one no-grad scoring forward (``SGNASGenerator.arch_ce``, what REINFORCE, the
memory, the mutants and the sweep run) with ``channels_last=False`` and ``True`` side by
side, their ratio, and the largest difference of the CE between them; then the same for one
search evaluation (``SubnetEvaluator.top1`` of the architecture on ``--eval-images`` cached
random images in batches of 64, no BN recalibration; the evaluator's ``channels_last`` as the
model's), with the difference of the top-1; then, for the NB201 supernet config, one
training step (forward, backward, SGD step on ``--train-batch-size`` images) of each
architecture with the backbone's ``channels_last=False`` and ``True``, with the difference of
the loss. Three Markdown tables.
"""
import argparse
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmsgnas.search import SubnetEvaluator

CONFIGS = {
    'nb201': 'configs/sgnas/sgnas_generator-reinforce_nb201-supernet_1xb128-120e_cifar10-subset.py',
    'sgnas': 'configs/sgnas/sgnas_generator-reinforce_unified-supernet_1xb64-40e_cifar10-subset.py',
}
NB201_SUPERNET = 'configs/sgnas/sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py'


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
    parser.add_argument('--eval-images', type=int, default=1024)
    parser.add_argument('--train-batch-size', type=int, default=64)
    parser.add_argument('--spaces', nargs='+', default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args(argv)
    if min(args.batch_size, args.repeat, args.eval_images, args.train_batch_size) < 1:
        raise ValueError(f'--batch-size, --repeat, --eval-images and --train-batch-size must '
                         f'be >= 1, got {args.batch_size}, {args.repeat}, {args.eval_images} '
                         f'and {args.train_batch_size}')
    init_default_scope('mmpretrain')
    inputs = torch.randn(args.batch_size, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(args.batch_size)]
    rows = []
    print(f'| space | architecture | default (ms) | channels-last (ms) | speed-up | CE difference |'
          f'\n|---|---|---|---|---|---|')
    models, archs = {}, {}
    for space in args.spaces:
        models[space] = {cl: build(CONFIGS[space], cl) for cl in (False, True)}
        reference = models[space][False].space.reference_archs()
        archs[space] = dict(smallest=reference['smallest'],
                            random=models[space][False].space.sampler(0).sample(),
                            largest=reference['largest'])
        for name, arch in archs[space].items():
            pair = models[space]
            ms = {cl: median_ms(lambda m=m: m.arch_ce(inputs, samples, arch), args.repeat)
                  for cl, m in pair.items()}
            diff = abs(pair[True].arch_ce(inputs, samples, arch).item()
                       - pair[False].arch_ce(inputs, samples, arch).item())
            rows.append(dict(space=space, arch=name, stage='scoring', default=ms[False],
                             channels_last=ms[True], diff=diff))
            print(f'| {space} | {name} | {ms[False]:.1f} | {ms[True]:.1f} | '
                  f'{ms[False] / ms[True]:.2f}x | {diff:.1e} |', flush=True)
    print(f'\n| space | architecture | evaluation, default (ms) | channels-last (ms) | speed-up '
          f'| top-1 difference |\n|---|---|---|---|---|---|')
    batches = eval_batches(args.eval_images)
    for space in args.spaces:
        # one evaluator per layout (the split preprocessed once), scoring every architecture
        evaluators = {cl: SubnetEvaluator(m.supernet, batches, channels_last=cl,
                                          data_preprocessor=m.data_preprocessor)
                      for cl, m in models[space].items()}
        for name, arch in archs[space].items():
            ms, top1 = {}, {}
            for cl, evaluator in evaluators.items():
                # each call a fresh score: the evaluator remembers the architectures it scored
                ms[cl] = median_ms(lambda e=evaluator: e.scores.clear() or e.top1(arch),
                                   args.repeat)
                top1[cl] = evaluator.top1(arch)
            diff = abs(top1[True] - top1[False])
            rows.append(dict(space=space, arch=name, stage='evaluation', default=ms[False],
                             channels_last=ms[True], diff=diff))
            print(f'| {space} | {name} | {ms[False]:.1f} | {ms[True]:.1f} | '
                  f'{ms[False] / ms[True]:.2f}x | {diff:.2f} |', flush=True)
    if 'nb201' in args.spaces:
        rows += training_steps(archs['nb201'], args.repeat, args.train_batch_size)
    return rows


def training_steps(archs: dict, repeat: int, batch_size: int) -> list:
    """One SGD step of the NB201 supernet per architecture, default layout vs channels-last
    activations (the backbone's option); a table row each."""
    inputs = torch.randn(batch_size, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(batch_size)]
    print('\n| space | architecture | supernet training step, default (ms) | channels-last (ms) '
          '| speed-up | loss difference |\n|---|---|---|---|---|---|')
    rows = []
    config = Config.fromfile(NB201_SUPERNET).model
    for name, arch in archs.items():
        ms, loss = {}, {}
        for cl in (False, True):
            torch.manual_seed(0)
            model = MODELS.build(dict(config, backbone=dict(config.backbone, arch=arch,
                                                            channels_last=cl))).train()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

            def step(model=model, optimizer=optimizer):
                optimizer.zero_grad()
                value = model.loss(inputs, samples)['loss']
                value.backward()
                optimizer.step()
                return value

            loss[cl] = step().item()  # the first step (also the warm-up), from equal weights
            ms[cl] = median_ms(step, repeat)
        diff = abs(loss[True] - loss[False])
        rows.append(dict(space='nb201', arch=name, stage='training', default=ms[False],
                         channels_last=ms[True], diff=diff))
        print(f'| nb201 | {name} | {ms[False]:.1f} | {ms[True]:.1f} | '
              f'{ms[False] / ms[True]:.2f}x | {diff:.1e} |', flush=True)
    return rows


def eval_batches(num_images: int, batch_size: int = 64) -> list:
    """``num_images`` seeded random uint8 images with labels, as loader batches."""
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 255, (num_images, 3, 32, 32), generator=g, dtype=torch.uint8)
    return [dict(inputs=list(images[i:i + batch_size]),
                 data_samples=[DataSample().set_gt_label(int(j % 10))
                               for j in range(i, min(i + batch_size, num_images))])
            for i in range(0, num_images, batch_size)]


if __name__ == '__main__':
    main()
