"""Run a config's test loop: the search loops of mmsgnas, or any mmpretrain / mmdet test.

    python tools/test.py configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py work_dirs/generator/best_generator.pth \
        [--cfg-options test_cfg.targets="[60,80,100]"] [--work-dir DIR]
    python tools/test.py configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py --cfg-options test_cfg.type=mmsgnas.EvolutionSearchLoop
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.runner import Runner

import mmsgnas  # noqa: F401
from mmsgnas.engine import close_distributed, use_cpu_distributed


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (search) with a config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint to load (e.g. a generator)')
    parser.add_argument('--work-dir', help='the dir to save logs and outputs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.checkpoint is not None:
        if not osp.isfile(args.checkpoint):
            raise SystemExit(f'checkpoint {args.checkpoint!r} does not exist')
        cfg.load_from = args.checkpoint
    if args.launcher != 'none' and not torch.cuda.is_available():
        use_cpu_distributed(cfg)
    loader = ConfigDict(pin_memory=torch.cuda.is_available(), persistent_workers=False)
    loader.update(cfg.test_dataloader)
    cfg.test_dataloader = loader
    try:
        return Runner.from_cfg(cfg).test()
    finally:
        close_distributed()


if __name__ == '__main__':
    main()
