"""Supernet training step vs. the static net's step for the same architecture.

    python tools/benchmarks/supernet_step.py [--variant cifar] [--batch-size 64] [--repeat 5]
    python tools/benchmarks/supernet_step.py --space nb201 [--cells-per-stage 1]

For the smallest, a middle (a seeded random one) and the largest architecture of the space:
the median wall time of one training step (forward, backward, SGD step) of the supernet with
that architecture set, and of the static network built for it (SGNASNet; NB201Net with the
same cells per stage), side by side, with their ratio; and the supernet's parameter count.
"""
import argparse
import statistics
import time

import torch
from torch import nn

from mmsgnas.flops import flops_table
from mmsgnas.models import NB201Net, NB201Supernet, UnifiedSupernet
from mmsgnas.models.macro import default_input_size

ARCHS = ('smallest', 'middle', 'largest')


class Classifier(nn.Module):

    def __init__(self, backbone: nn.Module, num_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.fc = nn.LazyLinear(num_classes)

    def forward(self, x):
        return self.fc(self.backbone(x)[-1].mean((2, 3)))


def step_time(model: nn.Module, x, y, repeat: int, warmup: int = 2) -> float:
    model.train()
    with torch.no_grad():
        model(x[:2])  # materialises the lazy classifier before the optimizer takes it
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    times = []
    for i in range(warmup + repeat):
        t = time.perf_counter()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--space', default='sgnas', choices=['sgnas', 'nb201'])
    parser.add_argument('--variant', default='cifar', choices=['imagenet', 'cifar'])
    parser.add_argument('--cells-per-stage', type=int, default=1, help='NB201 space')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--archs', nargs='+', default=list(ARCHS), choices=list(ARCHS))
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    if args.space == 'nb201':
        backbone, size = NB201Supernet(cells_per_stage=args.cells_per_stage), 32
        static_net = lambda arch: NB201Net(arch, args.cells_per_stage)  # noqa: E731
    else:
        backbone = UnifiedSupernet(args.variant, init_cfg=None)
        size = default_input_size(args.variant)
        static_net = backbone.static_net
    archs = dict(backbone.space.reference_archs(), middle=backbone.space.sampler(0).sample())
    x = torch.randn(args.batch_size, 3, size, size)
    y = torch.randint(0, 10, (args.batch_size, ))
    supernet = Classifier(backbone, 10)
    table = flops_table(backbone)
    rows = []
    for name in args.archs:
        arch = archs[name]
        supernet.backbone.set_arch(arch)
        t_super = step_time(supernet, x, y, args.repeat)
        static = Classifier(static_net(arch), 10)
        t_static = step_time(static, x, y, args.repeat)
        rows.append(dict(arch=name, mflops=table.mflops(arch), supernet_s=t_super,
                         static_s=t_static, ratio=t_super / t_static,
                         static_params=sum(p.numel() for p in static.parameters())))
    n_super = sum(p.numel() for p in supernet.parameters())
    print(f'{table.describe()}, batch {args.batch_size}, torch threads '
          f'{torch.get_num_threads()}, median of {args.repeat} steps')
    print('| arch | MFLOPs | supernet step (s) | static step (s) | ratio | static params |')
    print('|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['arch']} | {r['mflops']:.1f} | {r['supernet_s']:.3f} | "
              f"{r['static_s']:.3f} | {r['ratio']:.2f}x | {r['static_params'] / 1e6:.2f} M |")
    print(f'supernet parameters (with 10-class classifier): {n_super / 1e6:.2f} M')
    return rows


if __name__ == '__main__':
    main()
