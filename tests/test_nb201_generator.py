"""The generator model, unchanged, on the NAS-Bench-201 space."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

from conftest import GENERATOR_CONFIG, NB201_GENERATOR_CONFIG, REPO, load_tool
from mmsgnas.algorithms.checkpoints import decode_record, encode_record
from mmsgnas.flops import NB201FlopsTable
from mmsgnas.search import op_floors
from mmsgnas.spaces import NB201Space
from mmsgnas.spaces.nb201 import NUM_EDGES, OPS


def build(name, **model_options):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', name))
    cfg.model.supernet_checkpoint = None
    cfg.model.update(model_options)
    return MODELS.build(cfg.model)


def test_generator_on_nb201_generates_and_trains():
    torch.manual_seed(0)
    model = build(NB201_GENERATOR_CONFIG)
    # the released generator's 67,969 parameters and the per-position bias (6 edges x 5 ops)
    assert sum(p.numel() for p in model.generator.parameters()) == 67969 + 30
    assert model.prior_pool.onehot.shape[1:] == (NUM_EDGES, len(OPS))
    targets = [30.0, 100.0, 190.0]
    archs = model.generate(targets)
    assert len(archs) == 3 and all(NB201Space.parse(a) == a for a in archs)

    model.train()
    model.target = 100.0
    inputs = torch.randn(4, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(4)]
    losses = model(inputs, samples, mode='loss')
    table = NB201FlopsTable.get()
    assert table.min_mflops <= losses['cost'].item() <= table.max_mflops
    (losses['loss_ce'] + losses['loss_constraint']).backward()
    assert model.generator.tail.weight.grad is not None
    assert all(p.grad is None for p in model.supernet.parameters())


def test_generator_checkpoint_of_another_space_is_refused():
    nb201 = build(NB201_GENERATOR_CONFIG)
    sgnas = build(GENERATOR_CONFIG)
    with pytest.raises(ValueError, match='trained for the cifar SGNAS space.*this model is the '
                                         'NAS-Bench-201 space'):
        nb201.load_state_dict(sgnas.state_dict())


def test_generator_checkpoint_without_position_bias_is_refused():
    with_bias = build(NB201_GENERATOR_CONFIG)
    plain = build(GENERATOR_CONFIG, position_bias=False)  # as the released generator
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_GENERATOR_CONFIG))
    assert cfg.model.position_bias  # the shipped NB201 generator has it
    state = with_bias.state_dict()
    del state['generator.position_bias']
    with pytest.raises(ValueError, match='has no per-position logit bias, this model was '
                                         'built with position_bias=True'):
        with_bias.load_state_dict(state)
    assert plain.generator.position_bias is None


def test_generator_checkpoint_of_another_budget_fitting_is_refused():
    """A generator trained without filling (``fill_tolerance=None``) loads only into a model
    that searches the same way; one with the same setting loads."""
    unfilled = build(NB201_GENERATOR_CONFIG, fill_tolerance=None)
    state = unfilled.state_dict()
    with pytest.raises(ValueError, match=r'trained with fill_tolerance=None .*this model has '
                                         r'fill_tolerance=0.01.*model.fill_tolerance=None'):
        build(NB201_GENERATOR_CONFIG).load_state_dict(state)
    build(NB201_GENERATOR_CONFIG, fill_tolerance=None).load_state_dict(state)


def test_generator_checkpoint_of_another_target_encoding_is_refused():
    """The weights of a ``'hat'`` generator have the released shapes, so only the record tells
    the encodings apart: a checkpoint loads only into a model with the encoding it had, and an
    older checkpoint (no encoding in its record) is the released, constant one."""
    hat = build(NB201_GENERATOR_CONFIG, target_encoding='hat')
    state = hat.state_dict()
    with pytest.raises(ValueError, match=r"trained with target_encoding='hat' .*this model has "
                                         r"target_encoding='constant'.*model.target_encoding"):
        build(NB201_GENERATOR_CONFIG).load_state_dict(state)
    build(NB201_GENERATOR_CONFIG, target_encoding='hat').load_state_dict(state)
    older = build(NB201_GENERATOR_CONFIG).state_dict()
    record = decode_record(older['_extra_state'])
    del record['target_encoding']
    older['_extra_state'] = encode_record(record)
    build(NB201_GENERATOR_CONFIG).load_state_dict(older)
    with pytest.raises(ValueError, match=r"trained with target_encoding='constant'"):
        build(NB201_GENERATOR_CONFIG, target_encoding='hat').load_state_dict(older)


@pytest.mark.parametrize('estimator', ['gumbel', 'reinforce'])
def test_ops_over_the_target_are_never_proposed(estimator):
    """With ``mask_infeasible`` an op whose cost floor is over the target (a 3x3 conv costs
    7.78 + 35.39 MFLOPs alone) is never generated, sampled or given gradient there; the
    floors are the table's costs, and a checkpoint keeps the setting it was trained with."""
    table = NB201FlopsTable.get()
    floors = op_floors(NB201Space(), table)
    for e in range(NUM_EDGES):
        for k, op in enumerate(OPS):
            one = tuple(op if i == e else 'skip_connect' for i in range(NUM_EDGES))
            assert floors[e, k].item() == pytest.approx(table.cost(one))
    low_targets = [20.0, 30.0, 43.0]
    for mask in (False, True):
        torch.manual_seed(0)
        model = build(NB201_GENERATOR_CONFIG, mask_infeasible=mask, estimator=estimator,
                      fill_tolerance=None)
        with torch.no_grad():  # make the 3x3 conv the generator's favourite everywhere
            model.generator.position_bias[:, OPS.index('nor_conv_3x3')] = 50.0
        has_3x3 = ['nor_conv_3x3' in a for a in model.generate(low_targets)]
        assert has_3x3 == [not mask] * len(low_targets)
    assert model.generate([200.0])[0].count('nor_conv_3x3') == NUM_EDGES
    assert 'nor_conv_3x3' in model.generate([43.2])[0]  # 43.17: one fits
    model.train()
    model.target = 25.0
    inputs = torch.randn(4, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(4)]
    losses = model(inputs, samples, mode='loss')
    assert losses['cost'].item() < 43.0  # no probability on the 3x3 conv at 25 MFLOPs
    (losses['loss_ce'] + losses['loss_constraint']).backward()
    grad = model.generator.position_bias.grad
    assert torch.isfinite(grad).all() and (grad[:, OPS.index('nor_conv_3x3')] == 0).all()
    state = model.state_dict()
    with pytest.raises(ValueError, match=r'trained with mask_infeasible=True .*this model has '
                                         r'mask_infeasible=False'):
        build(NB201_GENERATOR_CONFIG, fill_tolerance=None).load_state_dict(state)
    build(NB201_GENERATOR_CONFIG, fill_tolerance=None, mask_infeasible=True).load_state_dict(state)


