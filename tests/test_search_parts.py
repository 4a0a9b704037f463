import json
import os.path as osp
import random

import pytest

from mmsgnas.flops import NB201FlopsTable, SGNASFlopsTable
from mmsgnas.models import SGNASNet
from mmsgnas.search import evolution_search, fill, fit_budget, random_search, repair, write_results
from mmsgnas.spaces import ArchSampler, NB201Space, SGNASSpace

from conftest import REPO, random_archs


class FlopsProxyEvaluator:
    """Scores by a fixed random function of the architecture (the search logic under test
    needs a deterministic score, not a trained network)."""

    def __init__(self):
        self.num_evaluated = 0

    def top1(self, arch):
        self.num_evaluated += 1
        return random.Random(hash(arch)).uniform(10, 60)


def sgnas_space():
    return SGNASSpace()


def nb201_space():
    return NB201Space()


SPACES = {'sgnas': sgnas_space, 'nb201': nb201_space}
# each space's FLOPs table (SGNAS: the cifar variant)
TABLES = {'sgnas': lambda: SGNASFlopsTable.get('cifar'), 'nb201': NB201FlopsTable.get}
# per space: the largest architecture, the smallest, and feasible targets (MFLOPs)
EXTREMES = {
    'sgnas': (SGNASSpace.largest, SGNASSpace.smallest, (55.0, 90.0, 100.0, 150.0)),
    'nb201': (lambda: ('nor_conv_3x3', ) * 6, lambda: ('none', ) * 6, (30.0, 60.0, 110.0, 200.0)),
}


def test_repair_fits_deterministically():
    space = sgnas_space()
    table = TABLES['sgnas']()
    for target in (55.0, 80.0, 100.0, 150.0):
        arch, repaired = repair(SGNASSpace.largest(), space, table, target)
        assert repaired and table.mflops(arch) <= target
        assert repair(SGNASSpace.largest(), space, table, target) == (arch, True)
        # close to the budget: no single shrink move of the result is needed
        assert table.mflops(arch) > target - 3.0
    arch = ArchSampler(0).sample()
    assert repair(arch, space, table, table.mflops(arch)) == (arch, False)
    with pytest.raises(ValueError, match='below the smallest architecture'):
        repair(SGNASSpace.largest(), space, table, 40.0)


@pytest.mark.parametrize('name', SPACES)
def test_moves_change_flops_strictly(name):
    space = SPACES[name]()
    table = TABLES[name]()
    largest, smallest, _ = EXTREMES[name]
    for seed in range(3):
        arch = space.sampler(seed).sample()
        for m in space.shrink_moves(arch):
            assert table.mflops(m) < table.mflops(arch)
        for m in space.grow_moves(arch):
            assert table.mflops(m) > table.mflops(arch)
        mutant = space.mutate(arch, random.Random(seed), 1.0)
        assert space.parse(mutant) == mutant and len(mutant) == len(arch)
        assert space.mutate(arch, random.Random(seed), 0.0) == arch
    assert space.grow_moves(largest()) == []
    # the ladder's bound holds: the longest shrink chain from the largest ends in max_moves
    arch, steps = largest(), 0
    while space.shrink_moves(arch):
        arch, steps = space.shrink_moves(arch)[0], steps + 1
    assert 0 < steps <= space.max_moves
    if name == 'sgnas':
        assert space.shrink_moves(smallest()) == []


@pytest.mark.parametrize('name', SPACES)
@pytest.mark.parametrize('seed', range(3))
def test_fit_budget_lands_within_tolerance_under_target(name, seed):
    space = SPACES[name]()
    table = TABLES[name]()
    largest, _, targets = EXTREMES[name]
    arch = space.sampler(seed).sample()
    tolerance = 0.01 if name == 'sgnas' else 0.1  # NB201's FLOPs steps are coarse
    for target in targets:
        fitted, action = fit_budget(arch, space, table, target, tolerance=tolerance)
        assert table.mflops(fitted) <= target
        if name == 'sgnas':
            assert 0.99 * target <= table.mflops(fitted)
        else:  # no single step up fits any more
            assert (table.mflops(fitted) >= (1 - tolerance) * target or
                    all(table.mflops(m) > target for m in space.grow_moves(fitted)))
        over = table.mflops(space.canonical(arch)) > target  # over once dead parts are gone
        assert ('shrunk' in action) == over
        assert ('pruned' in action) == (space.canonical(arch) != arch)
        # deterministic
        assert fit_budget(arch, space, table, target, tolerance) == (fitted, action)
    # no growing asked: an under-budget architecture stays as it is, dead parts aside
    lean = space.canonical(arch)
    assert fit_budget(arch, space, table, table.max_mflops, tolerance=None) == \
        (lean, 'pruned' if lean != arch else 'no')
    with pytest.raises(ValueError, match='repair it first'):
        fill(largest(), space, table, targets[1])
    with pytest.raises(ValueError, match='below the smallest architecture'):
        fit_budget(arch, space, table, table.min_mflops - 1.0)


