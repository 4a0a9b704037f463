"""How well a supernet discriminates: random architectures scored as the search scores them.

    python tools/analysis/supernet_ranking.py configs/sgnas/sgnas_search_nb201-supernet_1xb64_cifar10-subset.py \
        work_dirs/nb201/supernet/epoch_60.pth [--num 100] [--out ranking.json]
    python tools/analysis/supernet_ranking.py configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py \
        work_dirs/quickstart/supernet/epoch_24.pth

Samples ``--num`` architectures uniformly from the space (the training sampler), scores each
with the search evaluator of the config (its split, batch size and BN recalibration) and
prints: the median, quartiles and range of their inherited top-1; one standard error of a
top-1 on that split; per FLOPs quintile, the spread of top-1 (standard deviation, best -
worst) next to the standard error, so "architectures at the same FLOPs differ by more than
the noise" can be read off; Kendall tau between FLOPs and top-1; on NAS-Bench-201, Kendall
tau against the benchmark's CIFAR-10 ground truth; the split-half correlation (top-1 on the
even vs the odd batches, per quintile and over all), which is about 0 when architectures differ
only by noise, and from it the noise of a top-1 relative to the other architectures on the
same images (what decides a comparison; the binomial standard error overstates it).
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, DefaultScope

import mmsgnas  # noqa: F401  (registries, checkpoint allow-list)
from mmsgnas.analysis.supernet_ranking import rank_random
from mmsgnas.search import SubnetEvaluator


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a search config (model + test_dataloader + test_cfg)')
    parser.add_argument('supernet_checkpoint')
    parser.add_argument('--num', type=int, default=100, help='random architectures')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=None, help='JSON output path')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.model.supernet_checkpoint = args.supernet_checkpoint
    DefaultScope.get_instance('supernet_ranking', scope_name=cfg.get('default_scope',
                                                                      'mmpretrain'))
    model = MODELS.build(cfg.model)  # the generator network is not used
    model.eval()
    r = rank_random(model.space, model.table, SubnetEvaluator.from_config(model, cfg),
                    args.num, args.seed)
    print(f"{r['num']} random architectures, inherited top-1 on {r['images']} images: median "
          f"{r['median']:.2f} %, quartiles {r['quartiles'][0]:.2f} / {r['quartiles'][1]:.2f}, "
          f"range {r['min']:.2f}-{r['max']:.2f}; one standard error {r['standard_error']:.2f} "
          f"points; Kendall tau(FLOPs, top-1) {r['flops_tau']:.3f}")
    print('\n| FLOPs quintile (M) | archs | median top-1 | std | best - worst | std / SE | '
          'split-half r | relative noise | std / noise |\n|---|---|---|---|---|---|---|---|---|')
    for b in r['bins']:
        print(f"| {b['flops'][0]:.1f}-{b['flops'][1]:.1f} | {b['n']} | {b['median']:.2f} | "
              f"{b['std']:.2f} | {b['spread']:.2f} | {b['std_over_se']:.1f} | "
              f"{b['split_half_r']:.2f} | {b['relative_noise']:.2f} | "
              f"{b['std_over_noise']:.1f} |")
    print(f"split-half r over all {r['num']}: {r['split_half_r']:.2f} (top-1 on the even vs the "
          f"odd batches; about 0 when the differences are noise)")
    if 'ground_truth_tau' in r:
        print(f"\nKendall tau against the NAS-Bench-201 CIFAR-10 ground truth (200 epochs): "
              f"{r['ground_truth_tau']:.3f} (FLOPs alone: {r['flops_ground_truth_tau']:.3f})")
        print('per FLOPs quintile (M), supernet / FLOPs alone: ' + ', '.join(
            f"{b['flops'][0]:.1f}-{b['flops'][1]:.1f} {b['ground_truth_tau']:.2f} / "
            f"{b['flops_ground_truth_tau']:.2f}" for b in r['bins']))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(r, f, indent=1)
    return r


if __name__ == '__main__':
    main()
