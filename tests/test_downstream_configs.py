"""The downstream configs: mmdet RetinaNet with SGNASNet, checkpoint loading by prefix, the
classification configs with a search output."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

from conftest import REPO
from mmsgnas.spaces import SGNASSpace

RETINANET = osp.join(REPO, 'configs/sgnas/retinanet_sgnas-a_fpn_1x_coco.py')
TINY_COCO = osp.join(REPO, 'configs/sgnas/retinanet_sgnas-a_fpn_1xb2-300iter_tiny-coco.py')
CIFAR = osp.join(REPO, 'configs/sgnas/sgnas-c_1xb32_cifar10-subset.py')


def build(cfg_model, scope):
    init_default_scope(scope)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return registry.build(cfg_model)


@pytest.mark.parametrize('path', [RETINANET, TINY_COCO])
def test_retinanet_neck_matches_backbone_channels(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmdet'
    detector = build(cfg.model, 'mmdet')
    channels = [detector.backbone.out_channels[i] for i in cfg.model.backbone.out_indices]
    assert channels == list(cfg.model.neck.in_channels)
    detector.eval()
    with torch.no_grad():
        feats = detector.extract_feat(torch.randn(1, 3, 128, 128))
    # FPN levels P3..P7: strides 8..128
    assert [f.shape[-1] for f in feats] == [16, 8, 4, 2, 1]


def test_backbone_loads_classifier_checkpoint_by_prefix(tmp_path):
    """The COCO config's init_cfg (Pretrained, prefix 'backbone.') takes an mmpretrain
    classifier checkpoint of the same architecture."""
    cls_cfg = Config.fromfile(osp.join(REPO, 'configs/sgnas/sgnas-a_8xb32_in1k.py'))
    classifier = build(cls_cfg.model, 'mmpretrain')
    ckpt = str(tmp_path / 'classifier.pth')
    torch.save({'state_dict': classifier.state_dict(), 'meta': {}}, ckpt)

    cfg = Config.fromfile(RETINANET)
    cfg.model.backbone.norm_cfg = dict(type='BN', momentum=0.001, requires_grad=True)
    cfg.model.backbone.init_cfg.checkpoint = ckpt
    detector = build(cfg.model, 'mmdet')
    detector.init_weights()
    for name, value in detector.backbone.state_dict().items():
        assert torch.equal(value, classifier.backbone.state_dict()[name]), name

    cfg.model.backbone.arch = 'SGNAS-B'  # a checkpoint of another architecture: refused
    detector = build(cfg.model, 'mmdet')
    with pytest.raises(ValueError, match='does not match .*shape mismatches'):
        detector.init_weights()


def test_configs_take_a_search_output_file(tmp_path):
    arch_file = tmp_path / 'arch_100M.json'
    arch = SGNASSpace.format(SGNASSpace.parse('SGNAS-B'))
    arch_file.write_text('{"arch": "%s"}' % arch)
    for path, scope in [(CIFAR, 'mmpretrain'), (TINY_COCO, 'mmdet')]:
        cfg = Config.fromfile(path)
        cfg.merge_from_dict({'model.backbone.arch': str(arch_file)})
        assert build(cfg.model, scope).backbone.arch_str == arch

    cfg = Config.fromfile(osp.join(REPO, 'configs/sgnas/sgnas-searched_1xb32_cifar10-subset.py'))
    cfg.model.backbone.arch = str(tmp_path / 'no_search_here.json')
    with pytest.raises(FileNotFoundError, match='no_search_here.json'):
        build(cfg.model, 'mmpretrain')
