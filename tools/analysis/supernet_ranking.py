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

On NAS-Bench-201, ``--band LOW HIGH`` (repeatable) also scores every distinct cell with FLOPs
in that band (what a search at a budget chooses among; random samples seldom reach the dear
end) and prints Kendall tau against the ground truth there, the band's mean and best ground
truth, that of the supernet's top-scored cell and top 3, and where the best cell ranks.
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, DefaultScope

import mmsgnas  # noqa: F401  (registries, checkpoint allow-list)
from mmsgnas.analysis.supernet_ranking import rank_band, rank_random
from mmsgnas.search import SubnetEvaluator
from mmsgnas.spaces import NB201Space


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a search config (model + test_dataloader + test_cfg)')
    parser.add_argument('supernet_checkpoint')
    parser.add_argument('--num', type=int, default=100, help='random architectures')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--band', nargs=2, type=float, action='append', default=[],
                        metavar=('LOW', 'HIGH'),
                        help='NB201: also rank every distinct cell of LOW-HIGH MFLOPs')
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
    if args.band and not isinstance(model.space, NB201Space):
        parser.error(f'--band enumerates NAS-Bench-201 cells; the config\'s space is '
                     f'{type(model.space).__name__}')
    evaluator = SubnetEvaluator.from_config(model, cfg)
    r = rank_random(model.space, model.table, evaluator, args.num, args.seed)
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
    r['bands'] = []
    for low, high in args.band:
        b = rank_band(model.table, evaluator, low, high)
        r['bands'].append(b)
        print(f"band {low:g}-{high:g} MFLOPs: {b['num']} distinct cells, Kendall tau against "
              f"the ground truth {b['ground_truth_tau']:.3f}; ground truth mean "
              f"{b['ground_truth_mean']:.2f}, best {b['ground_truth_best']:.2f} (the supernet "
              f"ranks it {b['rank_of_best']} of {b['num']}); of the supernet's top cell "
              f"{b['ground_truth_of_top1']:.2f}, of its top 3 {b['ground_truth_of_top3']:.2f}")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(r, f, indent=1)
    return r


if __name__ == '__main__':
    main()
