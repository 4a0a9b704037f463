"""Print the package files one training iteration of a stage's config runs through.

    python tools/analysis/batch_files.py configs/sgnas/supernet.py \
        --cfg-options train_dataloader.dataset.indices=32 train_cfg.max_epochs=1

Trains with the config (give it a short schedule, as above) and lists the files of mmsgnas
whose functions ran during the first iteration's ``run_iter``.
"""
import argparse
import os.path as osp
import tempfile

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmsgnas  # noqa: F401
from mmsgnas.analysis.batch_files import first_iteration_files


def main(argv=None) -> set:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--work-dir', default=None)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or tempfile.mkdtemp(prefix='batch_files_')
    files = first_iteration_files(Runner.from_cfg(cfg))
    print(f'{len(files)} files in one training iteration of {osp.basename(args.config)}:')
    for name in sorted(files):
        print(f'  mmsgnas/{name}')
    return files


if __name__ == '__main__':
    main()
