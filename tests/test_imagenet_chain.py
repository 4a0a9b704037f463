"""The paper's ImageNet chain end to end at ImageNet shapes (224 px, the imagenet variant,
mmpretrain's ImageNet folder layout) on a handful of real images: supernet -> generator ->
search (each with 2 processes, gloo) -> the searched SGNASNet's classifier config, one or two
iterations per stage, through the shipped ImageNet configs and the shipped tools."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch

import mmsgnas  # noqa: F401
from mmsgnas.flops import SGNASFlopsTable

from conftest import REPO

CONFIGS = osp.join(REPO, 'configs', 'sgnas')
LOADER = ['num_workers=0', 'persistent_workers=False']


def imagenet_layout(root: str, classes: int = 5, per_class: int = 5) -> None:
    """Real photos (the embedded tiny COCO images) in ImageNet's train/<wnid>/ layout, then
    the shipped 80 / 20 split tool."""
    images = sorted(os.listdir(osp.join(REPO, 'data', 'tiny_coco', 'train2017')))
    for c in range(classes):
        folder = osp.join(root, 'train', f'n{c:08d}')
        os.makedirs(folder)
        for i in range(per_class):
            name = images[c * per_class + i]
            shutil.copy(osp.join(REPO, 'data', 'tiny_coco', 'train2017', name),
                        osp.join(folder, name))
    run([osp.join(REPO, 'tools', 'dataset_converters', 'split_imagenet_train.py'), root])


def run(args, procs: int = 1, timeout: int = 900) -> str:
    cmd = [sys.executable] + (['-m', 'torch.distributed.run', '--nproc_per_node', str(procs),
                               '--master_port', '29788'] if procs > 1 else []) + args
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO,
                         env=dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1'))
    assert out.returncode == 0, ' '.join(args) + '\n' + out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


def loader(name: str, root: str, batch: int = 2):
    return [f'{name}.dataset.data_root={root}', f'{name}.batch_size={batch}'] + \
        [f'{name}.{o}' for o in LOADER]


@pytest.mark.slow
def test_imagenet_chain_on_real_images(tmp_path):
    root = str(tmp_path / 'imagenet')
    imagenet_layout(root)
    with open(osp.join(root, 'meta', 'train_20.txt')) as f:
        assert len(f.readlines()) == 5  # one in five of each class
    train, test = osp.join(REPO, 'tools', 'train.py'), osp.join(REPO, 'tools', 'test.py')
    ddp = ['--launcher', 'pytorch']

    supernet_dir = tmp_path / 'supernet'
    log = run([train, osp.join(CONFIGS, 'sgnas_unified-supernet_8xb128_in1k.py'), *ddp,
               '--no-validate', '--work-dir', str(supernet_dir), '--cfg-options',
               'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=8',
               *loader('train_dataloader', root)], procs=2)
    assert log.count('using gloo') == 2
    supernet = str(supernet_dir / 'epoch_1.pth')
    assert torch.load(supernet, map_location='cpu')['meta']['iter'] == 2  # 8 images, 2 x 2

    generator_dir = tmp_path / 'generator'
    run([train, osp.join(CONFIGS, 'sgnas_generator_unified-supernet_8xb64-50e_in1k.py'), *ddp,
         '--work-dir', str(generator_dir), '--cfg-options', f'model.supernet_checkpoint={supernet}',
         'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=4',
         *loader('train_dataloader', root)], procs=2)
    generator = str(generator_dir / 'best_generator.pth')

    search_dir = tmp_path / 'search'
    run([test, osp.join(CONFIGS, 'sgnas_search_unified-supernet_8xb64_in1k.py'), generator, *ddp,
         '--work-dir', str(search_dir), '--cfg-options',
         f'model.supernet_checkpoint={supernet}', 'test_cfg.num_background=2',
         'test_cfg.calib_batches=1', *loader('test_dataloader', root),
         *loader('test_cfg.calib_dataloader', root)], procs=2)
    with open(search_dir / 'search' / 'best_arch.json') as f:
        best = json.load(f)
    table = SGNASFlopsTable.get('imagenet', 224)
    assert table.mflops(best['arch']) <= best['target'] <= 365
    assert best['target'] in (365, 320, 275)

    run([train, osp.join(CONFIGS, 'sgnas-c_8xb32_in1k.py'), '--no-validate', '--work-dir',
         str(tmp_path / 'retrain'), '--cfg-options',
         f"model.backbone.arch={search_dir / 'search' / 'best_arch.json'}",
         'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=2',
         'train_dataloader.dataset.ann_file=meta/train_80.txt',
         *loader('train_dataloader', root)])
    assert osp.isfile(tmp_path / 'retrain' / 'epoch_1.pth')
