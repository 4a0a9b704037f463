"""Measure a trained generator: constraint precision over a sweep and quality against random.

    python tools/analysis/generator_report.py configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py \
        work_dirs/quickstart/generator/best_generator.pth \
        --cfg-options model.supernet_checkpoint=work_dirs/quickstart/supernet/epoch_24.pth

Precision: ``--num-targets`` targets evenly over the generator's constraint range, all in
one batched forward; Kendall tau (targets vs FLOPs), mean relative error and the share over
target, for the raw argmax architectures and after the search loop's budget fitting.
Quality: per ``--quality-targets`` target (default: 5 evenly over the range), the fitted
generated architecture's inherited top-1 against ``--num-random`` random feasible
architectures (FLOPs <= target): their median, 90th percentile, best, the generated one's
percentile, and what evolution finds with ``--evolution-evals`` evaluations (0: none), with
one standard error of a top-1 on the evaluation split. Works on either space (SGNAS, NB201).
With ``--select-split`` (an annotation file of other images, e.g. ``meta/val_search.txt``
while the config's test split is ``meta/val_holdout.txt``) evolution selects there and its
pick is scored on the test split, next to the best of the random architectures as chosen
there: a comparison the selection's own noise cannot decide (train the generator on the
selection split too).
Tables print as Markdown and go to ``--out`` as JSON.
"""
import argparse
import copy
import json
import os
import os.path as osp

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner import load_checkpoint

import mmsgnas  # noqa: F401  (registries, checkpoint allow-list)
from mmsgnas.analysis.generator_quality import precision, quality
from mmsgnas.search import SubnetEvaluator, standard_error, targets_in


def fill_tolerance(text: str):
    """``'none'``: None (no growing); ``'model'``: the generator's (resolved once it is
    built); otherwise a number."""
    return None if text == 'none' else text if text == 'model' else float(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a search config (model + test_dataloader)')
    parser.add_argument('checkpoint', help='generator checkpoint')
    parser.add_argument('--num-targets', type=int, default=20)
    parser.add_argument('--quality-targets', type=float, nargs='*', default=None,
                        help='default: 5 evenly over the generator\'s constraint range')
    parser.add_argument('--num-random', type=int, default=100,
                        help='random architectures per quality target (0: precision only)')
    parser.add_argument('--evolution-evals', type=int, default=200,
                        help='evolution evaluations per quality target (0: no evolution)')
    parser.add_argument('--fill-tolerance', type=fill_tolerance, default='model',
                        help="budget fitting's gap left unfilled, or 'none' (no growing); "
                        "default: the generator's fill_tolerance")
    parser.add_argument('--fit-by', default='flops', choices=['flops', 'generator'],
                        help='budget fitting moves: closest to the budget, or the generator\'s '
                        'preferred (as the search loop\'s test_cfg.fit_by)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=None, help='JSON output path')
    parser.add_argument('--record', default=None,
                        help='JSON-lines file of scores: a report on the same supernet and '
                        'split reuses them (refused for another supernet checkpoint)')
    parser.add_argument('--select-split', default=None,
                        help='annotation file (as test_dataloader.dataset.ann_file) of the '
                        'images evolution and the random pick select on; the config\'s test '
                        'split then only judges')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    DefaultScope.get_instance('generator_report', scope_name=cfg.get('default_scope',
                                                                      'mmpretrain'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()
    if args.fill_tolerance == 'model':
        args.fill_tolerance = model.fill_tolerance

    low, high = model.constraint_range
    sweep = np.linspace(low, high, args.num_targets).tolist()
    prec = precision(model, sweep, args.fill_tolerance, args.fit_by)
    unit = model.table.unit
    print(f'## Constraint precision: {args.num_targets} targets over [{low:g}, {high:g}] {unit}')
    print('| output | Kendall tau | mean rel. error | over target |\n|---|---|---|---|')
    for r in prec:
        print(f"| {r['output']} | {r['kendall_tau']:.3f} | {100 * r['mean_rel_error']:.2f} % | "
              f"{r['num_over']} / {args.num_targets} |")

    qual = []
    if args.num_random > 0:  # 0: precision only
        targets = targets_in(model.table, args.quality_targets or
                             np.linspace(low, high, 5).round(2).tolist())
        evaluator = SubnetEvaluator.from_config(model, cfg, args.record)
        images = evaluator.num_images
        select = None
        if args.select_split:
            if args.select_split == cfg.test_dataloader.dataset.get('ann_file'):
                raise ValueError(f'--select-split {args.select_split!r} is the test split '
                                 f'itself: give the annotation file of other images')
            select_cfg = copy.deepcopy(cfg)
            select_cfg.test_dataloader.dataset.ann_file = args.select_split
            select = SubnetEvaluator.from_config(
                model, select_cfg, args.record and osp.splitext(args.record)[0] + '_select.jsonl')
        qual, evaluated = quality(model, evaluator, targets, args.num_random, args.fill_tolerance,
                                  args.seed, args.evolution_evals, args.fit_by, select)
        print(f'\n## Quality: generated vs {args.num_random} random feasible architectures '
              f'and evolution ({args.evolution_evals} evaluations per target); inherited '
              f'top-1 on {images} images, {evaluated} architectures evaluated')
        print(f'| target | {unit} | fitted | top-1 ± SE | random median | random p90 | random best '
              f'| percentile | evolution |\n|---|---|---|---|---|---|---|---|---|')
        for r in qual:
            evo = f"{r['evolution_top1']:.2f}" if 'evolution_top1' in r else '-'
            print(f"| {r['target']:g} | {r['cost']:.2f} | {r['fitted']} | {r['top1']:.2f} ± "
                  f"{standard_error(r['top1'], images):.2f} | {r['random_median']:.2f} | "
                  f"{r['random_p90']:.2f} | {r['random_best']:.2f} | {r['percentile']:.0f} | "
                  f"{evo} |")
        if select is not None:
            print(f'\nSelected on {select.num_images} other images ({args.select_split}), '
                  f'judged on these {images}:\n| target | generated | random pick (best of '
                  f'{args.num_random} there) | its percentile | evolution pick |\n'
                  f'|---|---|---|---|---|')
            for r in qual:
                evo = f"{r['evolution_top1']:.2f}" if 'evolution_top1' in r else '-'
                print(f"| {r['target']:g} | {r['top1']:.2f} ({r['percentile']:.0f}) | "
                      f"{r['random_pick_top1']:.2f} | {r['random_pick_percentile']:.0f} | "
                      f"{evo} |")
        wins = sum(r['at_least_p90'] for r in qual)
        print(f'generated >= 90th percentile of random for {wins} of {len(qual)} targets')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(precision=prec, quality=qual), f, indent=1)
    return prec, qual


if __name__ == '__main__':
    main()
