"""Self-imitation of the REINFORCE generator: the elite memory (fast, no supernet)."""
import random

import pytest
import torch

from mmsgnas.algorithms import reinforce_ce
from mmsgnas.algorithms.elites import EliteMemory
from mmsgnas.algorithms.reinforce import log_prob, log_probabilities

A, B, C, D = (('a', ), 10.0), (('b', ), 12.0), (('c', ), 15.0), (('d', ), 11.0)
COST = dict([A, B, C, D])


def memory(**kwargs):
    return EliteMemory(10.0, 30.0, **{'bins': 2, 'size': 2, 'min_count': 2, **kwargs})


def test_parts_of_the_range():
    m = memory()
    assert [m.bin(t) for t in (10.0, 19.9, 20.0, 30.0)] == [0, 0, 1, 1]
    with pytest.raises(ValueError, match=r'target 9.0 outside the self-imitation range \[10, 30\]'):
        m.bin(9.0)


def test_entries_are_rescored_replaced_when_beaten_and_imitated_once_confirmed():
    """Means are shrunk by one pseudo scoring at 0: sum / (count + 1)."""
    m = memory()
    m.update(15.0, {A[0]: 1.0, B[0]: 2.0}, baseline=1.5, cost=COST.get)  # relative -0.5, +0.5
    assert m.best(15.0) is None  # scored once each: not yet imitated
    assert m.fitting(15.0) == [A[0], B[0]] and m.fitting(11.0) == [A[0]]  # B costs 12
    # D (+0.1 -> 0.05) beats B's mean (0.25) and takes its place; C (+0.6 -> 0.3) does not
    m.update(15.0, {A[0]: 1.3, C[0]: 2.1, D[0]: 1.6}, baseline=1.5, cost=COST.get)
    assert {e['arch'] for e in m.entries[0]} == {A[0], D[0]}
    assert m.best(15.0) == A[0]  # scored twice, (-0.5 - 0.2) / 3
    m.update(15.0, {A[0]: 2.5, D[0]: 1.0}, baseline=1.5, cost=COST.get)  # A: +1.0, D: -0.5
    assert m.best(15.0) == D[0]  # D: -0.4 / 3, A: 0.3 / 4
    assert m.best(10.5) == A[0]  # D (11) does not fit 10.5
    assert m.best(25.0) is None  # the other part knows nothing
    assert m.parts() == [(10.0, 20.0), (20.0, 30.0)]
    # state round trip
    other = memory()
    other.load(m.state())
    assert other.entries == m.entries


def test_one_lucky_scoring_does_not_outrank_a_confirmed_entry():
    m = memory(size=1)
    for _ in range(4):
        m.update(15.0, {A[0]: 1.2}, baseline=1.5, cost=COST.get)  # -0.3 four times: -0.24
    m.update(15.0, {B[0]: 1.1}, baseline=1.5, cost=COST.get)  # -0.4 once: -0.2
    assert [e['arch'] for e in m.entries[0]] == [A[0]]


def test_observe_rescores_kept_entries_and_draw_gives_each_part_its_best():
    m = memory()
    for _ in range(2):
        m.update(15.0, {A[0]: 1.0, B[0]: 2.0}, baseline=1.5, cost=COST.get)
    rescored = []

    def rescore(arch):
        rescored.append(arch)
        return 1.4

    scores = {B[0]: 1.8, C[0]: 1.2}  # the samples: median_low 1.2 is the baseline
    m.observe(15.0, scores, rescore, COST.get)
    assert rescored == [A[0]] and scores[A[0]] == 1.4  # B was a sample: not scored twice
    a = next(e for e in m.entries[0] if e['arch'] == A[0])
    assert a['count'] == 3 and a['sum'] == pytest.approx(-1.0 + 0.2)
    with pytest.raises(FloatingPointError, match=r"non-finite score nan of the kept "
                                                 r"architecture a$"):
        m.observe(15.0, {C[0]: 1.0}, lambda arch: float('nan'), COST.get, describe=''.join)

    pairs = m.draw(torch.Generator().manual_seed(0), torch.device('cpu'))
    assert len(pairs) == 1 and 10.0 <= pairs[0][0] < 20.0  # part 2 has no entry
    assert pairs[0][1] == m.best(pairs[0][0])
    again = m.draw(torch.Generator().manual_seed(0), torch.device('cpu'))
    assert again == pairs  # the iteration's noise decides the targets


