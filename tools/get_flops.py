"""Print an architecture's FLOPs and parameters, or a space's FLOPs range.

    python tools/get_flops.py SGNAS-A
    python tools/get_flops.py '573733|7333ss|...' --variant cifar
    python tools/get_flops.py work_dirs/search/arch_300M.json --with-se --act HSwish
    python tools/get_flops.py '|nor_conv_3x3~0|+|skip_connect~0|none~1|+|...|' --space nb201
    python tools/get_flops.py --space-range --variant imagenet --input-size 224

FLOPs are conv multiply-accumulates at batch 1 (classifier, BN, activations and pooling not
counted), measured with ``mmengine.analysis`` on the static network; without SE the lookup
table's value is printed beside it (they are equal). ``--space-range`` prints the smallest and
largest architecture's FLOPs from the table: the interval a generator's ``constraint_range``
and a search's targets must lie in.
"""
import argparse

from mmsgnas.flops import NB201FlopsTable, SGNASFlopsTable, count_conv_macs
from mmsgnas.models import NB201Net, SGNASNet
from mmsgnas.models.macro import HEAD_CHANNELS, default_input_size
from mmsgnas.spaces import NB201Space, SGNASSpace
from mmsgnas.spaces.nb201 import NUM_ARCHS
from mmsgnas.spaces.sgnas import NUM_LAYERS, layer_expansion


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='FLOPs and params of an architecture')
    parser.add_argument('arch', nargs='?', help='name (SGNAS-A/B/C), architecture string or '
                        'file (not needed with --space-range)')
    parser.add_argument('--space', default='sgnas', choices=['sgnas', 'nb201'])
    parser.add_argument('--space-range', action='store_true',
                        help="print the space's FLOPs range at the input size")
    parser.add_argument('--variant', default='imagenet', choices=['imagenet', 'cifar'])
    parser.add_argument('--input-size', type=int, help='input size (default 224 / 32)')
    parser.add_argument('--num-classes', type=int, default=1000,
                        help='classifier size, for the parameter count with classifier')
    parser.add_argument('--with-se', action='store_true', help='SE in every block')
    parser.add_argument('--act', default='ReLU6', help='activation type, e.g. HSwish')
    args = parser.parse_args(argv)
    if args.arch is None and not args.space_range:
        parser.error('give an architecture, or --space-range')
    if args.space == 'nb201' and args.input_size not in (None, 32):
        parser.error(f'the NB201 space is measured at 32x32, got --input-size {args.input_size}')
    return args


def show(rows) -> None:
    width = max(len(k) for k, _ in rows)
    print('=' * 40)
    for key, value in rows:
        print(f'{key:<{width}}  {value}')
    print('=' * 40)


def main(argv=None) -> dict:
    args = parse_args(argv)
    size = args.input_size or (32 if args.space == 'nb201' else default_input_size(args.variant))
    table = (NB201FlopsTable.get() if args.space == 'nb201' else
             SGNASFlopsTable.get(args.variant, size))
    if args.space_range:
        count = (f'{NUM_ARCHS:,} (5 ops on 6 edges)' if args.space == 'nb201' else
                 f'{len(SGNASSpace.layer_choices())}^{NUM_LAYERS} (distinct networks per layer'
                 f', forced sampling)')
        show([('space', table.describe()), ('architectures', count),
              ('FLOPs range', f'{table.min_mflops:.2f} to {table.max_mflops:.2f} M')])
        return dict(min_mflops=table.min_mflops, max_mflops=table.max_mflops)
    if args.space == 'nb201':
        arch = NB201Space.parse(args.arch)
        net = NB201Net(arch)
        rows = [('architecture', NB201Space.format(arch)), ('input', f'3x{size}x{size}')]
        head_in = net.out_channels
    else:
        arch = SGNASSpace.parse(args.arch)
        net = SGNASNet(arch, args.variant, with_se=args.with_se, act_cfg=dict(type=args.act),
                       init_cfg=None)
        rows = [('architecture', SGNASSpace.format(arch)),
                ('expansion per layer', ' '.join(str(layer_expansion(t)) for t in arch)),
                ('input', f'{args.variant}, 3x{size}x{size}')]
        head_in = HEAD_CHANNELS
    measured = count_conv_macs(net, size)['']
    params = sum(p.numel() for p in net.parameters())
    classifier = head_in * args.num_classes + args.num_classes
    rows.append(('FLOPs (conv MACs, measured)', f'{measured / 1e6:.2f} M'))
    if not args.with_se:
        rows.append(('FLOPs (lookup table)', f'{table.macs(arch) / 1e6:.2f} M'))
    rows += [('params (backbone)', f'{params / 1e6:.3f} M'),
             (f'params (with {args.num_classes}-class classifier)',
              f'{(params + classifier) / 1e6:.3f} M')]
    show(rows)
    return dict(mflops=measured / 1e6, params=params, params_with_classifier=params + classifier)


if __name__ == '__main__':
    main()
