"""The search loops under the real Runner with latency targets and the Pareto front (NB201
supernet, a few embedded images, a latency table measured here)."""
import csv
import glob
import json
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.testing import RunnerTestCase

from conftest import NB201_SEARCH_CONFIG, REPO
from mmsgnas.latency import LatencyMeter, build_nb201_table, load_latency_table, table_path
from mmsgnas.spaces import NB201Space


class TestLatencySearch(RunnerTestCase):

    def setUp(self):
        super().setUp()
        init_default_scope('mmpretrain')
        from mmpretrain.registry import MODELS
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_SEARCH_CONFIG))
        self.ckpt = osp.join(self.temp_dir.name, 'supernet.pth')
        torch.save({'state_dict': MODELS.build(cfg.model.supernet).state_dict()}, self.ckpt)
        self.root = osp.join(self.temp_dir.name, 'latency')
        table = build_nb201_table(LatencyMeter('pytorch', warmup=1, repeats=3, rounds=3))
        self.table_file = table.save(table_path(self.root, 'nb201', 'nb201', 'pytorch', 1, 1, 32))

    def cfg(self) -> Config:
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_SEARCH_CONFIG))
        cfg.work_dir = self.temp_dir.name
        table = load_latency_table(self.table_file)
        low, high = table.min_cost, table.max_cost
        cfg.model.update(supernet_checkpoint=self.ckpt, constraint='latency',
                         latency_table=dict(runtime='pytorch', threads=1, batch=1,
                                            root=self.root),
                         constraint_range=(low + 0.3 * (high - low), low + 0.9 * (high - low)))
        cfg.test_dataloader.update(num_workers=0, persistent_workers=False, batch_size=16)
        cfg.test_dataloader.dataset.indices = 32
        cfg.log_level = 'WARNING'
        return cfg

    def test_random_search_for_latency_targets_writes_the_front(self):
        cfg = self.cfg()
        cfg.test_cfg.update(type='mmsgnas.RandomSearchLoop', targets=None, num_targets=4,
                            num_candidates=3, num_background=5, front=True, out_dir='front')
        runner = self.build_runner(cfg)
        metrics = runner.test()
        out = osp.join(self.temp_dir.name, 'front')
        table = load_latency_table(self.table_file)
        rows = list(csv.DictReader(open(osp.join(out, 'results.csv'))))
        assert len(rows) == 4
        for r in rows:
            assert table.ms(NB201Space.parse(r['arch'])) == float(r['latency_ms'])
            assert float(r['latency_ms']) <= float(r['target'])
            assert float(r['measured_ms']) > 0 and float(r['mflops']) > 0
            assert osp.isfile(r['file']) and r['file'].endswith('ms.json')
        md = open(osp.join(out, 'results.md')).read()
        assert 'latency predicted (ms) | latency measured (ms) | FLOPs (M)' in md
        # the front: every member non-dominated among what the search evaluated
        front = list(csv.DictReader(open(osp.join(out, 'pareto.csv'))))
        assert 1 <= len(front) <= metrics['random/evaluated'] <= 12
        evaluated = [json.loads(line) for line in open(osp.join(out, 'evaluations.jsonl'))][1:]
        assert len(evaluated) >= metrics['random/evaluated']
        for m in front:
            arch = NB201Space.parse(m['arch'])
            assert json.load(open(m['file']))['arch'] == m['arch']
            assert float(m['latency_ms']) == table.ms(arch)
        costs = [float(m['latency_ms']) for m in front]
        accs = [float(m['top1']) for m in front]
        assert costs == sorted(costs) and accs == sorted(accs)
        assert metrics['random/hypervolume'] >= 0
        assert osp.getsize(osp.join(out, 'pareto.png')) > 1000
        # the plot went to the visualizer too (its local backend writes it under vis_data)
        sent = glob.glob(osp.join(self.temp_dir.name, '**', 'random_pareto_0.png'),
                         recursive=True)
        assert len(sent) == 1 and osp.getsize(sent[0]) > 1000
        for name in ('random_target_vs_latency_0.png', 'random_top1_vs_latency_0.png'):
            assert glob.glob(osp.join(self.temp_dir.name, '**', name), recursive=True), name
