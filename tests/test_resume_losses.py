"""Supernet and generator training resumed from a checkpoint written mid-run (what a kill
after it leaves) continue with the same losses as the uninterrupted run, not only the same
counters: the data order, the sampled paths, the targets, the Gumbel noise and the monitored
random architectures are all seeded per iteration.

What differs otherwise (and why these runs use the pipeline without augmentation): random
crops and flips draw from the loader's global RNG, which mmengine does not checkpoint, so
with augmentation the resumed images differ and so do the losses."""
import os.path as osp
import shutil

import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner import Runner

import mmsgnas  # noqa: F401

from conftest import REPO

CONFIGS = osp.join(REPO, 'configs', 'sgnas')
SHORT = dict(
    train_cfg=dict(max_epochs=2), log_level='WARNING', log_processor=dict(window_size=1),
    default_hooks=dict(logger=dict(interval=1)),
    train_dataloader=dict(batch_size=4, num_workers=0, persistent_workers=False,
                          dataset=dict(indices=16, pipeline=[dict(type='PackInputs')])))


def losses(cfg: Config, work_dir, resume_from=None) -> list:
    cfg = cfg.copy()
    cfg.work_dir = str(work_dir)
    if resume_from is not None:
        cfg.resume, cfg.load_from = True, resume_from
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.message_hub.get_scalar('train/loss').data[0].tolist()


def resumed_equals_uninterrupted(cfg: Config, tmp_path) -> None:
    whole = losses(cfg, tmp_path / 'whole')
    assert len(whole) == 8  # 2 epochs of 4 iterations
    resumed_dir = tmp_path / 'resumed'
    resumed_dir.mkdir()
    shutil.copy(tmp_path / 'whole' / 'epoch_1.pth', resumed_dir / 'epoch_1.pth')
    resumed = losses(cfg, resumed_dir, str(resumed_dir / 'epoch_1.pth'))
    assert resumed[-4:] == whole[-4:], (resumed, whole)


def test_supernet_resume_continues_with_the_same_losses(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, 'sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py'))
    cfg.merge_from_dict(dict(SHORT, val_cfg=None, val_dataloader=None, val_evaluator=None,
                             default_hooks=dict(logger=dict(interval=1), checkpoint=dict(
                                 interval=1, save_best=None))))
    resumed_equals_uninterrupted(cfg, tmp_path)


def test_generator_resume_continues_with_the_same_losses(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS,
                                   'sgnas_generator_nb201-supernet_1xb64-20e_cifar10-subset.py'))
    DefaultScope.get_instance('resume_losses', scope_name='mmpretrain')
    supernet = MODELS.build(cfg.model.supernet)
    torch.save(dict(state_dict=supernet.state_dict()), tmp_path / 'supernet.pth')
    cfg.merge_from_dict(dict(SHORT, model=dict(supernet_checkpoint=str(tmp_path / 'supernet.pth'))))
    resumed_equals_uninterrupted(cfg, tmp_path)
