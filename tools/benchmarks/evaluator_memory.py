"""Peak memory of a search's evaluator: the split cached in memory vs streamed.

    python tools/benchmarks/evaluator_memory.py [--size 224] [--repeat 4] [--archs 1]

The split: the embedded CIFAR-10 val images, resized to ``--size`` px and repeated
``--repeat`` times (mmengine's ``RepeatDataset``): about 2.4 GB as float tensors at 224 px x 4,
far above the evaluator's cache limit (512 MB). Each mode runs in its own process (so the
peaks do not mix): build ``SubnetEvaluator`` on the NAS-Bench-201 proxy supernet, score
``--archs`` architectures (the space's cheapest first, then random ones: the forwards'
cost is not what is measured), report the peak resident memory (``ru_maxrss``) and the
time. Prints one Markdown table with both modes and their ratio, and the mode ``cache=None``
picks for this split.
"""
import argparse
import json
import os.path as osp
import resource
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def measure(cache: str, size: int, repeat: int, archs: int) -> dict:
    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope
    from mmengine.runner import Runner

    import mmsgnas  # noqa: F401
    from mmsgnas.search import SubnetEvaluator
    torch.set_num_threads(2)
    DefaultScope.get_instance('evaluator_memory', scope_name='mmpretrain')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas',
                                   'sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py'))
    model = MODELS.build(cfg.model).eval()
    dataset = dict(cfg.val_dataloader.dataset, type='CustomDataset', pipeline=[
        dict(type='LoadImageFromFile'), dict(type='Resize', scale=(size, size)),
        dict(type='PackInputs')])
    loader = Runner.build_dataloader(dict(
        batch_size=64, num_workers=2, dataset=dict(type='RepeatDataset', times=repeat,
                                                   dataset=dataset),
        sampler=dict(type='DefaultSampler', shuffle=False, round_up=False)))
    start = time.perf_counter()
    evaluator = SubnetEvaluator(model, loader, cache={'cached': True, 'streamed': False,
                                                       'auto': None}[cache])
    space = model.backbone.space
    sampler = space.sampler(0)
    for i in range(archs):
        evaluator.top1(space.reference_archs()['smallest'] if i == 0 else sampler.sample())
    return dict(mode=cache, cached=evaluator.cache, images=evaluator.num_images,
                seconds=time.perf_counter() - start,
                peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--repeat', type=int, default=4)
    parser.add_argument('--archs', type=int, default=1)
    parser.add_argument('--mode', default=None, help=argparse.SUPPRESS)  # one child process
    args = parser.parse_args(argv)
    if args.mode:
        print(json.dumps(measure(args.mode, args.size, args.repeat, args.archs)))
        return []
    rows = []
    for mode in ('streamed', 'cached', 'auto'):
        out = subprocess.run([sys.executable, __file__, '--mode', mode, '--size', str(args.size),
                              '--repeat', str(args.repeat), '--archs', str(args.archs)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    tensor_mb = rows[0]['images'] * 3 * args.size**2 * 4 / 2**20
    print(f"{rows[0]['images']} images at {args.size} px ({tensor_mb:.0f} MB as float tensors), "
          f'{args.archs} architectures scored')
    print('| mode | kept in memory | peak RSS (MB) | time (s) |\n|---|---|---|---|')
    for r in rows:
        print(f"| {r['mode']} | {r['cached']} | {r['peak_mb']:.0f} | {r['seconds']:.1f} |")
    print(f"cached / streamed peak: {rows[1]['peak_mb'] / rows[0]['peak_mb']:.2f}x; "
          f"cache=None picked {'the cache' if rows[2]['cached'] else 'streaming'}")
    return rows


if __name__ == '__main__':
    main()