@pytest.mark.parametrize('name', [NB201_GENERATOR_CONFIG, GENERATOR_CONFIG])
def test_preference_scores_the_generated_architecture_highest(name):
    """The fitting preference is the log-probability under the generator's distribution: the
    argmax (NB201) or forced-sampling decode (SGNAS) beats every one-move neighbour, and the
    search loop's fit_by takes only the two rules (and fill_tolerance a gap, None or the
    generator's)."""
    torch.manual_seed(0)
    model = build(name).eval()
    target = sum(model.constraint_range) / 2
    arch = model.generate([target])[0]
    score = model.preference(target)
    space = model.space
    for neighbour in space.shrink_moves(arch) + space.grow_moves(arch):
        if name == NB201_GENERATOR_CONFIG:
            assert score(arch) >= score(neighbour)
    assert score(arch) <= 0.0  # a log-probability
    from mmsgnas.engine import GeneratorSearchLoop
    with pytest.raises(ValueError, match="fit_by must be 'flops' or 'generator', got 'top1'"):
        GeneratorSearchLoop(None, [], targets=[target], fit_by='top1')
    with pytest.raises(ValueError, match="fill_tolerance must be None, 'generator' or in "
                                         r"\[0, 1\), got 'half'"):
        GeneratorSearchLoop(None, [], targets=[target], fill_tolerance='half')


