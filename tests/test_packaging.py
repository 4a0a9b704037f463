"""``pip install .`` (not editable) into a fresh venv, then ``mim train mmsgnas <config>``.

The fresh venv sees this environment's dependencies (torch, mmengine, mmcv, ...) through a
``.pth`` line after its own site-packages, so only mmsgnas itself is installed, from a copy of
the tracked files, and the run happens outside the repository: the configs, their embedded
data and the tools must come from the installed package.
"""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig

import pytest

from conftest import REPO

SHORT = ['train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=8',
         'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
         'val_dataloader.dataset.indices=8', 'val_dataloader.num_workers=0',
         'val_cfg.num_random=0', 'val_cfg.calibrate_bn=1', 'log_level=WARNING']


def run(cmd, cwd, timeout=900):
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME')}
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env=dict(env, OMP_NUM_THREADS='1'))
    assert out.returncode == 0, ' '.join(cmd) + '\n' + out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


@pytest.mark.slow
def test_non_editable_install_then_mim_train(tmp_path):
    src = tmp_path / 'src'
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if osp.isfile(osp.join(REPO, name)):
            os.makedirs(osp.dirname(src / name), exist_ok=True)
            shutil.copy2(osp.join(REPO, name), src / name)
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    site = glob.glob(str(venv / 'lib' / 'python3*' / 'site-packages'))[0]
    with open(osp.join(site, 'zz_dependencies.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    run([python, '-m', 'pip', 'install', '-q', '--no-deps', '--no-build-isolation', str(src)],
        cwd=tmp_path)
    where = run([python, '-c', 'import mmsgnas, os.path as p; print(p.dirname(mmsgnas.__file__))'],
                cwd=tmp_path).strip()
    assert where.startswith(site), where  # the installed copy, not the repository
    for path in ('configs/sgnas/supernet.py', 'tools/train.py', 'tools/analysis/batch_files.py',
                 'data/cifar10_subset/meta/train.txt', 'model-index.yml'):
        assert osp.isfile(osp.join(where, '.mim', path)), path
    shutil.rmtree(src)  # nothing left to find outside the installed package
    listed = run([python, '-m', 'mim', 'search', 'mmsgnas'], cwd=tmp_path)
    assert 'sgnas_unified-supernet_1xb32-2e_cifar10-subset' in listed, listed[-2000:]
    work = tmp_path / 'work'
    run([python, '-m', 'mim', 'train', 'mmsgnas', 'configs/sgnas/supernet.py', '--work-dir',
         str(work), '--cfg-options', *SHORT], cwd=tmp_path)
    assert osp.isfile(work / 'epoch_1.pth')
