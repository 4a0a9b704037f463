"""A training batch of each stage crosses at most 7 files of the package (both spaces)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS
from mmengine.runner import Runner

import mmsgnas  # noqa: F401
from mmsgnas.analysis.batch_files import first_iteration_files

from conftest import REPO

CONFIGS = osp.join(REPO, 'configs', 'sgnas')
SUPERNETS = {'sgnas': 'sgnas_unified-supernet_1xb32-2e_cifar10-subset.py',
             'nb201': 'sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py'}
GENERATORS = {'sgnas': 'sgnas_generator_unified-supernet_1xb64-5e_cifar10-subset.py',
              'nb201': 'sgnas_generator_nb201-supernet_1xb64-20e_cifar10-subset.py'}
ONE_ITER = dict(train_cfg=dict(max_epochs=1),
                train_dataloader=dict(batch_size=4, num_workers=0, persistent_workers=False,
                                      dataset=dict(indices=4)),
                log_level='WARNING')


def runner(name: str, work_dir, **overrides) -> Runner:
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.merge_from_dict(dict(ONE_ITER, work_dir=str(work_dir), **overrides))
    return Runner.from_cfg(cfg)


@pytest.mark.parametrize('space', ['sgnas', 'nb201'])
def test_batch_files(space, tmp_path):
    files = first_iteration_files(runner(
        SUPERNETS[space], tmp_path / 'supernet', val_cfg=None, val_dataloader=None,
        val_evaluator=None, default_hooks=dict(checkpoint=dict(save_best=None))))
    assert 'engine/supernet_loops.py' in files
    assert len(files) <= 7, sorted(files)

    cfg = Config.fromfile(osp.join(CONFIGS, GENERATORS[space]))
    supernet = MODELS.build(cfg.model.supernet)
    ckpt = tmp_path / 'supernet.pth'
    torch.save(dict(state_dict=supernet.state_dict()), ckpt)
    files = first_iteration_files(runner(
        GENERATORS[space], tmp_path / 'generator', model=dict(supernet_checkpoint=str(ckpt),
                                                              monitor_interval=1)))
    assert {'engine/generator_loops.py', 'algorithms/sgnas.py'} <= files
    assert len(files) <= 7, sorted(files)
    # the score-function estimator (an option) adds its own file, and only that
    reinforce = first_iteration_files(runner(
        GENERATORS[space], tmp_path / 'reinforce', model=dict(
            supernet_checkpoint=str(ckpt), monitor_interval=1, estimator='reinforce',
            num_samples=2)))
    assert reinforce - files == {'algorithms/reinforce.py'}, sorted(reinforce)
