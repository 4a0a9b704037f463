"""The downstream configs run with mmpretrain's and mmdet's own ``tools/train.py``:
``type='mmsgnas.X'`` resolves with no ``custom_imports`` and no mmsgnas entry point."""
import os
import os.path as osp
import subprocess
import sys

import pytest

from conftest import REPO


def upstream_train(package, config, work_dir, options, timeout=900):
    module = __import__(package)
    script = osp.join(osp.dirname(module.__file__), '.mim', 'tools', 'train.py')
    assert osp.isfile(script), f'{package} ships no tools/train.py at {script}'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('PYTHONPATH', None)  # mmsgnas is found as the installed package
    out = subprocess.run(
        [sys.executable, script, osp.join(REPO, config), '--work-dir', str(work_dir),
         '--cfg-options', *options],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=str(work_dir))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


@pytest.mark.slow
def test_mmpretrain_train_script_runs_cifar_config(tmp_path):
    log = upstream_train('mmpretrain', 'configs/sgnas/sgnas-c_1xb32_cifar10-subset.py', tmp_path, [
        'train_dataloader.dataset.indices=16', 'val_dataloader.dataset.indices=16',
        'train_dataloader.batch_size=8', 'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        'val_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1', 'param_scheduler.1.end=2'])
    assert 'accuracy/top1' in log
    assert osp.isfile(tmp_path / 'epoch_1.pth')


@pytest.mark.slow
def test_mmdet_train_script_runs_tiny_coco_config(tmp_path):
    log = upstream_train('mmdet', 'configs/sgnas/retinanet_sgnas-a_fpn_1xb2-300iter_tiny-coco.py',
                         tmp_path, [
                             'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
                             'default_hooks.checkpoint.interval=2',
                             'train_dataloader.num_workers=0',
                             'train_dataloader.persistent_workers=False',
                             'val_dataloader.num_workers=0',
                             'val_dataloader.persistent_workers=False',
                             'val_dataloader.dataset.indices=4',
                             # 2 iterations leave every score near the focal-loss prior
                             # (0.01): keep them, so the evaluation has detections to score
                             'model.test_cfg.score_thr=0.0'])
    # pycocotools' full bbox table, through mmdet's CocoMetric
    assert 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all' in log
    assert 'coco/bbox_mAP' in log
    assert osp.isfile(tmp_path / 'iter_2.pth')


@pytest.mark.parametrize('config', ['supernet.py',
                                    'sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py'])
def test_mmpretrain_get_flops_runs_on_a_supernet_config(config):
    """A freshly built supernet has its largest architecture active, so mmpretrain's own
    analysis tool can count it (it builds the model from the config and runs a forward)."""
    import mmpretrain
    script = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'analysis_tools',
                      'get_flops.py')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    out = subprocess.run([sys.executable, script, osp.join(REPO, 'configs', 'sgnas', config),
                          '--shape', '32'], capture_output=True, text=True, timeout=600,
                         env=env, cwd=REPO)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    flops = [line for line in out.stdout.splitlines() if line.startswith('Flops:')]
    assert flops and float(flops[0].split()[1].rstrip('GM')) > 0, out.stdout[-2000:]
