"""Export an SGNASNet backbone (optionally with weights) to ONNX and check it under onnxruntime.

    python tools/export_onnx.py SGNAS-A sgnas-a.onnx --with-se --act HSwish
    python tools/export_onnx.py work_dirs/search/search/arch_90M.json net.onnx \
        --variant cifar --checkpoint subnet.pth

The exported graph returns the backbone's out-index feature maps (the head conv by default);
it needs neither mmsgnas nor torch to run.
"""
import argparse
from typing import Optional, Sequence

import numpy as np
import torch

import mmsgnas  # noqa: F401
from mmsgnas.models import NB201Net, SGNASNet, strip_prefix


def build_net(arch: str, variant: str, with_se: bool, act: str, out_indices: Sequence[int],
              checkpoint: Optional[str], space: str = 'sgnas',
              cells_per_stage: int = 5) -> torch.nn.Module:
    if space == 'nb201':
        net = NB201Net(arch, cells_per_stage)
    else:
        net = SGNASNet(arch, variant, out_indices=out_indices, with_se=with_se,
                       act_cfg=dict(type=act))
    net.init_weights()
    if checkpoint:
        # a classifier checkpoint: its backbone.* keys; a bare backbone state dict as it is
        state = strip_prefix(torch.load(checkpoint, map_location='cpu'), 'backbone.')
        net.load_state_dict(state, strict=True)
    return net.eval()


def export(net: torch.nn.Module, path: str, input_size: int, opset: int = 17) -> float:
    """Export and return the max abs difference between torch and onnxruntime outputs."""
    import onnxruntime
    x = torch.randn(1, 3, input_size, input_size)
    names = [f'out{i}' for i in getattr(net, 'out_indices', (0, ))]
    torch.onnx.export(net, (x, ), path, input_names=['input'], output_names=names,
                      opset_version=opset, dynamic_axes={'input': {0: 'batch'}}, dynamo=False)
    with torch.no_grad():
        expected = [t.numpy() for t in net(x)]
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = session.run(names, {'input': x.numpy()})
    return max(float(np.abs(e - g).max()) for e, g in zip(expected, got))


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('arch', help='name, architecture string or search output file')
    parser.add_argument('out', help='ONNX file to write')
    parser.add_argument('--space', default='sgnas', choices=['sgnas', 'nb201'])
    parser.add_argument('--cells-per-stage', type=int, default=5, help='NB201 space')
    parser.add_argument('--variant', default='imagenet', choices=['imagenet', 'cifar'])
    parser.add_argument('--with-se', action='store_true')
    parser.add_argument('--act', default='ReLU6')
    parser.add_argument('--out-indices', type=int, nargs='+', default=[19])
    parser.add_argument('--checkpoint', default=None,
                        help='SGNASNet or classifier checkpoint (backbone.* keys)')
    args = parser.parse_args(argv)
    net = build_net(args.arch, args.variant, args.with_se, args.act, args.out_indices,
                    args.checkpoint, args.space, args.cells_per_stage)
    size = 224 if args.variant == 'imagenet' and args.space == 'sgnas' else 32
    diff = export(net, args.out, size)
    print(f'wrote {args.out}; onnxruntime vs torch max abs difference {diff:.2e}')
    return diff


if __name__ == '__main__':
    main()
