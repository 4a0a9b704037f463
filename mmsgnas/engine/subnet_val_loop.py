"""Validation of a supernet on fixed subnets, each reported as its own metrics."""
from typing import Dict, Optional, Sequence, Union

from mmengine.runner import ValLoop

from mmsgnas.registry import LOOPS
from mmsgnas.models import UnifiedSupernet
from mmsgnas.models.bn_calibration import calibrate_bn, preserved_bn_statistics
from .supernet_access import get_supernet


def fixed_subnets(num_random: int = 2, seed: int = 0,
                  extra: Optional[Dict[str, Union[str, Sequence[str]]]] = None,
                  supernet=UnifiedSupernet) -> Dict[str, str]:
    """``smallest``, ``largest``, ``random_0..`` (seeded) and any named extras, as strings of
    the ``supernet``'s space (a supernet or its class)."""
    subnets = {name: supernet.format_arch(arch)
               for name, arch in supernet.reference_archs().items()}
    sampler = supernet.arch_sampler(seed)
    for i in range(num_random):
        subnets[f'random_{i}'] = supernet.format_arch(sampler.sample())
    for name, arch in (extra or {}).items():
        subnets[name] = supernet.format_arch(arch)
    return subnets


@LOOPS.register_module()
class SubnetValLoop(ValLoop):
    """Evaluate the same fixed subnets at every validation, metrics prefixed by subnet name.

    Metrics read ``largest/accuracy/top1``, ``smallest/accuracy/top1``,
    ``random_0/accuracy/top1``..., so ``save_best='largest/accuracy/top1'`` works.

    Args:
        runner, dataloader, evaluator, fp16: as ``ValLoop``.
        num_random: seeded random forced-sampling subnets besides smallest and largest.
        seed: seed of those random subnets.
        subnets: extra named subnets, ``{name: arch string or name}``.
        calibrate_bn: recompute each subnet's BN statistics on this many training batches
            before evaluating it (0: use the supernet's running statistics). The supernet's
            own statistics are restored afterwards, so checkpoints do not change.
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False, num_random: int = 2,
                 seed: int = 0, subnets: Optional[dict] = None, calibrate_bn: int = 0) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        if not isinstance(calibrate_bn, int) or calibrate_bn < 0:
            raise ValueError(f'calibrate_bn must be an integer >= 0 (training batches), got '
                             f'{calibrate_bn!r}')
        self.num_random, self.seed, self.extra = num_random, seed, subnets
        self.calibrate_bn = calibrate_bn
        self.subnets: Optional[Dict[str, str]] = None

    def run(self) -> dict:
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        supernet = get_supernet(self.runner.model)
        if self.subnets is None:  # the space is the supernet's, known once the model is
            self.subnets = fixed_subnets(self.num_random, self.seed, self.extra, supernet)
        metrics = {}
        with preserved_bn_statistics(self.runner.model):
            for name, arch in self.subnets.items():
                supernet.set_arch(arch)
                if self.calibrate_bn:
                    calibrate_bn(self.runner.model, self.runner.train_dataloader,
                                 self.calibrate_bn)
                self.val_loss.clear()
                for idx, data_batch in enumerate(self.dataloader):
                    self.run_iter(idx, data_batch)
                subnet_metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
                metrics.update({f'{name}/{k}': v for k, v in subnet_metrics.items()})
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics
