import copy
import os.path as osp
from contextlib import contextmanager

import torch
from mmengine.config import Config
from mmengine.testing import RunnerTestCase

from conftest import NB201_SUPERNET_CONFIG, REPO
from mmsgnas.engine import fixed_subnets, get_supernet
from mmsgnas.engine.supernet_loops import distill_loss
from mmsgnas.models import UnifiedSupernet
from mmsgnas.search import calibrate_bn
from mmsgnas.spaces import SGNASSpace


def small_supernet_cfg(work_dir: str, n: int = 16, batch: int = 8) -> Config:
    """The quickstart config on ``n`` images, no augmentation, no worker processes."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', 'supernet.py'))
    cfg.work_dir = work_dir
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.batch_size = batch
        loader.dataset.indices = n
        loader.dataset.pipeline = copy.deepcopy(cfg.test_pipeline)
    cfg.train_dataloader.sampler.shuffle = False
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.val_cfg.num_random = 1
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.env_cfg = dict(dist_cfg=dict(backend='gloo'))
    cfg.log_level = 'WARNING'
    return cfg


@contextmanager
def recorded_archs(record):
    """Within: every ``UnifiedSupernet.set_arch(arch)`` first calls ``record(net, arch)``."""
    original = UnifiedSupernet.set_arch

    def patched(net, arch):
        record(net, arch)
        return original(net, arch)

    UnifiedSupernet.set_arch = patched
    try:
        yield
    finally:
        UnifiedSupernet.set_arch = original


def param_grads(model) -> dict:
    """Each parameter's gradient (zeros where it has none)."""
    return {k: (p.grad.clone() if p.grad is not None else torch.zeros_like(p))
            for k, p in model.named_parameters()}


def assert_sgd_step(model, before: dict, grads: dict) -> None:
    """The parameters are one plain SGD step (lr 1) from ``before`` along ``grads``."""
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.detach(), before[name] - grads[name], rtol=1e-4,
                                   atol=1e-5, msg=name)