@pytest.mark.parametrize('name', SPACES)
@pytest.mark.parametrize('search', ['random', 'evolution'])
def test_baselines_respect_budget_and_budget_of_evaluations(name, search):
    space = SPACES[name]()
    table = TABLES[name]()
    target = EXTREMES[name][2][1]
    ev = FlopsProxyEvaluator()
    if search == 'random':
        row = random_search(target, space, table, ev, num_candidates=12, max_tries=10000,
                            seed=0)
        assert ev.num_evaluated == 12
    else:
        row = evolution_search(target, space, table, ev, population=6, generations=3,
                               top_k=3, mutation_prob=0.2, max_tries=10000, seed=0)
        assert ev.num_evaluated == 18
    assert table.mflops(row['arch']) <= target
    low = table.min_mflops + 0.01
    with pytest.raises(ValueError, match=rf'found only \d of 5 architectures under {low} MFLOPs'):
        random_search(low, space, table, ev, num_candidates=5, max_tries=50, seed=0)


def test_report_files(tmp_path):
    table = SGNASFlopsTable.get('cifar')
    archs = random_archs(1, 3)
    rows = [dict(target=table.mflops(a) + 1, arch=a, mflops=table.mflops(a), params_m=1.0,
                 top1=30.0 + i, repaired=i == 1) for i, a in enumerate(archs)]
    background = [dict(mflops=table.mflops(a), top1=20.0) for a in random_archs(2, 5)]
    paths = write_results(str(tmp_path), rows, background)
    for key in ('csv', 'md', 'target_plot', 'top1_plot'):
        assert (tmp_path / paths[key].split('/')[-1]).stat().st_size > 0
    assert open(paths['md']).read().count('\n| ') == 4
    content = json.loads(open(rows[0]['file']).read())
    assert SGNASSpace.parse(content['arch']) == archs[0]
    net = SGNASNet(rows[0]['file'], 'cifar', init_cfg=None)  # the file drops into SGNASNet
    assert net.arch == archs[0]


def test_evaluator_uses_the_given_data_preprocessor():
    """The supernet nested in the generator has no normalisation of its own: the search
    must normalise with the generator model's preprocessor (a regression: top-1 at chance)."""
    import torch
    from mmpretrain.models import ClsDataPreprocessor
    from mmpretrain.structures import DataSample
    from torch import nn
    from mmsgnas.search import SubnetEvaluator

    classifier = nn.Module()
    classifier.data_preprocessor = ClsDataPreprocessor()  # what a nested config builds
    norm = ClsDataPreprocessor(mean=[125.0] * 3, std=[50.0] * 3)
    images = torch.full((2, 3, 4, 4), 125, dtype=torch.uint8)
    batch = dict(inputs=list(images), data_samples=[DataSample().set_gt_label(1)] * 2)
    raw = SubnetEvaluator(classifier, [batch]).batches[0][0]
    normed = SubnetEvaluator(classifier, [batch], data_preprocessor=norm).batches[0][0]
    assert raw.abs().max() == 125 and normed.abs().max() == 0