def test_self_imitation_scores_keeps_and_imitates_the_best_samples():
    """With ``self_imitation`` each REINFORCE iteration re-scores the memory's entries that fit
    the target on its batch, keeps the best fitted samples, and adds the gradient of each
    part's best confirmed entry's log-probability (the loss's value stays the samples' mean
    CE); the memory is saved with the generator, so a resumed training goes on with it."""
    inputs = torch.randn(8, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(8)]
    options = dict(estimator='reinforce', fill_tolerance=None, num_samples=4)
    torch.manual_seed(0)
    plain = build(NB201_GENERATOR_CONFIG, **options)
    torch.manual_seed(0)
    model = build(NB201_GENERATOR_CONFIG, self_imitation=dict(bins=2, size=3), **options)
    model.load_state_dict(plain.state_dict(), strict=False)
    for m in (plain, model):
        m.train()
        m.target, m.iteration = 50.0, 0
    for step in range(3):  # the same draws: the loss's value does not change
        plain.iteration = model.iteration = step
        torch.testing.assert_close(model(inputs, samples)['loss_ce'],
                                   plain(inputs, samples)['loss_ce'])
    part = model.elites.entries[model.elites.bin(50.0)]
    assert 1 <= len(part) <= 3 and all(e['cost'] <= 50.0 for e in part)
    assert max(e['count'] for e in part) >= 2  # re-scored on later batches
    assert model.elites.best(50.0) is not None
    # a confirmed best in both parts of the range (the all-`none` cell fits every target):
    # each iteration raises it at a target drawn in each part
    best = ('none', ) * 6
    entry = dict(arch=list(best), cost=7.7824, sum=-100.0, count=10)
    model.elites.load([[entry], [entry]])
    for m in (plain, model):
        m.zero_grad()
        m(inputs, samples)['loss_ce'].backward()
    push = (model.generator.position_bias.grad - plain.generator.position_bias.grad)
    chosen = NB201Space.onehot(best).bool()
    assert (push[chosen] < 0).all() and (push[~chosen] > 0).all()

    resumed = build(NB201_GENERATOR_CONFIG, self_imitation=dict(bins=2, size=3), **options)
    resumed.load_state_dict(model.state_dict())
    assert resumed.elites.entries == model.elites.entries
    with pytest.raises(ValueError, match=r"self_imitation must be None or a dict .* got True"):
        build(NB201_GENERATOR_CONFIG, self_imitation=True, **options)
    with pytest.raises(ValueError, match=r"needs estimator='reinforce' .* got estimator='gumbel'"):
        build(NB201_GENERATOR_CONFIG, self_imitation=dict())
    for weight in (0, float('inf'), True):
        with pytest.raises(ValueError, match=f'self_imitation weight must be a finite number '
                                             f'> 0, got {weight}'):
            build(NB201_GENERATOR_CONFIG, self_imitation=dict(weight=weight), **options)
    with pytest.raises(ValueError, match=r"unknown self_imitation option\(s\) \['bin'\], "
                                         r'expected bins, size, min_count, mutations, weight'):
        build(NB201_GENERATOR_CONFIG, self_imitation=dict(bin=3), **options)


def test_self_imitation_mutants_are_fitted_scored_and_offered_to_the_memory():
    """With ``mutations=2`` each iteration also scores two new mutants of the memory's
    fitting entries, within the target, on the same batch, and offers them to the memory
    (here with room for all); the samples, the loss and (before a mutant is confirmed) its
    gradient are those without mutants."""
    inputs = torch.randn(8, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(8)]
    options = dict(estimator='reinforce', fill_tolerance=None, num_samples=4)
    models, scored, losses, grads = {}, {}, {}, {}
    for mutations in (0, 2):
        torch.manual_seed(0)
        model = build(NB201_GENERATOR_CONFIG, **options,
                      self_imitation=dict(bins=2, size=20, mutations=mutations))
        if models:
            model.load_state_dict(initial)
        initial = {k: v.clone() for k, v in model.state_dict().items()}  # memory empty
        model.train()
        model.target = 50.0
        score, calls = model.arch_score, []
        model.arch_score = lambda i, d, arch, score=score, calls=calls: (
            calls.append(tuple(arch)) or score(i, d, arch))
        losses[mutations], grads[mutations] = [], []
        for step in range(2):  # no entries before the first iteration: no mutants in it
            model.iteration = step
            model.zero_grad()
            loss = model(inputs, samples)['loss_ce']
            loss.backward()
            losses[mutations].append(loss.detach())
            grads[mutations].append(model.generator.position_bias.grad.clone())
        models[mutations], scored[mutations] = model, calls
    torch.testing.assert_close(torch.stack(losses[2]), torch.stack(losses[0]))
    torch.testing.assert_close(torch.stack(grads[2]), torch.stack(grads[0]))
    assert grads[0][1].abs().sum() > 0
    extra = [a for a in scored[2] if a not in scored[0]]
    assert len(scored[2]) == len(scored[0]) + 2 and len(set(extra)) == 2
    assert all(models[2].table.cost(a) <= 50.0 for a in extra)
    assert set(extra) <= {e['arch'] for part in models[2].elites.entries for e in part}


