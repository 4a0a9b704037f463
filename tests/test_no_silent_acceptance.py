"""Bad input gets a clear error naming the value and what was expected (issue: no silent
acceptance): a generator search without a checkpoint, targets outside the generator's range,
non-finite losses, non-positive search sizes, an empty split, a mismatched supernet
checkpoint, and architecture files that are not plain data."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner import Runner

import mmsgnas  # noqa: F401
from mmsgnas.engine import GeneratorHook
from mmsgnas.flops import NB201FlopsTable
from mmsgnas.search import SubnetEvaluator, evolution_search, random_search
from mmsgnas.spaces import NB201Space, SGNASSpace

from conftest import REPO

CONFIGS = osp.join(REPO, 'configs', 'sgnas')
SUPERNET = 'sgnas_nb201-supernet_1xb64-60e_cifar10-subset.py'
GENERATOR = 'sgnas_generator_nb201-supernet_1xb64-20e_cifar10-subset.py'
SEARCH = 'sgnas_search_nb201-supernet_1xb64_cifar10-subset.py'
SMALL = dict(train_cfg=dict(max_epochs=1), log_level='WARNING',
             train_dataloader=dict(batch_size=4, num_workers=0, persistent_workers=False,
                                   dataset=dict(indices=8)))
ZERO_STD = dict(type='ClsDataPreprocessor', mean=[0.0] * 3, std=[0.0] * 3)  # inputs: inf


def config(name: str, work_dir, **overrides) -> Config:
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.merge_from_dict(dict(overrides, work_dir=str(work_dir)))
    return cfg


@pytest.fixture(scope='module')
def supernet_checkpoint(tmp_path_factory) -> str:
    DefaultScope.get_instance('no_silent_acceptance', scope_name='mmpretrain')
    model = MODELS.build(Config.fromfile(osp.join(CONFIGS, SUPERNET)).model)
    path = str(tmp_path_factory.mktemp('supernet') / 'supernet.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def build_generator(supernet_checkpoint: str):
    cfg = Config.fromfile(osp.join(CONFIGS, GENERATOR))
    cfg.model.supernet_checkpoint = supernet_checkpoint
    DefaultScope.get_instance('no_silent_acceptance_g', scope_name='mmpretrain')
    return MODELS.build(cfg.model)


def test_generator_search_without_a_checkpoint_is_refused(tmp_path, supernet_checkpoint):
    cfg = config(SEARCH, tmp_path, model=dict(supernet_checkpoint=supernet_checkpoint),
                 test_dataloader=dict(batch_size=8, num_workers=0, dataset=dict(indices=8)))
    assert cfg.get('load_from') is None
    with pytest.raises(ValueError, match='no trained weights: pass the generator checkpoint'):
        Runner.from_cfg(cfg).test()


def test_targets_outside_the_trained_range_need_an_explicit_opt_in(supernet_checkpoint):
    model = build_generator(supernet_checkpoint)
    assert model.constraint_range == (20.0, 200.0)
    with pytest.raises(ValueError, match=r'target\(s\) \[10.0\] MFLOPs outside the constraint '
                                         r'range the generator was trained on, \[20, 200\]'):
        model.generate([10.0, 50.0])
    assert len(model.generate([10.0, 50.0], extrapolate=True)) == 2


def test_non_finite_supernet_loss_stops_training(tmp_path):
    cfg = config(SUPERNET, tmp_path, data_preprocessor=ZERO_STD, val_cfg=None,
                 val_dataloader=None, val_evaluator=None,
                 default_hooks=dict(checkpoint=dict(save_best=None)), **SMALL)
    with pytest.raises(FloatingPointError, match='supernet training: non-finite loss .* at '
                                                 'iteration 0'):
        Runner.from_cfg(cfg).train()


def test_non_finite_generator_loss_stops_training(tmp_path, supernet_checkpoint):
    cfg = config(GENERATOR, tmp_path, model=dict(supernet_checkpoint=supernet_checkpoint,
                                                 data_preprocessor=ZERO_STD), **SMALL)
    with pytest.raises(FloatingPointError, match='generator training: non-finite loss at '
                                                 'iteration 0'):
        Runner.from_cfg(cfg).train()


@pytest.mark.parametrize('sizes,name', [(dict(num_candidates=0), 'num_candidates'),
                                        (dict(num_candidates=-3), 'num_candidates')])
def test_random_search_sizes(sizes, name):
    with pytest.raises(ValueError, match=f'{name} must be an integer >= 1, got'):
        random_search(100.0, NB201Space(), NB201FlopsTable.get(), None, max_tries=10, seed=0,
                      **sizes)


@pytest.mark.parametrize('name', ['population', 'top_k', 'generations'])
def test_evolution_sizes(name):
    sizes = dict(population=4, generations=2, top_k=2)
    sizes[name] = 0
    with pytest.raises(ValueError, match=f'{name} must be an integer >= 1, got 0'):
        evolution_search(100.0, NB201Space(), NB201FlopsTable.get(), None, mutation_prob=0.5,
                         max_tries=10, seed=0, **sizes)


def test_empty_evaluation_split_is_refused(supernet_checkpoint):
    model = build_generator(supernet_checkpoint)
    with pytest.raises(ValueError, match='the evaluation split is empty'):
        SubnetEvaluator(model.supernet, [], data_preprocessor=model.data_preprocessor)


def test_mismatched_supernet_checkpoint_names_file_and_key(tmp_path, supernet_checkpoint):
    state = torch.load(supernet_checkpoint)['state_dict']
    state['head.fc.weight'] = torch.zeros(5, 64)  # a 5-class head
    bad = str(tmp_path / 'five_classes.pth')
    torch.save(dict(state_dict=state), bad)
    with pytest.raises(ValueError, match=r"five_classes.pth' does not match the supernet "
                                         r"config: 'head.fc.weight' has shape \(5, 64\)"):
        build_generator(bad)


def test_architecture_yaml_is_read_as_data_only(tmp_path):
    marker = tmp_path / 'ran'
    evil = tmp_path / 'arch.yaml'
    evil.write_text(f'arch: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(ValueError, match='is not plain JSON / YAML data'):
        SGNASSpace.parse(str(evil))
    assert not marker.exists()
    listed = tmp_path / 'list.yaml'
    listed.write_text('- 1\n- 2\n')
    with pytest.raises(ValueError, match="holds a list, expected a mapping with an 'arch'"):
        SGNASSpace.parse(str(listed))
    plain = tmp_path / 'ok.yaml'
    plain.write_text("arch: 'SGNAS-A'\n")
    assert SGNASSpace.parse(str(plain)) == SGNASSpace.parse('SGNAS-A')


def test_generator_hook_keeps_its_best_score_across_resume():
    hook = GeneratorHook(best_by='ce')
    hook.best = (-1.25, )
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    resumed = GeneratorHook(best_by='ce')
    resumed.after_load_checkpoint(None, checkpoint)
    assert resumed.best == (-1.25, ) and resumed.best > (-1.3, )
    other = GeneratorHook(best_by='flops')  # another rule: its scores do not compare
    other.after_load_checkpoint(None, checkpoint)
    assert other.best is None
    sweep = GeneratorHook(best_by='sweep', sweep_images=64)
    sweep.best = (-1.25, )
    sweep.before_save_checkpoint(None, checkpoint)
    same, fewer = (GeneratorHook(best_by='sweep', sweep_images=n) for n in (64, 32))
    sparser = GeneratorHook(best_by='sweep', sweep_images=64, num_targets=10)
    for hook in (same, fewer, sparser):
        hook.after_load_checkpoint(None, checkpoint)
    assert same.best == (-1.25, )
    assert fewer.best is None and sparser.best is None  # other images or targets
