"""Slice one architecture out of a supernet checkpoint into an SGNASNet checkpoint.

    python tools/export_subnet.py work_dirs/supernet/epoch_8.pth SGNAS-A subnet.pth \
        --variant cifar

The output is an mmpretrain classifier checkpoint (``backbone.`` keys of the static net, the
head copied unchanged) that ``load_from`` or ``init_cfg=dict(type='Pretrained', ...)``
accepts. In eval mode the exported net gives the supernet's outputs for that architecture.
"""
import argparse

import torch

import mmsgnas  # noqa: F401
from mmsgnas.models import SGNASNet, static_state_dict
from mmsgnas.models.export import strip_prefix


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='supernet checkpoint (mmpretrain classifier)')
    parser.add_argument('arch', help='name, architecture string or architecture file')
    parser.add_argument('out', help='output checkpoint path')
    parser.add_argument('--variant', default='imagenet', choices=['imagenet', 'cifar'])
    args = parser.parse_args(argv)
    ckpt = torch.load(args.checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    net = SGNASNet(args.arch, args.variant, init_cfg=None)
    backbone = static_state_dict(net, strip_prefix(state, 'backbone.'), args.checkpoint)
    out = {f'backbone.{k}': v for k, v in backbone.items()}
    out.update({k: v for k, v in state.items() if not k.startswith('backbone.')})
    meta = dict(arch=net.arch_str, variant=args.variant, source=args.checkpoint)
    torch.save(dict(state_dict=out, meta=meta), args.out)
    print(f'wrote {args.out}: {net.arch_str}')


if __name__ == '__main__':
    main()