def test_best_by_sweep_keeps_the_epoch_with_the_lowest_sweep_ce(tmp_path):
    from mmengine.registry import MODELS
    from mmengine.runner import Runner

    from mmsgnas.engine import GeneratorHook
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_GENERATOR_CONFIG))
    torch.manual_seed(0)
    supernet = MODELS.build(cfg.model.supernet)
    torch.save(dict(state_dict=supernet.state_dict()), tmp_path / 'supernet.pth')
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / 'gen'), randomness=dict(seed=0), train_cfg=dict(max_epochs=3), log_level='WARNING',
        model=dict(supernet_checkpoint=str(tmp_path / 'supernet.pth')),
        optim_wrapper=dict(optimizer=dict(lr=0.02)),  # larger steps: the picks change
        train_dataloader=dict(batch_size=4, num_workers=0, persistent_workers=False,
                              dataset=dict(indices=list(range(0, 1013, 64)),
                                           pipeline=[dict(type='PackInputs')]))))
    cfg.custom_hooks = [dict(type='mmsgnas.GeneratorHook', tau0=5.0, tau_end=0.5,
                             num_targets=5, best_by='sweep', sweep_images=6)]
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, GeneratorHook))
    logged = runner.message_hub.get_scalar('generator/sweep_ce').data[0].tolist()
    assert len(logged) == 3 and all(0 < v < 10 for v in logged)
    assert len(set(logged)) > 1  # the picks changed: the rule had a choice to make
    assert hook.best == (-min(logged), )
    # the same 6 images every epoch (batches of the loader's 4), of more than one class
    batches = hook.sweep_batches(runner)
    assert [len(b['data_samples']) for b in batches] == [4, 2]
    assert len({int(s.gt_label) for b in batches for s in b['data_samples']}) > 1

    # best_generator.pth scores, recomputed from scratch, the best logged sweep CE
    kept = build(NB201_GENERATOR_CONFIG, supernet_checkpoint=str(tmp_path / 'supernet.pth'))
    kept.load_state_dict(torch.load(tmp_path / 'gen' / 'best_generator.pth',
                                    weights_only=False)['state_dict'])
    kept.eval()
    low, high = kept.constraint_range
    targets = torch.linspace(low, high, 5).tolist()
    ces = [sum(kept.arch_ce(b['inputs'], b['data_samples'], kept.fitted(a, t)).item()
               * len(b['data_samples']) for b in batches) / 6
           for t, a in zip(targets, kept.generate(targets))]
    assert sum(ces) / 5 == pytest.approx(min(logged), rel=1e-5)

    hook._sweep_batches, hook.sweep_images = None, 17
    with pytest.raises(ValueError, match=r'sweep_images=17 is more than the training '
                                         r'split holds \(16 images\)'):
        hook.sweep_batches(runner)


@pytest.mark.parametrize('value', [0, True, 2.5])
def test_bad_sweep_options_are_refused(value):
    from mmsgnas.engine import GeneratorHook
    with pytest.raises(ValueError, match=f'sweep_images must be an integer >= 1, got {value}'):
        GeneratorHook(best_by='sweep', sweep_images=value)
    seed = None if value == 0 else value
    with pytest.raises(ValueError, match=f'sweep_seed must be an integer, got {seed}'):
        GeneratorHook(best_by='sweep', sweep_seed=seed)


def test_paired_comparison_tool(tmp_path, capsys):
    from mmengine.registry import MODELS
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_GENERATOR_CONFIG))
    torch.manual_seed(0)
    ckpt = tmp_path / 'supernet.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model.supernet).state_dict()), ckpt)
    tool = load_tool('tools/analysis/paired_comparison.py')
    a = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'
    b = '|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|'
    search = osp.join(REPO, 'configs', 'sgnas', 'sgnas_search_nb201-supernet_1xb64_cifar10-subset.py')
    options = ['--cfg-options', f'model.supernet_checkpoint={ckpt}', 'model.fill_tolerance=None',
               'test_dataloader.dataset.indices=40']
    tool.main([search, a, a, b, '--orders', '0', '1'] + options)
    out = capsys.readouterr().out
    assert out.count('40 images, sampler seed') == 2
    rows = [line for line in out.splitlines() if line.startswith('| `')]
    assert len(rows) == 6 and all('(reference)' in r for r in rows[::3])
    assert all(r.endswith('| +0.00 ± 0.00 | +0.0000 ± 0.0000 | 0.0 % |') for r in rows[1::3])
    assert '\\|none~0\\|' in rows[2]  # pipes escaped inside the Markdown cell
    with pytest.raises(SystemExit):
        tool.main([search, a] + options)  # one architecture: nothing to compare