def test_mutants_of_the_fitting_entries_are_new_bounded_and_scored_by_observe():
    m = memory(mutations=2)
    rng = random.Random(0)
    assert m.mutants(15.0, lambda arch: arch, rng) == []  # no entry yet
    m.update(15.0, {A[0]: 1.0, B[0]: 2.0}, baseline=1.5, cost=COST.get)
    parents = []

    def mutate(arch):
        parents.append(arch)
        n = len(parents)
        return arch + ('x', ) * n if n % 3 else arch  # repeats its parent every third draw

    children = m.mutants(11.0, mutate, rng, exclude=[('a', 'x')])
    assert set(parents) == {A[0]}  # B (12) does not fit 11
    assert children == [A[0] + ('x', ) * 2, A[0] + ('x', ) * 4]  # new, distinct, two
    draws = []
    assert m.mutants(15.0, lambda arch: draws.append(arch) or arch, rng, tries=5) == []
    assert len(draws) == 2 * 5  # a mutation that never finds a new cell stops
    D_ = ('d', )
    m.observe(15.0, {C[0]: 1.2}, lambda arch: 1.0, COST.get, extra=[D_])
    assert any(e['arch'] == D_ for e in m.entries[0])  # scored and kept (beats B)
    with pytest.raises(FloatingPointError, match=r"non-finite score inf of the mutant e$"):
        m.observe(15.0, {C[0]: 1.2}, lambda arch: 1.0 if arch != ('e', ) else float('inf'),
                  COST.get, describe=''.join, extra=[('e', )])


def test_bad_arguments():
    for kwargs, match in ((dict(bins=0), 'bins must be an integer >= 1, got 0'),
                          (dict(size=1.5), 'size must be an integer >= 1, got 1.5'),
                          (dict(min_count=0), 'min_count must be an integer >= 1, got 0'),
                          (dict(bins=True), 'bins must be an integer >= 1, got True'),
                          (dict(mutations=-1), 'mutations must be an integer >= 0, got -1'),
                          (dict(mutations=0.5), 'mutations must be an integer >= 0, got 0.5')):
        with pytest.raises(ValueError, match=match):
            memory(**kwargs)
    with pytest.raises(ValueError, match='increasing range'):
        EliteMemory(5.0, 5.0)
    with pytest.raises(ValueError, match='2 parts, this memory 3'):
        memory(bins=3).load(memory().state())


# CE of the 9 cells of a 2-position, 3-op toy space: (1, 1) is best, yet op 1 is worse than
# the others on average at each position (an interaction, as NB201 cells have at a low budget)
CE = torch.tensor([[1.0, 1.4, 1.0], [1.4, 0.7, 1.4], [1.0, 1.4, 1.0]])


def run(imitate: bool, seed: int) -> tuple:
    """REINFORCE (entropy bonus 0.5, each CE scored with noise 0.1) with or without the
    memory's best imitated; returns the final argmax cell."""
    torch.manual_seed(seed)
    mask = torch.zeros(3, dtype=torch.bool)
    logits = torch.zeros(2, 3, requires_grad=True)
    opt = torch.optim.Adam([logits], lr=0.05)
    memory = EliteMemory(0.0, 1.0, bins=1, size=3)
    for _ in range(150):
        scores = {}

        def ce(arch):
            if arch not in scores:
                scores[arch] = CE[arch].item() + 0.1 * torch.randn(()).item()
            return scores[arch]

        loss, _ = reinforce_ce(logits, mask, 1.0, 8,
                               lambda onehot: (ce(tuple(onehot.argmax(-1).tolist())), onehot),
                               entropy_weight=0.5)
        if imitate:
            baseline = sum(scores.values()) / len(scores)
            for arch in memory.fitting(0.5):
                ce(arch)
            memory.update(0.5, scores, baseline, cost=lambda arch: 0.0)
            best = memory.best(0.5)
            if best is not None:
                onehot = torch.nn.functional.one_hot(torch.tensor(best), 3)[None].float()
                loss = loss - log_prob(log_probabilities(logits, mask, 1.0), onehot)[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
    return tuple(logits.argmax(-1).tolist())


@pytest.mark.parametrize('seed', range(3))
def test_self_imitation_finds_the_cell_that_reinforce_alone_misses(seed):
    """REINFORCE learns each position's op by its average over the others and settles on a
    corner; the memory keeps the best cell it sampled, re-scored, and the generator follows."""
    assert run(False, seed) != (1, 1)
    assert run(True, seed) == (1, 1)
