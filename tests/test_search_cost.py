"""tools/benchmarks/search_cost.py on a tiny NB201 run: the bars are the kept generator's
picks, every search is saved as it completes, and a rerun reuses what is finished."""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import NB201_SEARCH_CONFIG, REPO, load_tool
from mmsgnas.search import fit_budget

GENERATOR = osp.join(REPO, 'configs', 'sgnas',
                     'sgnas_generator-reinforce_nb201-supernet_1xb128-120e_cifar10-subset.py')


def tiny_configs(tmp_path) -> tuple:
    """The shipped NB201 generator and search configs on a few images, a random supernet."""
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    supernet = MODELS.build(Config.fromfile(GENERATOR).model.supernet)
    ckpt = tmp_path / 'supernet.pth'
    torch.save(dict(state_dict=supernet.state_dict()), ckpt)
    train = tmp_path / 'generator.py'
    train.write_text(
        f'_base_ = [{GENERATOR!r}]\n'
        'train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,\n'
        '                        dataset=dict(indices=8))\n'
        'train_cfg = dict(max_epochs=2)\n'
        "custom_hooks = [dict(type='mmsgnas.GeneratorHook', tau0=1.0, tau_end=1.0,\n"
        "                     num_targets=3, best_by='sweep', sweep_images=4)]\n")
    search = tmp_path / 'search.py'
    search.write_text(
        f"_base_ = [{osp.join(REPO, 'configs', 'sgnas', NB201_SEARCH_CONFIG)!r}]\n"
        'test_dataloader = dict(num_workers=0, persistent_workers=False,\n'
        '                       dataset=dict(indices=24))\n')
    return str(ckpt), str(train), str(search)


def test_search_cost_saves_every_search_and_reuses_them(tmp_path, capsys):
    tool = load_tool('tools/benchmarks/search_cost.py')
    ckpt, train, search = tiny_configs(tmp_path)
    work = tmp_path / 'cost'
    argv = [ckpt, '--train-config', train, '--config', search, '--work-dir', str(work),
            '--ns', '1', '2', '--cap', '4', '--population', '2']
    first = tool.main(argv)
    out = capsys.readouterr().out
    assert '| 1 |' in out and '| 2 |' in out and 'generator: reusing' not in out

    # the bars are the picks of best_generator.pth, fitted as it was trained
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(train)
    cfg.model.supernet_checkpoint = ckpt
    kept = MODELS.build(cfg.model)
    kept.load_state_dict(torch.load(work / 'generator' / 'best_generator.pth',
                                    weights_only=False)['state_dict'])
    kept.eval()
    picks = [kept.space.format(fit_budget(a, kept.space, kept.table, t,
                                          kept.fill_tolerance)[0])
             for t, a in zip(first['targets'], kept.generate(first['targets']))]
    assert picks == first['picks'] and len(picks) == 2
    escaped = [p.replace('|', '\\|') for p in picks]  # the table's cells
    assert all(f'`{p}` (' in out for p in escaped)

    # one line per method and target, each reached or run to the cap
    rows = [json.loads(line) for line in (work / 'searches.jsonl').read_text().splitlines()]
    assert [(r['method'], r['target']) for r in rows] == [
        (m, t) for t in first['targets'] for m in ('random', 'evolution')]
    for row, bar in zip(rows, [b for b in first['bars'] for _ in range(2)]):
        assert row['bar'] == bar
        assert (row['top1'] >= bar) if row['reached'] else (row['evaluations'] == 4)
    assert json.loads((work / 'generator' / 'stage_done.json').read_text())[
        'image_steps'] == 2 * 8

    # a rerun trains and searches nothing again and prints the same tables
    again = tool.main(argv)
    assert 'generator: reusing' in capsys.readouterr().out
    assert again['train_s'] == first['train_s'] and again['runs'] == first['runs']
    assert again['bars'] == first['bars']
    assert len((work / 'searches.jsonl').read_text().splitlines()) == 4

    # another setting in the same work dir is refused, naming it
    with pytest.raises(ValueError, match=r"other settings .*'seed': \(0, 1\)"):
        tool.main(argv + ['--seed', '1'])
    with pytest.raises(ValueError, match=r'--cap \(5\) must be a multiple of --population'):
        tool.main(argv + ['--cap', '5'])
