"""Slice one architecture out of a supernet checkpoint into a static-network checkpoint.

    python tools/export_subnet.py work_dirs/sgnas_unified-supernet_1xb32-2e_cifar10-subset/epoch_2.pth SGNAS-A subnet.pth \
        --variant cifar
    python tools/export_subnet.py work_dirs/nb201/supernet/epoch_60.pth \
        '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|...|' nb201.pth --space nb201
    python tools/export_subnet.py work_dirs/nb201/split3/supernet/epoch_50.pth \
        '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|...|' nb201.pth --space nb201 --split-edge 3

The output is an mmpretrain classifier checkpoint (``backbone.`` keys of the static net, the
neck and head copied unchanged) that ``load_from`` or ``init_cfg=dict(type='Pretrained', ...)``
accepts. In eval mode the exported net gives the supernet's outputs for that architecture
(the NB201 net is built as the supernet: its cells per stage and widen factor, BN by batch
statistics).
"""
import argparse

import torch

import mmsgnas  # noqa: F401
from mmsgnas.models import NB201Net, SGNASNet, export_subnet


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='supernet checkpoint (mmpretrain classifier)')
    parser.add_argument('arch', help='name, architecture string or architecture file')
    parser.add_argument('out', help='output checkpoint path')
    parser.add_argument('--space', default='sgnas', choices=['sgnas', 'nb201'])
    parser.add_argument('--variant', default='imagenet', choices=['imagenet', 'cifar'],
                        help='SGNAS space: the supernet variant')
    parser.add_argument('--cells-per-stage', type=int, default=1,
                        help='NB201 space: the supernet\'s cells per stage (its configs: 1)')
    parser.add_argument('--widen-factor', type=float, default=1.0,
                        help='NB201 space: the supernet\'s widen factor (its configs: 1.0)')
    parser.add_argument('--split-edge', type=int, default=None,
                        help='NB201 space: the split edge of an NB201SplitSupernet checkpoint')
    args = parser.parse_args(argv)
    net = (SGNASNet(args.arch, args.variant, init_cfg=None) if args.space == 'sgnas' else
           NB201Net(args.arch, args.cells_per_stage, track_running_stats=False,
                    widen_factor=args.widen_factor))
    ckpt = export_subnet(args.checkpoint, net, args.split_edge)
    torch.save(ckpt, args.out)
    print(f"wrote {args.out}: {ckpt['meta']['arch']}")
    return ckpt


if __name__ == '__main__':
    main()
