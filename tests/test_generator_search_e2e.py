"""Generator training and search under the real Runner, on a few embedded images."""
import copy
import csv
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.testing import RunnerTestCase

from conftest import GENERATOR_CONFIG, REPO, SEARCH_CONFIG, load_tool
from mmsgnas.flops import SGNASFlopsTable
from mmsgnas.spaces import SGNASSpace


def small(cfg: Config, work_dir: str, supernet_ckpt: str) -> Config:
    cfg.work_dir = work_dir
    cfg.model.supernet_checkpoint = supernet_ckpt
    for name in ('train_dataloader', 'test_dataloader'):
        if cfg.get(name):
            cfg[name].update(num_workers=0, persistent_workers=False, batch_size=16)
            cfg[name].dataset.indices = 32
    if cfg.get('test_cfg') and cfg.test_cfg.get('calib_batches'):  # 1 small batch
        cfg.test_cfg.calib_batches = 1
        cfg.test_cfg.calib_dataloader.update(batch_size=16)
        cfg.test_cfg.calib_dataloader.dataset.indices = 16
    cfg.train_cfg.max_epochs = 1
    cfg.log_level = 'WARNING'
    cfg.env_cfg = dict(dist_cfg=dict(backend='gloo'))
    return cfg


@pytest.mark.slow
class TestGeneratorSearch(RunnerTestCase):

    def setUp(self):
        super().setUp()
        init_default_scope('mmpretrain')
        from mmpretrain.registry import MODELS
        supernet_cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', 'supernet.py'))
        self.supernet_ckpt = osp.join(self.temp_dir.name, 'supernet.pth')
        torch.save({'state_dict': MODELS.build(supernet_cfg.model).state_dict()},
                   self.supernet_ckpt)

    def cfg(self, name: str) -> Config:
        return small(Config.fromfile(osp.join(REPO, 'configs', 'sgnas', name)),
                     self.temp_dir.name, self.supernet_ckpt)

    def test_train_then_search(self):
        runner = self.build_runner(self.cfg(GENERATOR_CONFIG))
        runner.train()
        best = osp.join(self.temp_dir.name, 'best_generator.pth')
        assert osp.isfile(best)
        assert -1 <= runner.message_hub.get_scalar('generator/kendall_tau').current() <= 1
        state = torch.load(best)['state_dict']
        assert not any(k.startswith('supernet.') for k in state)  # only the generator
        # the released generator's 67,969 parameters, plus the config's per-position bias
        assert sum(v.numel() for k, v in state.items() if k.startswith('generator.')
                   and k != 'generator.position_bias') == 67969
        assert state['generator.position_bias'].numel() == 19 * 6 * 4

        cfg = self.cfg(SEARCH_CONFIG)
        cfg.load_from = best
        cfg.test_cfg.update(targets=[80, 100, 120], num_background=3)  # the trained range
        metrics = self.build_runner(cfg).test()
        assert set(metrics) >= {'generator/top1_80M', 'generator/top1_120M'}
        out = osp.join(self.temp_dir.name, 'search')
        table = SGNASFlopsTable.get('cifar')
        files = sorted(glob.glob(osp.join(out, 'arch_*M.json')))
        assert len(files) == 3
        for f in files:
            target = float(osp.basename(f)[5:-6])
            # fitted to the budget: never over, at most 1 % under (fill_tolerance)
            assert 0.99 * target <= table.mflops(SGNASSpace.parse(f)) <= target
        for name in ('results.csv', 'results.md', 'target_vs_flops.png', 'top1_vs_flops.png'):
            assert osp.getsize(osp.join(out, name)) > 0
        # best_arch.json: the row with the highest top-1, usable as SGNASNet's arch
        with open(osp.join(out, 'results.csv')) as f:
            best_row = max(csv.DictReader(f), key=lambda r: float(r['top1']))
        assert SGNASSpace.parse(osp.join(out, 'best_arch.json')) == \
            SGNASSpace.parse(best_row['arch'])

        # the measurement tool: precision over a sweep, quality against random architectures
        report = load_tool('tools/analysis/generator_report.py')
        small_loader = ['test_dataloader.num_workers=0', 'test_dataloader.batch_size=16',
                        'test_dataloader.dataset.indices=32',
                        'test_dataloader.persistent_workers=False', 'test_cfg.calib_batches=1',
                        'test_cfg.calib_dataloader.batch_size=16',
                        'test_cfg.calib_dataloader.dataset.indices=16']
        prec, qual = report.main([
            osp.join(REPO, 'configs/sgnas/' + SEARCH_CONFIG), best, '--num-targets', '6',
            '--quality-targets', '90', '120', '--num-random', '3', '--evolution-evals', '4',
            '--cfg-options',
            f'model.supernet_checkpoint={self.supernet_ckpt}', *small_loader])
        assert [p['output'] for p in prec] == ['raw argmax', 'fitted (search output)']
        assert prec[1]['num_over'] == 0 and prec[1]['mean_rel_error'] <= 0.01
        assert [q['target'] for q in qual] == [90.0, 120.0]
        assert all(q['cost'] <= q['target'] and 0 <= q['percentile'] <= 100 for q in qual)
        assert all(q['evolution_evals'] == 4 and q['random_median'] <= q['random_p90'] <=
                   q['random_best'] for q in qual)
        # selection on one half of val, judged on the other: evolution's pick and the random
        # pick are scored on images they did not select on
        held_out = [*small_loader, 'test_dataloader.dataset.ann_file=meta/val_holdout.txt']
        _, held = report.main([
            osp.join(REPO, 'configs/sgnas/' + SEARCH_CONFIG), best, '--num-targets', '2',
            '--quality-targets', '120', '--num-random', '3', '--evolution-evals', '4',
            '--select-split', 'meta/val_search.txt', '--cfg-options',
            f'model.supernet_checkpoint={self.supernet_ckpt}', *held_out])
        row = held[0]
        assert 0 <= row['random_pick_percentile'] <= 100
        assert {'evolution_top1', 'evolution_select_top1'} <= set(row)
        with pytest.raises(ValueError, match="--select-split 'meta/val_holdout.txt' is the "
                           'test split itself'):
            report.main([osp.join(REPO, 'configs/sgnas/' + SEARCH_CONFIG), best,
                         '--num-targets', '2', '--quality-targets', '120', '--num-random', '3',
                         '--select-split', 'meta/val_holdout.txt', '--cfg-options',
                         f'model.supernet_checkpoint={self.supernet_ckpt}', *held_out])

        # the baselines: one config change, same outputs
        cfg = copy.deepcopy(cfg)
        cfg.load_from = None
        cfg.test_cfg.update(type='mmsgnas.RandomSearchLoop', num_candidates=2, targets=[90],
                            out_dir='random', num_background=0)
        assert 'random/top1_90M' in self.build_runner(cfg).test()

    def test_bad_inputs(self):
        cfg = self.cfg(SEARCH_CONFIG)
        cfg.test_cfg.targets = [30, 90]
        with self.assertRaisesRegex(ValueError, r'outside the space: feasible range is'):
            self.build_runner(cfg).test()
        cfg.test_cfg.targets = []
        with self.assertRaisesRegex(ValueError, 'list of targets is empty'):
            self.build_runner(cfg).test()
        cfg = self.cfg(GENERATOR_CONFIG)
        cfg.model.supernet_checkpoint = osp.join(self.temp_dir.name, 'missing.pth')
        with self.assertRaisesRegex(FileNotFoundError, 'supernet checkpoint .* does not exist'):
            self.build_runner(cfg)
        # a generator trained for another constraint range does not load
        cfg = self.cfg(GENERATOR_CONFIG)
        cfg.model.constraint_range = (60.0, 100.0)
        runner = self.build_runner(cfg)
        runner.train()
        cfg = self.cfg(SEARCH_CONFIG)
        cfg.load_from = osp.join(self.temp_dir.name, 'best_generator.pth')
        with self.assertRaisesRegex(ValueError, 'generator checkpoint does not match'):
            self.build_runner(cfg).test()
        cfg.load_from = self.supernet_ckpt
        with self.assertRaisesRegex(ValueError, 'holds no SGNAS generator'):
            self.build_runner(cfg).test()
