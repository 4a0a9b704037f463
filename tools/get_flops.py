"""Print an SGNAS architecture's FLOPs and parameters.

    python tools/get_flops.py SGNAS-A
    python tools/get_flops.py '573733|7333ss|...' --variant cifar
    python tools/get_flops.py work_dirs/search/arch_300M.json --with-se --act HSwish

FLOPs are conv multiply-accumulates at batch 1 (classifier, BN, activations and pooling not
counted), measured with ``mmengine.analysis`` on the static network; without SE the lookup
table's value is printed beside it (they are equal).
"""
import argparse

from mmsgnas.flops import FlopsTable, count_conv_macs
from mmsgnas.models import SGNASNet
from mmsgnas.models.macro import HEAD_CHANNELS, default_input_size
from mmsgnas.space import format_arch, get_arch, layer_expansion


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='FLOPs and params of an SGNAS architecture')
    parser.add_argument('arch', help='name (SGNAS-A/B/C), architecture string or file')
    parser.add_argument('--variant', default='imagenet', choices=['imagenet', 'cifar'])
    parser.add_argument('--input-size', type=int, help='input size (default 224 / 32)')
    parser.add_argument('--num-classes', type=int, default=1000,
                        help='classifier size, for the parameter count with classifier')
    parser.add_argument('--with-se', action='store_true', help='SE in every block')
    parser.add_argument('--act', default='ReLU6', help='activation type, e.g. HSwish')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    arch = get_arch(args.arch)
    size = args.input_size or default_input_size(args.variant)
    net = SGNASNet(arch, args.variant, with_se=args.with_se, act_cfg=dict(type=args.act),
                   init_cfg=None)
    measured = count_conv_macs(net, size)['']
    params = sum(p.numel() for p in net.parameters())
    classifier = HEAD_CHANNELS * args.num_classes + args.num_classes
    rows = [
        ('architecture', format_arch(arch)),
        ('expansion per layer', ' '.join(str(layer_expansion(t)) for t in arch)),
        ('input', f'{args.variant}, 3x{size}x{size}'),
        ('FLOPs (conv MACs, measured)', f'{measured / 1e6:.2f} M'),
    ]
    if not args.with_se:
        rows.append(('FLOPs (lookup table)',
                     f'{FlopsTable.get(args.variant, size).macs(arch) / 1e6:.2f} M'))
    rows += [('params (backbone)', f'{params / 1e6:.3f} M'),
             (f'params (with {args.num_classes}-class classifier)',
              f'{(params + classifier) / 1e6:.3f} M')]
    width = max(len(k) for k, _ in rows)
    print('=' * 40)
    for key, value in rows:
        print(f'{key:<{width}}  {value}')
    print('=' * 40)
    return dict(mflops=measured / 1e6, params=params, params_with_classifier=params + classifier)


if __name__ == '__main__':
    main()
