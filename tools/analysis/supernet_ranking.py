"""How well a supernet discriminates: random architectures scored as the search scores them.

    python tools/analysis/supernet_ranking.py configs/sgnas/sgnas_search_nb201-supernet_1xb64_cifar10-subset.py \
        work_dirs/nb201/supernet/epoch_60.pth [--num 100] [--out ranking.json]
    python tools/analysis/supernet_ranking.py configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py \
        work_dirs/quickstart/supernet/epoch_2.pth

Samples ``--num`` architectures uniformly from the space (the training sampler), scores each
with the search evaluator of the config (its split, batch size and BN recalibration) and
prints: the median, quartiles and range of their inherited top-1; one standard error of a
top-1 on that split; per FLOPs quintile, the spread of top-1 (standard deviation, best -
worst) next to the standard error, so "architectures at the same FLOPs differ by more than
the noise" can be read off; Kendall tau between FLOPs and top-1; on NAS-Bench-201, Kendall
tau against the benchmark's CIFAR-10 ground truth.
"""
import argparse
import json
import os
import os.path as osp

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from scipy.stats import kendalltau

import mmsgnas  # noqa: F401  (registries, checkpoint allow-list)
from mmsgnas.analysis.nb201_ground_truth import NB201GroundTruth
from mmsgnas.search import SubnetEvaluator, calibration, standard_error
from mmsgnas.spaces import NB201Space


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a search config (model + test_dataloader + test_cfg)')
    parser.add_argument('supernet_checkpoint')
    parser.add_argument('--num', type=int, default=100, help='random architectures')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=None, help='JSON output path')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.num < 5:
        raise ValueError(f'--num must be at least 5 (one per FLOPs quintile), got {args.num}')

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.model.supernet_checkpoint = args.supernet_checkpoint
    DefaultScope.get_instance('supernet_ranking', scope_name=cfg.get('default_scope',
                                                                      'mmpretrain'))
    from mmengine.registry import MODELS
    model = MODELS.build(cfg.model)  # the generator network is not used
    model.eval()
    space = model.space
    evaluator = SubnetEvaluator(model.supernet, Runner.build_dataloader(cfg.test_dataloader),
                                *calibration(cfg.test_cfg),
                                data_preprocessor=model.data_preprocessor)
    images = sum(len(labels) for _, labels in evaluator.batches)
    sampler = space.sampler(args.seed)
    archs = list(dict.fromkeys(sampler.sample() for _ in range(args.num)))
    top1 = np.array([evaluator.top1(a) for a in archs])
    flops = np.array([model.table.mflops(a) for a in archs])
    median = float(np.median(top1))
    se = standard_error(median, images)

    result = dict(num=len(archs), images=images, median=median,
                  quartiles=[float(q) for q in np.percentile(top1, [25, 75])],
                  min=float(top1.min()), max=float(top1.max()), standard_error=se,
                  flops_tau=float(kendalltau(flops, top1).statistic), bins=[])
    print(f'{len(archs)} random architectures, inherited top-1 on {images} images: median '
          f'{median:.2f} %, quartiles {result["quartiles"][0]:.2f} / '
          f'{result["quartiles"][1]:.2f}, range {result["min"]:.2f}-{result["max"]:.2f}; one '
          f'standard error {se:.2f} points; Kendall tau(FLOPs, top-1) '
          f'{result["flops_tau"]:.3f}')
    print('\n| FLOPs quintile (M) | archs | median top-1 | std | best - worst | std / SE |'
          '\n|---|---|---|---|---|---|')
    order = np.argsort(flops)
    for part in np.array_split(order, 5):
        acc = top1[part]
        row = dict(flops=[float(flops[part].min()), float(flops[part].max())], n=len(part),
                   median=float(np.median(acc)), std=float(acc.std(ddof=1)),
                   spread=float(acc.max() - acc.min()))
        result['bins'].append(row)
        print(f"| {row['flops'][0]:.1f}-{row['flops'][1]:.1f} | {row['n']} | "
              f"{row['median']:.2f} | {row['std']:.2f} | {row['spread']:.2f} | "
              f"{row['std'] / se:.1f} |")
    if isinstance(space, NB201Space):
        truth = NB201GroundTruth.get()
        gt = np.array([truth.accuracy(a, 'cifar10') for a in archs])
        result['ground_truth_tau'] = float(kendalltau(top1, gt).statistic)
        print(f'\nKendall tau against the NAS-Bench-201 CIFAR-10 ground truth (200 epochs): '
              f'{result["ground_truth_tau"]:.3f} (FLOPs alone: '
              f'{kendalltau(flops, gt).statistic:.3f})')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(result, archs=[space.format(a) for a in archs],
                           top1=top1.tolist()), f, indent=1)
    return result


if __name__ == '__main__':
    main()
