"""Top-1 of architectures with weights inherited from the supernet (the search's hot path)."""
import hashlib
import json
import os.path as osp
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
        record: a JSON-lines file that keeps every score as it is computed (appended and
            flushed, so a killed search loses at most the architecture in progress). If it
            exists, its scores are reused: the search, being seeded, continues where it
            stopped. Its first line is the evaluation's identity (``identity``, the number of
            images and of calibration batches); a record of another evaluation is refused.
        identity: what identifies the evaluation besides the split (e.g. the space, FLOPs
            table and a digest of the supernet checkpoint).
    """

    def __init__(self, classifier: nn.Module, dataloader: Iterable,
                 calib_dataloader: Optional[Iterable] = None, calib_batches: int = 0,
                 data_preprocessor: Optional[nn.Module] = None, record: Optional[str] = None,
                 identity: Optional[dict] = None) -> None:
        self.classifier = classifier
        self.data_preprocessor = data_preprocessor or classifier.data_preprocessor
        self.batches = self._cache(dataloader)
        if not self.batches:
            raise ValueError('the evaluation split is empty: the search scores architectures '
                             'on its images (check test_dataloader and its dataset)')
        self.calib = self._cache(calib_dataloader, calib_batches) if calib_batches else []
        if calib_batches and len(self.calib) < calib_batches:
            raise ValueError(f'BN recalibration asks for {calib_batches} batches, the '
                             f'calibration loader has {len(self.calib)}')
        self.scores: dict = {}
        self.record = record
        self._record_file = None
        if record is not None:
            self._open_record(dict(identity or {}, images=self.num_images,
                                   calib_batches=len(self.calib)))

    def _open_record(self, header: dict) -> None:
        if osp.isfile(self.record):
            with open(self.record) as f:
                lines = f.read().splitlines()
            entries = []
            for i, line in enumerate(lines):
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:
                    if i < len(lines) - 1:  # only the last line can be cut by a kill
                        raise ValueError(f'{self.record} line {i + 1} is not JSON') from None
            if not entries or entries[0].get('header') != json.loads(json.dumps(header)):
                theirs = entries[0].get('header') if entries else None
                raise ValueError(
                    f'{self.record} holds scores of another evaluation ({theirs}), this one is '
                    f'{header}: use another work dir or out_dir, or delete the file')
            for entry in entries[1:]:
                self.scores[tuple(entry['arch'])] = entry['top1']
            with open(self.record, 'w') as f:  # rewritten without a cut last line
                f.write(''.join(json.dumps(e) + '\n' for e in entries))
        else:
            with open(self.record, 'w') as f:
                f.write(json.dumps(dict(header=header)) + '\n')
        self._record_file = open(self.record, 'a')

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
            if self._record_file is not None:
                self._record_file.write(json.dumps(dict(arch=key, top1=self.scores[key])) +
                                        '\n')
                self._record_file.flush()
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


def file_digest(path: Optional[str]) -> Optional[str]:
    """SHA-256 of a file (None for None): what identifies a supernet checkpoint."""
    if path is None:
        return None
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def calibration(test_cfg: dict) -> Tuple[Optional[Iterable], int]:
    """``(calibration loader, batches)`` for :class:`SubnetEvaluator`, as a search loop's
    config asks for them (``calib_batches``, ``calib_dataloader``; no loader when 0)."""
    batches = test_cfg.get('calib_batches', 0)
    if not batches:
        return None, 0
    if test_cfg.get('calib_dataloader') is None:
        raise ValueError('calib_batches > 0 needs calib_dataloader (training split)')
    return Runner.build_dataloader(test_cfg['calib_dataloader']), batches