@pytest.mark.parametrize('name', [NB201_GENERATOR_CONFIG, GENERATOR_CONFIG])
def test_channels_last_scores_as_the_default_memory_format(name):
    """``channels_last=True`` lays out the frozen supernet's weights and the scored batches
    channels-last: the same CE, error and REINFORCE loss on both spaces (up to float
    rounding; the gradient is not compared: on a random supernet the samples' scores tie
    to within rounding, and the normalised advantages amplify it)."""
    inputs = torch.randn(8, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 10) for i in range(8)]
    out = {}
    for channels_last in (False, True):
        torch.manual_seed(0)
        model = build(name, estimator='reinforce', num_samples=4, channels_last=channels_last)
        convs = [m.weight for m in model.supernet.modules() if isinstance(m, torch.nn.Conv2d)]
        assert all(w.is_contiguous(memory_format=torch.channels_last) == channels_last
                   for w in convs if w.shape[1] > 1 and w.shape[-1] > 1)
        model.train()
        model.target, model.iteration = float(sum(model.constraint_range) / 2), 0
        arch = model.space.sampler(0).sample()
        out[channels_last] = (model.arch_ce(inputs, samples, arch),
                              model.arch_error(inputs, samples, arch),
                              model(inputs, samples)['loss_ce'].detach())
    for default, last in zip(out[False], out[True]):
        torch.testing.assert_close(last, default, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="channels_last must be True or False, got 'yes'"):
        build(NB201_GENERATOR_CONFIG, channels_last='yes')


@pytest.mark.parametrize('name', [NB201_GENERATOR_CONFIG, GENERATOR_CONFIG])
def test_evaluator_channels_last_scores_as_the_default(name):
    """The search evaluator with ``channels_last=True`` (as ``from_config`` and the search
    loops build it for a channels-last model) holds its batches channels-last and scores each
    image as the default layout does, on both spaces."""
    from mmsgnas.search import SubnetEvaluator
    g = torch.Generator().manual_seed(0)
    batches = [dict(inputs=list(torch.randint(0, 255, (6, 3, 32, 32), generator=g,
                                              dtype=torch.uint8)),
                    data_samples=[DataSample().set_gt_label(i % 10) for i in range(6)])
               for _ in range(2)]
    out = {}
    for channels_last in (False, True):
        torch.manual_seed(0)
        model = build(name, channels_last=channels_last)
        evaluator = SubnetEvaluator(model.supernet, batches, batches, calib_batches=1,
                                    data_preprocessor=model.data_preprocessor,
                                    channels_last=model.channels_last)
        assert all(x.is_contiguous(memory_format=torch.channels_last) == channels_last
                   for x, _ in evaluator.batches + evaluator.calib)
        arch = model.space.sampler(1).sample()
        out[channels_last] = evaluator.per_image(arch)
    assert torch.equal(out[True][0], out[False][0])
    torch.testing.assert_close(out[True][1], out[False][1], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="channels_last must be True or False, got 1"):
        SubnetEvaluator(model.supernet, batches, channels_last=1)


def test_channels_last_benchmark_prints_both_layouts(capsys):
    rows = load_tool('tools/benchmarks/channels_last.py').main(
        ['--batch-size', '2', '--repeat', '1', '--eval-images', '70', '--train-batch-size', '4',
         '--spaces', 'nb201'])
    assert [(r['stage'], r['arch']) for r in rows] == [
        (stage, arch) for stage in ('scoring', 'evaluation', 'training')
        for arch in ('smallest', 'random', 'largest')]
    assert all(r['default'] > 0 and r['channels_last'] > 0 and r['diff'] < 1e-4 for r in rows)
    assert capsys.readouterr().out.count('| nb201 |') == 9
