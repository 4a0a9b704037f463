"""Training-step cost of the SGNAS supernet and its reduced-cost proxies, side by side.

    python tools/benchmarks/supernet_proxy.py [--batch-sizes 32 64] [--repeat 4]

For each batch size and each setting (the CIFAR variant; layer 0 at stride 2 with shared
kernels; the same at half width; half width alone), the median wall time of one training step
(forward, backward, SGD) of the largest architecture and of a seeded random one, and the cost
per image of the two (the quickstart recipe trains both every iteration), with each setting's
ratio to the CIFAR variant at that batch size.
"""
import argparse
import statistics
import time

import torch
from torch import nn

from mmsgnas.models import UnifiedSupernet
from mmsgnas.spaces import SGNASSpace

SETTINGS = {
    'CIFAR variant': {},
    'stride 2 + shared kernels': dict(proxy_stride=2, shared_kernels=True),
    'stride 2 + shared kernels + width 0.5': dict(proxy_stride=2, shared_kernels=True,
                                                  width_mult=0.5),
    'width 0.5 + shared kernels': dict(width_mult=0.5, shared_kernels=True),
}


def step_time(net: UnifiedSupernet, fc: nn.Module, x, y, arch, repeat: int) -> float:
    opt = torch.optim.SGD(list(net.parameters()) + list(fc.parameters()), lr=0.01,
                          momentum=0.9)
    net.train()
    net.set_arch(arch)
    times = []
    for i in range(2 + repeat):  # 2 warm-up steps
        start = time.perf_counter()
        loss = nn.functional.cross_entropy(fc(net(x)[-1].mean((2, 3))), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= 2:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[32, 64])
    parser.add_argument('--repeat', type=int, default=4)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    random_arch = SGNASSpace.sampler(args.seed).sample()
    rows = []
    print('| batch | supernet | largest (ms) | random path (ms) | per image, both (ms) | '
          'vs CIFAR variant |\n|---|---|---|---|---|---|')
    for batch in args.batch_sizes:
        x, y = torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch, ))
        base = None
        for name, options in SETTINGS.items():
            net, fc = UnifiedSupernet('cifar', **options), nn.Linear(1280, 10)
            largest = step_time(net, fc, x, y, SGNASSpace.largest(), args.repeat)
            middle = step_time(net, fc, x, y, random_arch, args.repeat)
            per_image = (largest + middle) / batch * 1000
            base = base or per_image
            rows.append(dict(batch=batch, setting=name, largest_ms=largest * 1000,
                             random_ms=middle * 1000, per_image_ms=per_image))
            print(f'| {batch} | {name} | {largest * 1000:.1f} | {middle * 1000:.1f} | '
                  f'{per_image:.2f} | {base / per_image:.2f}x |', flush=True)
    return rows


if __name__ == '__main__':
    main()
