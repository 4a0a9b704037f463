"""NAS-Bench-201 results: percentiles, Table 3, Fig. 5, and the one-command run (short mode)."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import REPO, load_tool
from mmsgnas.analysis.nb201_headroom import control_summary, noisy_ranker
from mmsgnas.analysis.nb201_results import (Benchmark, architectures_table,
                                            fitted_random_control, kendall_tau, markdown_table,
                                            plot_fig5, raw_generator_summary)
from mmsgnas.flops import NB201FlopsTable
from mmsgnas.spaces import NB201Sampler, NB201Space

BEST = ('nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'skip_connect', 'nor_conv_1x1',
        'nor_conv_3x3')  # the benchmark's best on CIFAR-10 (94.37 %, 153.27 MFLOPs)


@pytest.fixture(scope='module')
def bench():
    return Benchmark()


def test_percentile_and_optimum_at_a_budget(bench):
    assert bench.accuracy(BEST) == pytest.approx(94.3733, abs=1e-3)
    assert bench.table.mflops(BEST) == pytest.approx(153.27, abs=0.01)
    assert bench.percentile(BEST, 160.0) == 100.0
    assert bench.optimal(160.0) == pytest.approx(bench.accuracy(BEST))
    # below its FLOPs the best is out of reach: the optimum there is lower
    assert bench.optimal(150.0) < bench.accuracy(BEST)
    worst = ('none', ) * 6
    assert bench.percentile(worst, 220.0) < 5.0
    # the percentile is over the architectures within the budget only
    n_within = int((bench.flops <= 50.0).sum())
    acc = bench.accuracy('|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|'
                         '+|skip_connect~0|nor_conv_1x1~1|nor_conv_1x1~2|')
    expected = 100.0 * np.sum(bench.acc['cifar10'][bench.flops <= 50.0] <= acc) / n_within
    assert bench.percentile('|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|'
                            '+|skip_connect~0|nor_conv_1x1~1|nor_conv_1x1~2|',
                            50.0) == pytest.approx(expected)


def test_noisy_ranker_exact_and_noisy(bench):
    exact = noisy_ranker(bench, [100.0, 200.0], 0.0, draws=3, num_random=50)
    assert exact['tau'] == pytest.approx(1.0)
    for t, picks in exact['picks'].items():  # no noise: the optimum within the target
        assert np.allclose(picks, bench.optimal(t))
    noisy = noisy_ranker(bench, [200.0], 4.0, draws=40, num_random=200, seed=1)
    assert 0.2 < noisy['tau'] < 0.7
    assert noisy['picks'][200.0].mean() < bench.optimal(200.0) - 0.5
    with pytest.raises(ValueError, match='noise_sd must be >= 0'):
        noisy_ranker(bench, [200.0], float('nan'))
    with pytest.raises(ValueError, match='below the smallest architecture'):
        noisy_ranker(bench, [1.0], 1.0, draws=1)
    with pytest.raises(ValueError, match='num_random'):
        noisy_ranker(bench, [200.0], 1.0, num_random=1)
    with pytest.raises(ValueError, match='draws'):
        noisy_ranker(bench, [200.0], 1.0, draws=0)


def test_control_summary_matches_the_benchmark_control(bench):
    rows = control_summary(bench, [100.0, 200.0], seeds=[0], draws=10)
    runs = fitted_random_control(NB201Space(), NB201FlopsTable.get(), [100.0, 200.0], [0],
                                 draws=10)
    for row in rows:
        archs = [r['arch'] for r in runs[0] if r['target'] == row['target']]
        assert len(archs) == 10
        assert row['mean'] == pytest.approx(np.mean([bench.accuracy(a) for a in archs]))
        assert row['percentile'] == pytest.approx(
            np.mean([bench.percentile(a, row['target']) for a in archs]))
        assert row['distinct'] == len(set(map(tuple, archs)))
        # the fitting lands within the budget, under its optimum
        assert row['flops'][-1] <= row['target'] and row['mean'] < row['optimum']


def test_headroom_tool(tmp_path):
    tool = load_tool('tools/analysis/nb201_headroom.py')
    out = tool.main(['--targets', '100', '200', '--noise', '0', '8', '--draws', '5',
                     '--num-random', '50', '--control-draws', '10', '--seeds', '0',
                     '--out', str(tmp_path / 'h.json')])
    assert json.loads((tmp_path / 'h.json').read_text()) == json.loads(json.dumps(out))
    assert [c['target'] for c in out['controls']] == [100.0, 200.0]
    exact, noisy = out['noisy_ranker']
    assert [p['target'] for p in exact['picks']] == [100.0, 200.0]
    for p, c in zip(exact['picks'], out['controls']):  # no noise: the optimum, above it
        assert p['mean'] == pytest.approx(c['optimum']) and p['over_control'] == 1.0
    assert noisy['tau'] < exact['tau'] == pytest.approx(1.0)


def fake_runs(bench):
    """Three seeds of three methods over two targets: feasible random architectures."""
    runs = {}
    for m, method in enumerate(('generator', 'random', 'evolution')):
        runs[method] = {}
        for seed in range(3):
            sampler, rows = NB201Sampler(10 * m + seed), []
            for target in (60.0, 150.0):
                arch = sampler.sample()
                while bench.table.mflops(arch) > target:
                    arch = sampler.sample()
                rows.append(dict(target=target, arch=arch, top1=float(seed + target / 10),
                                 generated=BEST))
            runs[method][seed] = rows
    return runs


def test_table3_layout_and_numbers(bench, tmp_path):
    runs = fake_runs(bench)
    sampler = NB201Sampler(99)
    background = [dict(arch=a, top1=bench.accuracy(a)) for a in
                  [sampler.sample() for _ in range(30)]]
    assert kendall_tau(bench, background) == pytest.approx(1.0)  # same ranking as the truth
    control = fitted_random_control(NB201Space(), NB201FlopsTable.get(), [60.0, 150.0],
                                    range(3), draws=4)
    for rows in control.values():  # 4 draws fitted to each budget, no evaluation
        assert len(rows) == 8 and len({r['arch'] for r in rows}) > 2
        assert all(bench.table.mflops(r['arch']) <= r['target'] for r in rows)
        assert 'top1' not in rows[0]
    with pytest.raises(ValueError, match='draws must be >= 1, got 0'):
        fitted_random_control(NB201Space(), NB201FlopsTable.get(), [60.0], [0], draws=0)
    md = markdown_table(bench, runs, background, notes=['a note'],
                        controls={'control': control})
    assert '| optimal (benchmark) | 94.37 | 73.51 | 47.31 |' in md
    assert '| SGNAS (paper, Table 3) | 93.53 ± 0.12 | 70.31 ± 1.09 | 44.98 ± 2.10 |' in md
    # a method's Table-3 cell: mean and std over seeds of the pick of each run (the
    # architecture with the highest inherited top-1, here the 150 MFLOPs one)
    picks = [bench.accuracy(runs['random'][s][1]['arch']) for s in range(3)]
    assert f'| random (ours, best of its targets) | {np.mean(picks):.2f} ± {np.std(picks):.2f}' \
        in md
    # optimum, 3 methods, the control (no inherited top-1)
    assert md.count('| 60 | ') == 5 and md.count('| 150 | ') == 5
    assert md.count('| 60 | control | ') == 1 and md.count(' | - |') == 2
    assert 'over 30 random architectures: **1.000**' in md and '- a note' in md
    # raw generator outputs (BEST, 153 MFLOPs) are over the 60 and 150 targets
    assert 'over target 6 / 6' in raw_generator_summary(bench, runs['generator'][0] +
                                                        runs['generator'][1] +
                                                        runs['generator'][2])
    archs = architectures_table(bench, runs)
    assert archs.count('\n') == 2 + 3 * 3 * 2
    assert NB201Space.format(BEST).replace('|', '\\|') in archs  # pipes escaped inside cells
    path = plot_fig5(bench, runs, str(tmp_path / 'fig5.png'))
    assert osp.getsize(path) > 10000


def short_run(work, *args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'nb201_benchmark.py'), '--short',
         '--work-dir', str(work), *args], cwd=REPO, capture_output=True, text=True,
        timeout=timeout)


@pytest.mark.slow
def test_one_command_short_mode(tmp_path):
    """The full pipeline (supernet, 2 seeds of generator + 3 searches, tau, table, plot) on a
    few iterations: every stage runs under the real Runner and every output is written; then
    the reuse of finished stages, and the split on the same work dir."""
    work = tmp_path / 'nb201'
    proc = short_run(work, '--seeds', '0', '1')
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (work / 'results.md').read_text()
    for method in ('generator', 'random', 'evolution'):
        assert f'| {method} (ours, best of its targets) |' in md
        for seed in range(2):
            csv_file = work / f'seed_{seed}' / method / 'results.csv'
            lines = csv_file.read_text().splitlines()
            assert len(lines) == 1 + 4  # the search config's 4 targets
            # each method's own loop (only the generator's records what it generated)
            assert ('generated' in lines[0].split(',')) == (method == 'generator')
            for line in lines[1:]:
                target, mflops = map(float, line.split(',')[:2])
                assert mflops <= target
                NB201Space.parse(line.split(',')[5])
    assert 'Kendall tau' in md and 'over 8 random architectures' in md and 'split on edge' not in md
    assert (work / 'fig5.png').stat().st_size > 10000
    assert (work / 'supernet' / 'epoch_1.pth').is_file()
    # every finished stage is marked; a second call reuses exactly the marked ones: a stage
    # whose marker is gone (as after a kill) runs again, the others are reused
    assert (work / 'supernet' / 'stage_done.json').is_file()
    assert (work / 'seed_0' / 'generator_train' / 'stage_done.json').is_file()
    (work / 'seed_1' / 'random' / 'stage_done.json').unlink()
    again = short_run(work, '--seeds', '0', '1', timeout=300)
    assert again.returncode == 0 and '[nb201] supernet ...' not in again.stdout
    assert '[nb201] random search (seed 1) ...' in again.stdout
    assert '[nb201] random search (seed 0) ...' not in again.stdout
    assert '[nb201] generator (seed 0) ...' not in again.stdout
    # --split-edge on the same work dir: the supernet reused, the split fine-tuned from it
    # under the Runner, the generator and the searches on it, all in split3/
    split = short_run(work, '--seeds', '0', '--split-edge', '3')
    assert split.returncode == 0, split.stderr[-3000:]
    assert '[nb201] supernet ...' not in split.stdout
    assert '[nb201] supernet split ...' in split.stdout
    assert '[nb201] generator (seed 0) ...' in split.stdout  # not the unsplit one's
    state = torch.load(work / 'split3' / 'supernet' / 'epoch_1.pth', map_location='cpu',
                       weights_only=False)['state_dict']
    assert any(k.startswith('backbone.subnets.4.') for k in state)
    assert 'then split on edge 3' in (work / 'split3' / 'results.md').read_text()
    assert 'split on edge' not in (work / 'results.md').read_text()
    lines = (work / 'split3' / 'seed_0' / 'generator' / 'results.csv').read_text().splitlines()
    assert len(lines) == 1 + 4


def test_a_finished_stage_of_other_settings_is_an_error(tmp_path):
    """A stage's marker holds its settings, resolved (the configs' defaults given or not),
    and the run ids of the stages it takes checkpoints from: the same settings reuse it,
    others stop the call (its outputs would pass for this call's), no marker runs it."""
    tool = load_tool('tools/nb201_benchmark.py')

    def settings(*argv, upstream=()):
        args = tool.parse_args(['--short', *argv])
        args.network = tool.network(args)
        return tool.stage_settings(args, upstream, test_cfg=dict(targets=[50.0]))

    supernet, stage = tmp_path / 'supernet', tmp_path / 'generator'
    supernet.mkdir()
    stage.mkdir()
    (supernet / tool.DONE).write_text(json.dumps(dict(stage='supernet', seconds=3.0, id='a')))
    mine = settings('--cells-per-stage', '2', upstream=[str(supernet)])
    assert mine['upstream'] == ['a'] and mine['widen_factor'] == 1.0
    assert not tool.finished(str(stage), mine)
    (stage / tool.DONE).write_text(json.dumps(dict(stage='generator', seconds=3.0, id='b',
                                                   settings=mine)))
    assert tool.finished(str(stage), mine)
    # the configs' defaults, given or not, are the same settings
    assert settings() == settings('--cells-per-stage', '1', '--widen-factor', '1')
    with pytest.raises(ValueError, match=r"holds the stage 'generator' run with settings .*"
                       r"'cells_per_stage': 2.*not this call's .*'cells_per_stage': 1"):
        tool.finished(str(stage), settings(upstream=[str(supernet)]))
    # the supernet retrained (a new run id): the generator trained on the old one is not reused
    (supernet / tool.DONE).write_text(json.dumps(dict(stage='supernet', seconds=3.0, id='c')))
    with pytest.raises(ValueError, match=r"'upstream': \['a'\].*'upstream': \['c'\]"):
        tool.finished(str(stage), settings('--cells-per-stage', '2', upstream=[str(supernet)]))
    (stage / tool.DONE).write_text(json.dumps(dict(stage='generator', seconds=3.0)))
    with pytest.raises(ValueError, match='a marker of before 2026-12-07, without settings'):
        tool.finished(str(stage), mine)


def test_cells_per_stage_reaches_every_stage_config():
    """``--cells-per-stage`` and ``--widen-factor`` set the supernet's depth and width in the
    supernet, generator and search configs alike (a checkpoint of one shape does not load
    into another), the head's input with the width."""
    tool = load_tool('tools/nb201_benchmark.py')
    for name in (tool.SUPERNET_CONFIG, tool.GENERATOR_CONFIG, tool.SEARCH_CONFIG):
        default = tool.load(name, 'work_dirs/x', 'x', False)
        cfg = tool.load(name, 'work_dirs/x', 'x', False, cells_per_stage=2)
        backbone = cfg.model.get('supernet', cfg.model).backbone
        assert backbone.type == 'mmsgnas.NB201Supernet' and backbone.cells_per_stage == 2
        assert default.model.get('supernet', default.model).backbone.cells_per_stage == 1
        narrow = tool.load(name, 'work_dirs/x', 'x', False, 5, 0.5).model
        narrow = narrow.get('supernet', narrow)
        assert (narrow.backbone.cells_per_stage, narrow.backbone.widen_factor,
                narrow.head.in_channels) == (5, 0.5, 32)
        assert 'widen_factor' not in default.model.get('supernet', default.model).backbone