class TestSupernetLoops(RunnerTestCase):

    def test_train_and_fixed_subnet_validation(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        cfg.train_cfg.max_epochs = 2
        runner = self.build_runner(cfg)
        runner.train()
        assert runner.epoch == 2 and runner.iter == 4
        assert osp.isfile(osp.join(self.temp_dir.name, 'epoch_2.pth'))
        metrics = runner.val_loop.run()
        assert set(metrics) == {'smallest/accuracy/top1', 'largest/accuracy/top1',
                                'random_0/accuracy/top1'}
        # the same fixed subnets every time
        assert runner.val_loop.subnets == fixed_subnets(SGNASSpace(), 1, 0)
        # sampling is a function of (seed, rank, iteration, path)
        loop = runner.train_loop
        assert loop.sample_arch(0) == loop.sample_arch(0)
        assert loop.sample_arch(0) != loop.sample_arch(1)

    def test_bn_calibration_in_validation(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        cfg.val_cfg.calibrate_bn = 2
        runner = self.build_runner(cfg)
        runner.train()
        model = runner.model
        before = {k: v.clone() for k, v in model.state_dict().items()}
        calibrated = runner.val_loop.run()
        # the supernet's own statistics are back after validation
        for k, v in model.state_dict().items():
            assert torch.equal(v, before[k]), k
        runner.val_loop.calibrate_bn = 0
        plain = runner.val_loop.run()
        assert set(calibrated) == set(plain)
        for bad in (-1, 1.5):
            cfg.val_cfg.calibrate_bn = bad
            with self.assertRaisesRegex(ValueError, 'calibrate_bn must be an integer >= 0'):
                self.build_runner(cfg).val()

    def test_calibrate_bn_is_the_average_of_the_batches(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        runner = self.build_runner(cfg)
        model = runner.model.eval()
        get_supernet(model).set_arch(SGNASSpace.reference_archs()['smallest'])
        batches = list(runner.train_dataloader)[:2]
        assert calibrate_bn(model, batches + batches, 2) == 2
        assert not model.training
        stem = model.backbone.stem[0]
        with torch.no_grad():
            means = [stem.conv(model.data_preprocessor(b, False)['inputs']).mean((0, 2, 3))
                     for b in batches]
        torch.testing.assert_close(stem.bn.running_mean, (means[0] + means[1]) / 2)
        with self.assertRaisesRegex(ValueError, 'num_batches must be an integer >= 1'):
            calibrate_bn(model, batches, 0)
        with self.assertRaisesRegex(ValueError, 'got no batches'):
            calibrate_bn(model, [], 1)

    def test_largest_first_epochs(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        cfg.train_cfg.update(max_epochs=2, largest_first_epochs=1, sandwich=(), distill=False)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        runner = self.build_runner(cfg)
        seen = []
        with recorded_archs(lambda net, arch: seen.append(
                (runner.train_loop.epoch, net.space.format(arch)))):
            runner.train()
        largest = SGNASSpace.format(SGNASSpace.reference_archs()['largest'])
        first = [a for e, a in seen if e == 0]
        second = [a for e, a in seen if e == 1]
        assert first == [largest] * 2 and len(second) == 2 and largest not in second
        # with the sandwich and more paths: still the largest once an iteration (2 iterations
        # an epoch), then the teacher and both sampled paths
        cfg.train_cfg.update(paths_per_iter=2, sandwich=('largest', ), distill=True)
        runner = self.build_runner(cfg)
        seen.clear()
        with recorded_archs(lambda net, arch: seen.append(
                (runner.train_loop.epoch, net.space.format(arch)))):
            runner.train()
        first = [a for e, a in seen if e == 0]
        second = [a for e, a in seen if e == 1]
        assert first == [largest] * 2 and len(second) == 6 and second[::3] == [largest] * 2
        for bad in (2, -1, 1.5):
            cfg.train_cfg.largest_first_epochs = bad
            with self.assertRaisesRegex(ValueError, 'largest_first_epochs must be an integer'):
                self.build_runner(cfg).train()

    def test_paths_per_iter_sums_gradients(self):
        cfg = small_supernet_cfg(self.temp_dir.name, n=8, batch=8)
        cfg.train_cfg.update(paths_per_iter=2, sandwich=(), distill=False)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.param_scheduler = None
        cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=1.0, momentum=0,
                                                weight_decay=0))
        runner = self.build_runner(cfg)
        model = runner.model
        model.init_weights()  # runner.train() will not initialise again
        before = {k: v.detach().clone() for k, v in model.named_parameters()}
        data_batch = next(iter(runner.train_dataloader))
        loop = runner.train_loop
        model.train()
        model.zero_grad()
        for path in range(2):
            get_supernet(model).set_arch(loop.sample_arch(path))
            data = model.data_preprocessor(data_batch, True)
            loss, _ = model.parse_losses(model(**data, mode='loss'))
            loss.backward()
        grads = param_grads(model)
        model.zero_grad()
        runner.train()
        assert runner.iter == 1
        key = 'backbone.layers.5.expand.weight'
        assert grads[key].abs().sum() > 0
        assert_sgd_step(model, before, grads)

    def test_sandwich_with_inplace_distillation(self):
        """One step = SGD on CE(largest) + KL(sampled || largest), in that order."""
        cfg = small_supernet_cfg(self.temp_dir.name, n=8, batch=8)
        cfg.train_cfg.update(paths_per_iter=1, sandwich=('largest', ), distill=True)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.param_scheduler = None
        cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=1.0, momentum=0,
                                                weight_decay=0))
        runner = self.build_runner(cfg)
        model = runner.model
        model.init_weights()
        before = {k: v.detach().clone() for k, v in model.named_parameters()}
        data_batch = next(iter(runner.train_dataloader))
        loop = runner.train_loop
        largest = SGNASSpace.reference_archs()['largest']
        assert loop.iter_archs() == [largest, loop.sample_arch(0)]
        model.train()
        model.zero_grad()
        supernet = get_supernet(model)
        data = model.data_preprocessor(data_batch, True)
        supernet.set_arch(largest)
        ce, _ = model.parse_losses(model(**data, mode='loss'))
        teacher = model(data['inputs'], mode='tensor').detach()
        ce.backward()
        supernet.set_arch(loop.sample_arch(0))
        kd = distill_loss(model(data['inputs'], mode='tensor'), teacher)
        kd.backward()
        grads = param_grads(model)
        model.zero_grad()
        seen = []
        with recorded_archs(lambda net, arch: seen.append(net.space.format(arch))):
            runner.train()
        assert runner.iter == 1 and seen[0] == SGNASSpace.format(largest)
        assert kd > 0
        assert_sgd_step(model, before, grads)
        hub = runner.message_hub
        total = hub.get_scalar('train/loss').current()
        assert abs(hub.get_scalar('train/loss_distill').current() - kd.item()) < 1e-4
        assert abs(total - ce.item() - kd.item()) < 1e-4

    def test_sandwich_bad_values(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        for bad, message in ((('biggest', ), "reference architectures .*'biggest'"),
                             ('largest', "reference architectures .*'largest'")):
            cfg.train_cfg.update(sandwich=bad, distill=False)
            with self.assertRaisesRegex(ValueError, message):
                self.build_runner(cfg).train()
        cfg.train_cfg.update(sandwich=(), distill=True)
        with self.assertRaisesRegex(ValueError, 'distill=True needs a teacher'):
            self.build_runner(cfg).train()

    def test_distill_loss(self):
        logits = torch.randn(4, 10, requires_grad=True)
        assert distill_loss(logits, logits).abs().item() < 1e-6
        teacher = torch.randn(4, 10, requires_grad=True)
        loss = distill_loss(logits, teacher)
        loss.backward()
        assert loss.item() > 0 and teacher.grad is None and logits.grad.abs().sum() > 0

    def test_resume_under_weights_only_default(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        self.build_runner(cfg).train()
        ckpt = osp.join(self.temp_dir.name, 'epoch_1.pth')
        # torch.load's weights-only default reads mmengine's checkpoint...
        state = torch.load(ckpt)
        assert 'message_hub' in state and state['meta']['epoch'] == 1
        cfg2 = copy.deepcopy(cfg)
        cfg2.train_cfg.max_epochs = 2
        cfg2.resume = True
        cfg2.load_from = ckpt
        runner = self.build_runner(cfg2)
        runner.train()
        assert runner.epoch == 2 and runner.iter == 4

    def test_weights_only_still_refuses_other_globals(self):
        import pickle

        import numpy as np
        path = osp.join(self.temp_dir.name, 'evil.pth')
        # np.ndarray is allowed, its methods are not (getattr is restricted)
        for obj in (np.ndarray.tofile, pickle.PickleError('no')):
            torch.save({'x': obj}, path)
            with self.assertRaises(pickle.UnpicklingError):
                torch.load(path)

    def test_bf16_amp_on_cpu(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.optim_wrapper.type = 'mmsgnas.BF16AmpOptimWrapper'
        runner = self.build_runner(cfg)
        runner.train()
        assert runner.iter == 2
        loss = runner.message_hub.get_scalar('train/loss').current()
        assert 0 < loss < 10


class TestNB201SupernetLoops(RunnerTestCase):

    def test_same_loops_train_the_nb201_supernet(self):
        cfg = small_supernet_cfg(self.temp_dir.name)
        nb201 = Config.fromfile(osp.join(REPO, 'configs', 'sgnas', NB201_SUPERNET_CONFIG))
        cfg.model = nb201.model
        cfg.optim_wrapper = nb201.optim_wrapper
        cfg.param_scheduler = None
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
        runner = self.build_runner(cfg)
        runner.train()
        assert runner.iter == 2
        metrics = runner.val_loop.run()
        assert set(metrics) == {'smallest/accuracy/top1', 'largest/accuracy/top1',
                                'random_0/accuracy/top1'}
        assert runner.val_loop.subnets['largest'] == '+'.join(
            '|' + '|'.join(f'nor_conv_3x3~{i}' for i in range(j)) + '|' for j in (1, 2, 3))
        archs = {runner.train_loop.sample_arch(p) for p in range(4)}
        assert all(len(a) == 6 for a in archs) and len(archs) > 1
