"""End to end through ``tools/train.py``: the command line, ``--resume`` and torchrun DDP."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist

import mmsgnas  # noqa: F401  (torch.load of mmengine checkpoints)
from mmsgnas.engine import close_distributed

from conftest import REPO

SMALL = [
    'train_dataloader.dataset.indices=16', 'val_dataloader.dataset.indices=16',
    'train_dataloader.batch_size=4', 'val_dataloader.batch_size=8',
    'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
    'train_cfg.val_interval=1', 'val_cfg.num_random=0', 'log_level=WARNING',
    'default_hooks.logger.interval=1'
]


def train(args, env=None, launcher=None, timeout=600):
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py')]
    if launcher:
        cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
               '--master_port', '29777', osp.join(REPO, 'tools', 'train.py')]
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', **(env or {}))
    out = subprocess.run(cmd + args, capture_output=True, text=True, timeout=timeout, env=env,
                         cwd=REPO)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


@pytest.mark.slow
def test_cli_train_then_resume(tmp_path):
    cfg = osp.join(REPO, 'configs', 'sgnas', 'supernet.py')
    train([cfg, '--work-dir', str(tmp_path), '--cfg-options', 'train_cfg.max_epochs=1', *SMALL])
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    train([cfg, '--work-dir', str(tmp_path), '--resume', '--cfg-options',
           'train_cfg.max_epochs=2', *SMALL, 'log_level=INFO'])
    state = torch.load(tmp_path / 'epoch_2.pth', map_location='cpu')
    assert state['meta']['epoch'] == 2 and state['meta']['iter'] == 8
    logs = ''.join(open(p).read() for p in tmp_path.glob('*/*.log'))
    assert 'resumed epoch: 1, iter: 4' in logs


@pytest.mark.slow
def test_torchrun_two_ranks_gloo(tmp_path):
    cfg = osp.join(REPO, 'configs', 'sgnas', 'supernet.py')
    out = train([cfg, '--launcher', 'pytorch', '--work-dir', str(tmp_path), '--cfg-options',
                 'train_cfg.max_epochs=1', *SMALL], launcher='pytorch')
    if not torch.cuda.is_available():  # both ranks fell back to gloo
        assert out.stdout.count('using gloo') == 2, out.stdout
    state = torch.load(tmp_path / 'epoch_1.pth', map_location='cpu')
    # 16 images, batch 4 per rank: 2 iterations with 2 ranks (4 with one); torchrun's exit
    # status 0 says both ranks finished
    assert state['meta']['iter'] == 2
    from mmpretrain.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    model = MODELS.build(Config.fromfile(cfg).model)
    model.load_state_dict(state['state_dict'])


def test_close_distributed_destroys_the_group(tmp_path):
    """What tools/train.py and tools/test.py call last: a gloo group left to interpreter
    shutdown can abort a finished rank (SIGABRT)."""
    close_distributed()  # no group: nothing to do
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "rendezvous"}', rank=0,
                            world_size=1)
    try:
        assert dist.is_initialized()
        close_distributed()
        assert not dist.is_initialized()
    finally:  # never leave a group to the other tests of this worker
        if dist.is_initialized():
            dist.destroy_process_group()
