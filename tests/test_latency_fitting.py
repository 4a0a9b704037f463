"""The NAS-Bench-201 latency table fitted on whole networks: its node terms (lookup, soft cost,
floors), the least squares, the anchors that take the machine's drift out between chunks,
resuming, the file and the tool."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import REPO
from mmsgnas.latency import (LatencyMeter, NB201LatencyTable, calibrate, device_name,
                             fit_nb201_table, load_latency_table, table_path)
from mmsgnas.latency.fitting import NUM_TERMS, least_squares, mixed_archs
from mmsgnas.latency.tables import NODE_GROUPS
from mmsgnas.search import op_floors
from mmsgnas.spaces import NB201Space
from mmsgnas.spaces.nb201 import EDGES, OPS

HEADER = dict(space='nb201', variant='nb201', input_size=32, batch=1, device=device_name(),
              runtime='pytorch', threads=1, warmup=1, repeats=2, rounds=2)


def additive_truth(seed: int):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.0, 2.0, (6, 5))
    cost[:, 0] = 0.0  # 'none': in the constant
    const = float(rng.uniform(1.0, 3.0))
    return const, cost, lambda arch: const + sum(cost[e, OPS.index(op)]
                                                  for e, op in enumerate(arch))


def node_truth(seed: int):
    """An additive truth plus a cost per op at each node where edges meet, paid once however
    many of the node's edges hold the op (written out here, not with the table's code)."""
    const, cost, additive = additive_truth(seed)
    node_cost = np.random.default_rng(seed + 100).uniform(-0.3, 1.0, (4, 5))
    into = lambda node: [e for e, (_, t) in enumerate(EDGES) if t == node]  # noqa: E731
    out_of = lambda node: [e for e, (i, _) in enumerate(EDGES) if i == node]  # noqa: E731
    groups = [into(2), into(3), out_of(0), out_of(1)]

    def truth(arch):
        return additive(arch) + sum(node_cost[g, OPS.index(op)] for g, edges in enumerate(groups)
                                    for op in {arch[e] for e in edges})
    return const, cost, node_cost, truth


class DriftingMeter(LatencyMeter):
    """Times every network as a given truth would, times a speed that changes from one
    measurement call to the next (as this machine's does)."""

    def __init__(self, truth, speeds) -> None:
        super().__init__('pytorch')
        self.truth, self.speeds, self.calls = truth, list(speeds), 0

    def measure_many(self, items, part=True):
        assert part is False  # whole networks, not parts
        speed = self.speeds[self.calls % len(self.speeds)]
        self.calls += 1
        return [speed * self.truth(net.arch) for net, _ in items]


def test_mixed_archs_span_the_space_and_are_reproducible():
    archs = mixed_archs(200, 0)
    assert archs == mixed_archs(200, 0) and archs != mixed_archs(200, 1)
    assert len(set(archs)) == 200  # distinct
    assert all(NB201Space.parse(a) == a for a in archs)
    # each its own op mix: some networks are mostly one op
    assert max(max(a.count(op) for op in OPS) for a in archs) == 6
    with pytest.raises(ValueError, match='15626 distinct NB201 architectures asked for, '
                                         'expected 0 to 15625'):
        mixed_archs(15626, 0)


def test_node_groups_are_the_nodes_where_several_edges_meet():
    assert NODE_GROUPS == ((1, 2), (3, 4, 5), (0, 1, 3), (2, 4))
    assert NUM_TERMS == 1 + 6 * 4 + 4 * 5


def test_a_table_with_node_terms_looks_up_costs_expects_and_floors_exactly():
    const, cost, node_cost, truth = node_truth(0)
    table = NB201LatencyTable(HEADER, const, cost.tolist(), node_cost.tolist())
    archs = NB201Space.all_archs()
    assert [table.ms(archs[i]) for i in (0, 777, 15624)] == pytest.approx(
        [truth(archs[i]) for i in (0, 777, 15624)])
    assert table.all_ms().tolist() == pytest.approx([truth(a) for a in archs])
    assert table.min_cost == float(table.all_ms().min())
    # the soft cost: the table on one-hots, the expectation over per-edge op probabilities
    onehots = torch.stack([NB201Space.onehot(a) for a in archs[::997]]).double()
    assert table.soft_cost(onehots).tolist() == pytest.approx(table.all_ms()[::997].tolist())
    probs = torch.rand(2, 6, 5, dtype=torch.float64).softmax(-1).requires_grad_()
    grid = table.all_ms().reshape([5] * 6)
    expected = [torch.einsum('abcdef,a,b,c,d,e,f->', grid, *p) for p in probs.detach()]
    soft = table.soft_cost(probs)
    assert soft.tolist() == pytest.approx([float(e) for e in expected])
    soft.sum().backward()
    assert probs.grad.abs().sum() > 0
    # the floors: the cheapest architecture with each op on each edge, found by enumeration
    floors = op_floors(NB201Space(), table)
    ms = table.all_ms()
    for e in range(6):
        for k, op in enumerate(OPS):
            assert float(floors[e, k]) == pytest.approx(
                min(float(ms[i]) for i, a in enumerate(archs) if a[e] == op))


def test_a_table_without_node_terms_reads_as_additive_and_bad_shapes_are_refused(tmp_path):
    const, cost, additive = additive_truth(4)
    table = NB201LatencyTable(HEADER, const, cost.tolist())
    path = table.save(str(tmp_path / 'table.json'))
    with open(path) as f:
        content = json.load(f)
    assert content['node_cost'] == [[0.0] * 5] * 4
    assert content['format'] == 'mmsgnas-latency-table/2'
    del content['node_cost']  # a table written before the node terms
    content['format'] = 'mmsgnas-latency-table/1'
    with open(path, 'w') as f:
        json.dump(content, f)
    loaded = load_latency_table(path)
    assert 'node_cost' not in loaded.header
    assert loaded.ms(NB201Space.all_archs()[4321]) == pytest.approx(
        additive(NB201Space.all_archs()[4321]))
    with pytest.raises(ValueError, match=r'has \(4, 5\) node costs, got \(3, 5\)'):
        NB201LatencyTable(HEADER, const, cost.tolist(), [[0.0] * 5] * 3)
    with pytest.raises(ValueError, match=r'has \(6, 5\) edge costs, got \(5, 5\)'):
        NB201LatencyTable(HEADER, const, cost.tolist()[:5])


def test_least_squares_recovers_a_table_with_node_terms():
    const, cost, node_cost, truth = node_truth(0)
    archs = mixed_archs(120, 3)
    fit_const, fit_cost, fit_node = least_squares(archs, [truth(a) for a in archs])
    assert fit_const == pytest.approx(const, abs=1e-9)
    np.testing.assert_allclose(fit_cost, cost, atol=1e-9)
    np.testing.assert_allclose(fit_node, node_cost, atol=1e-9)
    with pytest.raises(ValueError, match='5 networks do not determine the 45 terms'):
        least_squares(archs[:5], [truth(a) for a in archs[:5]])


def test_each_chunk_is_scaled_by_its_anchors_and_a_fit_resumes():
    const, cost, node_cost, truth = node_truth(1)
    meter = DriftingMeter(truth, [1.0, 1.5, 0.7])
    saved = {}
    table = fit_nb201_table(meter, 8, networks=60, chunk=20, anchors=4,
                            progress=saved.__setitem__)
    assert meter.calls == 3 and len(saved) == 64  # 3 chunks; 60 networks and 4 anchors
    # the drift of the second and third chunks is taken out: the truth comes back exactly
    assert table.const == pytest.approx(const, abs=1e-9)
    np.testing.assert_allclose(table.edge_cost.numpy(), cost, atol=1e-9)
    np.testing.assert_allclose(table.node_cost.numpy(), node_cost, atol=1e-9)
    fit = table.header['fit']
    assert fit['networks'] == 60 and fit['mape'] < 1e-6 and table.header['batch'] == 8
    assert table.part_builders() == {} and not table.part_counts(mixed_archs(1, 0)[0])
    # a killed fit resumes: nothing measured again, the same table
    again = fit_nb201_table(meter, 8, networks=60, chunk=20, anchors=4, done=dict(saved))
    assert meter.calls == 3 and again.const == table.const
    # the last chunk lost, resumed at another speed: timed again with the anchors and scaled
    # to the first chunk's speed
    last = {NB201Space.format(a) for a in mixed_archs(64, 0)[44:]}
    partial = {k: v for k, v in saved.items() if k not in last}
    slower = DriftingMeter(truth, [2.0])
    resumed = fit_nb201_table(slower, 8, networks=60, chunk=20, anchors=4, done=partial)
    assert slower.calls == 1
    assert resumed.const == pytest.approx(const, abs=1e-9)
    np.testing.assert_allclose(resumed.edge_cost.numpy(), cost, atol=1e-9)
    np.testing.assert_allclose(resumed.node_cost.numpy(), node_cost, atol=1e-9)
    # killed while the anchors were recorded: no network was, all is timed from the start
    anchors_only = {k: v for k, v in list(saved.items())[:2]}
    fresh = DriftingMeter(truth, [3.0])
    again = fit_nb201_table(fresh, 8, networks=60, chunk=20, anchors=4, done=anchors_only)
    assert fresh.calls == 3
    np.testing.assert_allclose(again.edge_cost.numpy(), 3.0 * cost, atol=1e-9)
    np.testing.assert_allclose(again.node_cost.numpy(), 3.0 * node_cost, atol=1e-9)


def test_a_fit_that_predicts_no_time_is_refused():
    # every op costs less than nothing on every edge: the all-3x3 network at -0.45 ms
    truth = {'none': 0.0, 'skip_connect': -0.1, 'nor_conv_1x1': -0.3, 'nor_conv_3x3': -0.4,
             'avg_pool_3x3': -0.2}
    meter = DriftingMeter(lambda arch: 1.95 + sum(truth[op] for op in arch), [1.0])
    with pytest.raises(ValueError, match=r'the fit predicts -0\.450 ms for '
                                         r'\|nor_conv_3x3~0\|.*expected > 0'):
        fit_nb201_table(meter, networks=50, chunk=50, anchors=2)


def test_bad_fit_settings_are_errors():
    meter = LatencyMeter('pytorch')
    with pytest.raises(ValueError, match='networks must be an integer >= 46, got 45'):
        fit_nb201_table(meter, networks=45)
    with pytest.raises(ValueError, match='chunk must be an integer >= 1, got 0'):
        fit_nb201_table(meter, chunk=0)
    with pytest.raises(ValueError, match="anchors must be an integer >= 1, got 2.5"):
        fit_nb201_table(meter, anchors=2.5)
    with pytest.raises(ValueError, match="chunk must be an integer >= 1, got True"):
        fit_nb201_table(meter, chunk=True)


def test_a_fitted_table_is_saved_read_back_and_recalibrated_here(tmp_path):
    table = fit_nb201_table(DriftingMeter(node_truth(2)[3], [1.0]), 1, networks=50,
                            chunk=50, anchors=2)
    meter = LatencyMeter('pytorch', warmup=1, repeats=2, rounds=2)
    path = table.save(table_path(str(tmp_path), 'nb201', 'nb201', 'pytorch', 1, 1, 32))
    loaded = load_latency_table(path, device='this', batch=1)
    assert loaded.header['fit'] == table.header['fit']
    arch = NB201Space.all_archs()[4321]
    assert loaded.ms(arch) == pytest.approx(table.ms(arch))
    scaled = calibrate(loaded, 2, meter=meter)  # whole networks only: a fit has no parts
    c = scaled.header['calibration']
    assert c['speed'] is None and c['parts_ratio'] is None
    assert scaled.ms(arch) == pytest.approx(c['scale'] * table.ms(arch))


@pytest.mark.parametrize('args, error', [
    (['--space', 'sgnas', '--fit', '40'], '--fit is for the NB201 space, got --space sgnas'),
    (['--space', 'nb201', '--fit', '45'], '--fit needs at least 46 networks (the fit has 45 '
                                           'terms), got 45'),
])
def test_the_tool_refuses_bad_fit_arguments(args, error):
    run = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'latency_table.py')] + args,
                         capture_output=True, text=True)
    assert run.returncode == 2 and error in run.stderr
