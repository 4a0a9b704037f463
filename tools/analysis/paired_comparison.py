"""Compare architectures on the same images: per-image differences with their paired SE.

    python tools/analysis/paired_comparison.py configs/sgnas/sgnas_search_nb201-supernet_1xb64_cifar10-subset.py \
        '|avg_pool_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|' \
        '|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|' --orders 0 1 2 \
        --cfg-options model.supernet_checkpoint=work_dirs/nb201/supernet/epoch_60.pth

Every architecture is scored with inherited weights on the search config's test split, as the
search scores it (``SubnetEvaluator``), image by image: top-1 and cross-entropy, and for each
architecture after the first its difference from the first with one standard error of the
*paired* difference (the per-image differences' standard deviation over the square root of the
images). Two architectures that err on the same images differ by less noise than two
independent top-1s (whose SE, about 1.1 points on 1,013 images, is the report's). With BN by
batch statistics (the NB201 supernet) a score also depends on which images share a batch:
``--orders`` repeats the comparison with the split's sampler seeded each way (the split's
images unchanged, their batches redrawn) and prints the differences of every order.
"""
import argparse
import math

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, DefaultScope

import mmsgnas  # noqa: F401  (registries, checkpoint allow-list)
from mmsgnas.search import SubnetEvaluator


def paired(a: torch.Tensor, b: torch.Tensor) -> tuple:
    """Mean of ``b - a`` over images and one standard error of it (paired)."""
    diff = b.double() - a.double()
    return diff.mean().item(), diff.std().item() / math.sqrt(len(diff))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a search config (model with supernet_checkpoint, '
                        'test_dataloader)')
    parser.add_argument('archs', nargs='+', help='architectures (the first is the reference)')
    parser.add_argument('--orders', type=int, nargs='+', default=None,
                        help="seeds of the test split's sampler (default: the config's)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if len(args.archs) < 2:
        parser.error(f'give at least two architectures to compare, got {len(args.archs)}')

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.get('supernet_checkpoint') is None:
        raise ValueError('the config has no model.supernet_checkpoint: the comparison scores '
                         'inherited weights (pass --cfg-options model.supernet_checkpoint=...)')
    DefaultScope.get_instance('paired_comparison', scope_name=cfg.get('default_scope',
                                                                       'mmpretrain'))
    model = MODELS.build(cfg.model)
    model.eval()
    space = model.space
    archs = [space.parse(a) for a in args.archs]
    sampler = cfg.test_dataloader.get('sampler', {})
    orders = args.orders if args.orders is not None else [sampler.get('seed')]
    if args.orders is not None and not sampler.get('shuffle', False):
        raise ValueError('--orders redraws the batches of a shuffled split, but the test '
                         "split's sampler does not shuffle (test_dataloader.sampler.shuffle)")
    for order in orders:
        if args.orders is not None:
            cfg.test_dataloader.sampler.seed = order
        evaluator = SubnetEvaluator.from_config(model, cfg)
        scores = [evaluator.per_image(a) for a in archs]
        (ref_correct, ref_ce), images = scores[0], evaluator.num_images
        print(f'\n## {cfg.test_dataloader.dataset.get("ann_file", "test split")}, {images} '
              f'images, sampler seed {order}')
        print('| architecture | MFLOPs | top-1 | CE | top-1 - first (paired SE) | '
              'CE - first (paired SE) | images they disagree on |\n|---|---|---|---|---|---|---|')
        for i, (arch, (correct, ce)) in enumerate(zip(archs, scores)):
            name = space.format(arch).replace('|', '\\|')  # a Markdown cell
            row = f'| `{name}` | {model.flops_table.mflops(arch):.2f} | ' \
                  f'{100 * correct.double().mean().item():.2f} | {ce.mean().item():.4f} | '
            if i == 0:
                print(row + '(reference) | | |')
                continue
            top1, top1_se = paired(ref_correct, correct)
            dce, dce_se = paired(ref_ce, ce)
            disagree = (correct != ref_correct).double().mean().item()
            print(row + f'{100 * top1:+.2f} ± {100 * top1_se:.2f} | {dce:+.4f} ± {dce_se:.4f} '
                  f'| {100 * disagree:.1f} % |')


if __name__ == '__main__':
    main()
