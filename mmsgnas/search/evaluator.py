"""Top-1 of architectures with weights inherited from the supernet (the search's hot path)."""
from typing import Iterable, List, Optional, Tuple

import torch
from mmengine.runner import Runner
from torch import nn

from mmsgnas.spaces import Arch
from .bn_calibration import preserved_bn_statistics, recalibrating_bn


class SubnetEvaluator:
    """Evaluates architectures on a fixed split with the supernet's weights.

    The split is read and preprocessed once and kept in memory, so each architecture costs
    only its forward passes, and each distinct architecture is evaluated once (its top-1 is
    remembered; ``num_evaluated`` counts distinct ones). Optionally BN statistics are
    recalibrated per architecture on ``calib_batches`` training batches (then restored).

    Args:
        classifier: the supernet classifier (mmpretrain ``ImageClassifier`` whose backbone is
            a ``UnifiedSupernet``).
        dataloader: the evaluation split.
        calib_dataloader: training batches for BN recalibration (None: BN as trained).
        calib_batches: how many of them.
        data_preprocessor: normalisation of the batches (default: the classifier's own; pass
            the generator model's when the supernet was built inside it, since a nested
            classifier config does not get the top-level ``data_preprocessor``).
    """

    def __init__(self, classifier: nn.Module, dataloader: Iterable,
                 calib_dataloader: Optional[Iterable] = None, calib_batches: int = 0,
                 data_preprocessor: Optional[nn.Module] = None) -> None:
        self.classifier = classifier
        self.data_preprocessor = data_preprocessor or classifier.data_preprocessor
        self.batches = self._cache(dataloader)
        self.calib = self._cache(calib_dataloader, calib_batches) if calib_batches else []
        if calib_batches and len(self.calib) < calib_batches:
            raise ValueError(f'BN recalibration asks for {calib_batches} batches, the '
                             f'calibration loader has {len(self.calib)}')
        self.scores: dict = {}

    @classmethod
    def from_config(cls, model: nn.Module, cfg) -> 'SubnetEvaluator':
        """The evaluator of a search config: its ``test_dataloader`` and the calibration of
        its ``test_cfg``, on the supernet of ``model`` (an ``SGNASGenerator``)."""
        return cls(model.supernet, Runner.build_dataloader(cfg.test_dataloader),
                   *calibration(cfg.test_cfg), data_preprocessor=model.data_preprocessor)

    @property
    def num_images(self) -> int:
        return sum(len(labels) for _, labels in self.batches)

    @property
    def num_evaluated(self) -> int:
        return len(self.scores)

    def _cache(self, loader, limit: Optional[int] = None) -> List[tuple]:
        cached = []
        preprocessor = self.data_preprocessor
        with torch.no_grad():
            for i, batch in enumerate(loader):
                if limit is not None and i >= limit:
                    break
                data = preprocessor(batch, False)
                labels = torch.cat([s.gt_label for s in data['data_samples']])
                cached.append((data['inputs'], labels))
        return cached

    def top1(self, arch: Arch) -> float:
        """Top-1 (%) of ``arch`` (string or tuple) on the cached split, inherited weights."""
        key = tuple(self.classifier.backbone.set_arch(arch))  # validated, one form
        if key not in self.scores:
            self.scores[key] = self._evaluate()
        return self.scores[key]

    @torch.no_grad()
    def _evaluate(self) -> float:
        """Top-1 of the architecture set on the backbone (BN statistics restored after)."""
        correct = total = 0
        with preserved_bn_statistics(self.classifier):
            if self.calib:
                with recalibrating_bn(self.classifier):
                    for inputs, _ in self.calib:
                        self.classifier(inputs, mode='tensor')
            self.classifier.eval()
            for inputs, labels in self.batches:
                logits = self.classifier(inputs, mode='tensor')
                correct += (logits.argmax(1) == labels).sum().item()
                total += labels.numel()
        return 100.0 * correct / total


def calibration(test_cfg: dict) -> Tuple[Optional[Iterable], int]:
    """``(calibration loader, batches)`` for :class:`SubnetEvaluator`, as a search loop's
    config asks for them (``calib_batches``, ``calib_dataloader``; no loader when 0)."""
    batches = test_cfg.get('calib_batches', 0)
    if not batches:
        return None, 0
    if test_cfg.get('calib_dataloader') is None:
        raise ValueError('calib_batches > 0 needs calib_dataloader (training split)')
    return Runner.build_dataloader(test_cfg['calib_dataloader']), batches