def test_evaluator_scores_each_architecture_once():
    """Searches revisit architectures (evolution, random streams shared across targets):
    each distinct one costs one evaluation; the score is the same on a revisit."""
    import torch
    from mmpretrain.structures import DataSample
    from torch import nn
    from mmsgnas.search import SubnetEvaluator

    class Counting(nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone = nn.Module()
            self.backbone.set_arch = self.set_arch
            self.data_preprocessor = lambda batch, training: dict(
                inputs=torch.stack(batch['inputs']).float(),
                data_samples=batch['data_samples'])
            self.forwards, self.arch = 0, None

        def set_arch(self, arch):
            self.arch = tuple(arch.split('|')) if isinstance(arch, str) else tuple(arch)
            return self.arch

        def forward(self, inputs, mode):
            self.forwards += 1
            logits = torch.zeros(len(inputs), 10)
            logits[:, 0 if 's' in self.arch[0] else 6] = 1  # a score that depends on the arch
            return logits

    model = Counting()
    batch = dict(inputs=[torch.zeros(3, 2, 2)] * 4,
                 data_samples=[DataSample().set_gt_label(6)] * 4)
    evaluator = SubnetEvaluator(model, [batch, batch])
    a, b = ('333333', ) * 19, ('33ssss', ) * 19
    assert evaluator.top1(a) == 100.0 and evaluator.top1(b) == 0.0
    assert evaluator.top1(list(a)) == 100.0  # the same architecture as a list
    assert evaluator.top1('|'.join(a)) == 100.0  # and as a string
    assert evaluator.num_evaluated == 2 and model.forwards == 4
    # the split-half scores: top-1 on the even and on the odd batches
    other = dict(inputs=batch['inputs'], data_samples=[DataSample().set_gt_label(0)] * 4)
    halves = SubnetEvaluator(model, [batch, other, batch])
    assert halves.top1(a) == pytest.approx(200 / 3) and halves.half_scores[a] == (100.0, 0.0)
    # per image, in the split's order, for paired comparisons (not remembered)
    correct, ce = halves.per_image(a)
    assert correct.tolist() == [True] * 4 + [False] * 4 + [True] * 4
    expected = torch.nn.functional.cross_entropy(torch.tensor([[0.0] * 6 + [1.0] + [0.0] * 3]),
                                                 torch.tensor([6]))
    torch.testing.assert_close(ce[:4], expected.expand(4))
    assert ce[4] > ce[0] and halves.num_evaluated == 1


def test_evaluator_recalibrates_bn_per_architecture_and_restores_it():
    """calib_batches > 0: each architecture is scored with BN statistics recomputed on the
    calibration batches (the same top-1 as calibrate_bn + eval), and the supernet's own
    statistics are back afterwards."""
    import torch
    from mmpretrain.models import ImageClassifier
    from mmpretrain.structures import DataSample
    from mmsgnas.search import SubnetEvaluator, calibrate_bn, preserved_bn_statistics
    from mmsgnas.spaces import ArchSampler

    torch.manual_seed(0)
    model = ImageClassifier(
        backbone=dict(type='mmsgnas.UnifiedSupernet', variant='cifar'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=1280))
    model.init_weights()

    def batch(seed):
        g = torch.Generator().manual_seed(seed)
        images = torch.randint(0, 255, (8, 3, 32, 32), generator=g, dtype=torch.uint8)
        labels = torch.randint(0, 10, (8, ), generator=g)
        return dict(inputs=list(images),
                    data_samples=[DataSample().set_gt_label(int(y)) for y in labels])

    val, calib = [batch(0), batch(1)], [batch(2)]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    evaluator = SubnetEvaluator(model, val, calib, calib_batches=1)
    arch = ArchSampler(3).sample()
    score = evaluator.top1(arch)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    with preserved_bn_statistics(model):
        calibrate_bn(model, calib, 1)
        model.eval()
        with torch.no_grad():
            expected = sum(
                (model(d['inputs'], mode='tensor').argmax(1) ==
                 torch.cat([s.gt_label for s in d['data_samples']])).sum().item()
                for d in (model.data_preprocessor(b, False) for b in val)) * 100.0 / 16
    assert score == expected


@pytest.mark.parametrize('name', SPACES)
@pytest.mark.parametrize('search', ['random', 'evolution'])
def test_baselines_stop_at_a_score(name, search):
    """``stop_at``: the search ends at the first architecture scoring at least that, and
    says how many it evaluated (the cost-at-equal-quality benchmark's measure)."""
    space = SPACES[name]()
    table = TABLES[name]()
    target = EXTREMES[name][2][2]
    kwargs = dict(seed=0, max_tries=10000)

    def run(stop_at, ev):
        if search == 'random':
            return random_search(target, space, table, ev, num_candidates=40,
                                 stop_at=stop_at, **kwargs)
        return evolution_search(target, space, table, ev, population=8, generations=5,
                                top_k=4, mutation_prob=0.2, stop_at=stop_at, **kwargs)

    full = run(None, FlopsProxyEvaluator())
    assert full['evaluations'] == 40 and not full['reached']
    bar = min(35.0, full['top1'])  # reached by the full run, so by an early stop too
    ev = FlopsProxyEvaluator()
    early = run(bar, ev)
    assert early['reached'] and early['top1'] >= bar
    assert early['evaluations'] == ev.num_evaluated <= 40
    never = run(100.0, FlopsProxyEvaluator())  # scores are below 60
    assert not never['reached'] and never['evaluations'] == 40
    if search == 'evolution':
        with pytest.raises(ValueError, match='population must be an integer >= 1, got 0'):
            evolution_search(target, space, table, ev, population=0, generations=1, top_k=1,
                             mutation_prob=0.1, **kwargs)


def test_fitting_by_preference_keeps_what_the_preference_likes():
    """With a preference, each fitting move is the one it scores highest among those that
    fit: the budget is still met (never over, within the tolerance where a move fits), and
    the cost ladder no longer decides which edges grow."""
    space, table = NB201Space(), NB201FlopsTable.get()
    start = ('none', ) * 6
    target = table.mflops(('nor_conv_3x3', ) + ('none', ) * 5) + 1.0

    def likes_edge_5(arch):
        return 10.0 * (arch[5] != 'none') - sum(op != 'none' for op in arch[:5])

    by_flops, _ = fit_budget(start, space, table, target, 0.01)
    by_preference, done = fit_budget(start, space, table, target, 0.01, likes_edge_5)
    assert done == 'grown' and table.mflops(by_preference) <= target
    assert by_preference[5] == 'nor_conv_3x3' and by_preference[:5] == ('none', ) * 5
    assert by_flops != by_preference
    over = ('nor_conv_3x3', ) * 6
    shrunk, done = fit_budget(over, space, table, target, None, likes_edge_5)
    assert done == 'shrunk' and table.mflops(shrunk) <= target and shrunk[5] != 'none'


def test_a_score_record_names_its_split():
    """Records of two halves of val have the same number of images: the split's annotation
    file tells them apart, so one is never read back as the other."""
    from mmpretrain.datasets import CustomDataset
    from torch.utils.data import DataLoader
    from mmsgnas.search.evaluator import split_identity

    root = osp.join(REPO, 'data', 'cifar10_subset')
    halves = [split_identity(DataLoader(CustomDataset(
        data_root=root, ann_file=f'meta/{name}.txt', data_prefix='train', lazy_init=True)))
        for name in ('val_search', 'val_holdout')]
    assert halves == [{'split': 'meta/val_search.txt'}, {'split': 'meta/val_holdout.txt'}]
    assert split_identity([{}]) == {}  # a list of batches has no annotation file


@pytest.mark.parametrize('name', SPACES)
def test_fit_budget_prunes_dead_parts_first(name):
    """Budget fitting first drops dead parts (NB201: no node-2 inputs when edge 2->3 is
    none), so an over-budget architecture keeps its function where that alone fits and the
    FLOPs returned are those of the function; a chain of layers has none (SGNAS)."""
    space, table = SPACES[name](), TABLES[name]()
    if name == 'sgnas':
        arch = space.sampler(0).sample()
        assert space.canonical(arch) == arch
        return
    arch = space.parse('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+'
                       '|nor_conv_3x3~0|nor_conv_3x3~1|none~2|')  # 184.73 M, 113.96 alive
    lean = space.parse('|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|nor_conv_3x3~1|none~2|')
    assert fit_budget(arch, space, table, 150.0, None) == (lean, 'pruned')
    assert fit_budget(arch, space, table, 190.0, None) == (lean, 'pruned')  # within it too
    assert fit_budget(lean, space, table, 150.0, None) == (lean, 'no')
    # under a tighter budget the lean cell is shrunk further
    fitted, action = fit_budget(arch, space, table, 100.0, None)
    assert action == 'pruned+shrunk' and table.mflops(fitted) <= 100.0
    assert fitted[1:3] == ('none', 'none')
