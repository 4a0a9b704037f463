"""A search killed mid-way (a real SIGKILL to a ``tools/test.py`` subprocess) and started
again on the same work dir reuses every stored score and gives the same results as an
uninterrupted run."""
import csv
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

import mmsgnas  # noqa: F401

from conftest import REPO

CONFIG = osp.join(REPO, 'configs', 'sgnas', 'sgnas_search_nb201-supernet_1xb64_cifar10-subset.py')


def command(work_dir, supernet):
    options = [f'model.supernet_checkpoint={supernet}', 'test_cfg.type=mmsgnas.RandomSearchLoop',
               'test_cfg.num_candidates=20', 'test_cfg.num_background=10',
               'test_cfg.targets=[50,150]', 'test_dataloader.dataset.indices=64',
               'test_dataloader.batch_size=32', 'test_dataloader.num_workers=0']
    return [sys.executable, osp.join(REPO, 'tools', 'test.py'), CONFIG, '--work-dir',
            str(work_dir), '--cfg-options', *options]


def env():
    return dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')


def results(work_dir):
    with open(osp.join(work_dir, 'search', 'results.csv')) as f:
        return [{k: r[k] for k in ('target', 'arch', 'top1', 'mflops')} for r in csv.DictReader(f)]


def lines(path):
    if not osp.isfile(path):
        return 0
    with open(path) as f:
        return sum(1 for _ in f)


@pytest.mark.slow
def test_killed_search_resumes_to_the_same_results(tmp_path):
    DefaultScope.get_instance('search_resume', scope_name='mmpretrain')
    model = MODELS.build(Config.fromfile(CONFIG).model.supernet)
    supernet = tmp_path / 'supernet.pth'
    torch.save(dict(state_dict=model.state_dict()), supernet)

    whole = tmp_path / 'whole'
    done = subprocess.run(command(whole, supernet), env=env(), cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    killed = tmp_path / 'killed'
    record = osp.join(killed, 'search', 'evaluations.jsonl')
    proc = subprocess.Popen(command(killed, supernet), env=env(), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while lines(record) < 25 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, 'the search finished before it could be killed'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with open(record) as f:  # complete lines after the header (a kill may cut the last one)
        stored = sum(1 for line in f if line.endswith('\n')) - 1
    assert 0 < stored < 50 and not osp.isfile(osp.join(killed, 'search', 'results.csv'))

    again = subprocess.run(command(killed, supernet), env=env(), cwd=REPO,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f'resuming with {stored} architectures already scored' in again.stdout + again.stderr
    assert results(killed) == results(whole)
    assert lines(record) == lines(osp.join(whole, 'search', 'evaluations.jsonl'))
