"""A search under DDP (2 processes, gloo) splits each evaluation over the ranks and sums the
counts: the same decisions on every rank, one writer, and the same results files as a
1-process run (BN recalibrated on the same batches)."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

import mmsgnas  # noqa: F401

from conftest import REPO

CONFIG = osp.join(REPO, 'configs', 'sgnas', 'sgnas_search_unified-supernet_1xb32_cifar10-subset.py')


def search(work_dir, supernet, procs):
    options = [f'model.supernet_checkpoint={supernet}', 'test_cfg.type=mmsgnas.RandomSearchLoop',
               'test_cfg.num_candidates=3', 'test_cfg.num_background=4',
               'test_cfg.targets=[85,120]', 'test_cfg.calib_batches=2',
               'test_cfg.calib_dataloader.batch_size=8', 'test_dataloader.dataset.indices=30',
               'test_dataloader.batch_size=8', 'test_dataloader.num_workers=0']
    cmd = [osp.join(REPO, 'tools', 'test.py'), CONFIG, '--work-dir', str(work_dir)]
    if procs > 1:
        cmd = ['-m', 'torch.distributed.run', '--nproc_per_node', str(procs), '--master_port',
               '29791'] + cmd + ['--launcher', 'pytorch']
    out = subprocess.run([sys.executable] + cmd + ['--cfg-options', *options], cwd=REPO,
                         capture_output=True, text=True, timeout=900,
                         env=dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1'))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


def read(work_dir, name):
    with open(osp.join(work_dir, 'search', name)) as f:
        return [line.replace(str(work_dir), '<work>') for line in f]


@pytest.mark.slow
def test_two_process_search_matches_one_process(tmp_path):
    DefaultScope.get_instance('search_ddp', scope_name='mmpretrain')
    model = MODELS.build(Config.fromfile(CONFIG).model.supernet)
    supernet = tmp_path / 'supernet.pth'
    torch.save(dict(state_dict=model.state_dict()), supernet)
    search(tmp_path / 'one', supernet, 1)
    log = search(tmp_path / 'two', supernet, 2)
    assert log.count('using gloo') == 2
    for name in ('results.csv', 'background.csv', 'evaluations.jsonl', 'rows.jsonl'):
        assert read(tmp_path / 'two', name) == read(tmp_path / 'one', name), name
