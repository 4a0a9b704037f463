"""Top-1 of architectures with weights inherited from the supernet (the search's hot path)."""
import hashlib
import os.path as osp
from typing import Iterable, Iterator, List, Optional, Tuple

import torch
from mmengine.dist import all_gather_object, all_reduce, get_world_size
from mmengine.runner import Runner
from torch import nn
from torch.nn import functional as F

from mmsgnas.spaces import Arch
from .bn_calibration import preserved_bn_statistics, recalibrating_bn
from .score_record import ScoreRecord

CACHE_LIMIT_MB = 512


class SubnetEvaluator:
    """Evaluates architectures on a fixed split with the supernet's weights.

    Each distinct architecture is evaluated once (its top-1 is remembered; ``num_evaluated``
    counts distinct ones). The split is streamed batch by batch, or, for a small split, read
    and preprocessed once and kept in memory (``cache``), so each architecture costs only its
    forwards. Optionally BN statistics are recalibrated per architecture on ``calib_batches``
    training batches (kept in memory; then restored).

    Under DDP (a distributed sampler in ``dataloader``) each rank evaluates its shard and the
    counts are summed over ranks, so every rank gets the same top-1 and makes the same search
    decisions; the calibration batches are a 1-process run's on every rank. The sampler must
    not pad the shards (``DefaultSampler(round_up=False)``): every image counts once.

    Args:
        classifier: the supernet classifier (mmpretrain ``ImageClassifier`` whose backbone is
            a supernet).
        dataloader: the evaluation split.
        calib_dataloader: training batches for BN recalibration (None: BN as trained).
        calib_batches: how many of them.
        data_preprocessor: normalisation of the batches (default: the classifier's own; pass
            the generator model's when the supernet was built inside it, since a nested
            classifier config does not get the top-level ``data_preprocessor``).
        record: a JSON-lines file keeping every score as it is computed
            (:class:`ScoreRecord`): a search started again on it continues where it stopped.
        identity: what identifies the evaluation in the record besides the split (e.g. the
            space, FLOPs table and a digest of the supernet checkpoint).
        cache: keep the preprocessed split in memory (True), stream it (False), or decide by
            size (None): cache when the split's preprocessed tensors (estimated from the
            first batch) take at most ``cache_limit_mb``.
        cache_limit_mb: the size limit of ``cache=None`` (default 512 MB: the embedded CIFAR
            splits, 12 MB, are cached; ImageNet's 50,000 validation images at 224 px, about
            30 GB, are streamed).
        channels_last: lay every batch (split and calibration) out channels-last, as a
            generator model with ``channels_last=True`` lays out its supernet's weights
            (:meth:`from_config` follows the model).
    """

    def __init__(self, classifier: nn.Module, dataloader: Iterable,
                 calib_dataloader: Optional[Iterable] = None, calib_batches: int = 0,
                 data_preprocessor: Optional[nn.Module] = None, record: Optional[str] = None,
                 identity: Optional[dict] = None, cache: Optional[bool] = None,
                 cache_limit_mb: float = CACHE_LIMIT_MB, channels_last: bool = False) -> None:
        if not isinstance(channels_last, bool):
            raise ValueError(f'channels_last must be True or False, got {channels_last!r}')
        self.channels_last = channels_last
        self.classifier = classifier
        self.data_preprocessor = data_preprocessor or classifier.data_preprocessor
        self.dataloader = dataloader
        sampler = getattr(dataloader, 'sampler', None)
        if get_world_size() > 1 and getattr(sampler, 'round_up', False):
            raise ValueError('under DDP the evaluation sampler pads the shards (round_up=True) '
                             'and would count some images twice: set '
                             "test_dataloader.sampler.round_up=False")
        self.cache = self._decide_cache(cache, cache_limit_mb)
        self.batches = self._preprocess(dataloader) if self.cache else None
        local = (sum(len(labels) for _, labels in self.batches) if self.cache else
                 len(sampler) if sampler is not None else len(dataloader.dataset))
        self.num_images = int(self._sum(torch.tensor([local], dtype=torch.float64))[0])
        if self.num_images == 0:
            raise ValueError('the evaluation split is empty: the search scores architectures '
                             'on its images (check test_dataloader and its dataset)')
        self.calib = self._calibration(calib_dataloader, calib_batches) if calib_batches else []
        if calib_batches and len(self.calib) < calib_batches:
            raise ValueError(f'BN recalibration asks for {calib_batches} batches, the '
                             f'calibration loader has {len(self.calib)}')
        self.scores: dict = {}
        # top-1 on the even and on the odd batches of the split, of the architectures
        # evaluated here (not of those read from a record): a split-half check of the noise
        self.half_scores: dict = {}
        self.record = None
        if record is not None:
            self.record = ScoreRecord(record, dict(identity or {}, **split_identity(dataloader),
                                                   images=self.num_images,
                                                   calib_batches=len(self.calib)))
            self.scores.update(self.record.scores)

    @classmethod
    def from_config(cls, model: nn.Module, cfg,
                    record: Optional[str] = None) -> 'SubnetEvaluator':
        """The evaluator of a search config: its ``test_dataloader`` and the calibration of
        its ``test_cfg``, on the supernet of ``model`` (an ``SGNASGenerator``); ``record``
        as the constructor's, identified by :func:`model_identity`."""
        return cls(model.supernet, Runner.build_dataloader(cfg.test_dataloader),
                   *calibration(cfg.test_cfg), data_preprocessor=model.data_preprocessor,
                   record=record, identity=model_identity(model) if record else None,
                   channels_last=model.channels_last)

    @property
    def num_evaluated(self) -> int:
        return len(self.scores)

    def _decide_cache(self, cache: Optional[bool], limit_mb: float) -> bool:
        if cache is not None:
            return bool(cache)
        dataset = getattr(self.dataloader, 'dataset', None)
        if dataset is None:  # a list of batches: already in memory
            return True
        if len(dataset) == 0:
            return True  # nothing to hold; the emptiness is reported below
        inputs, labels = self._batch(next(iter(self.dataloader)))
        per_image = inputs.element_size() * inputs.numel() / max(1, len(labels))
        return per_image * len(dataset) / 2**20 <= limit_mb

    def _batch(self, batch: dict) -> Tuple[torch.Tensor, torch.Tensor]:
        data = self.data_preprocessor(batch, False)
        inputs = data['inputs']
        if self.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        return inputs, torch.cat([s.gt_label for s in data['data_samples']])

    @torch.no_grad()
    def _preprocess(self, loader, limit: Optional[int] = None) -> List[tuple]:
        cached = []
        for i, batch in enumerate(loader):
            if limit is not None and i >= limit:
                break
            cached.append(self._batch(batch))
        return cached

    @torch.no_grad()
    def _calibration(self, loader, num_batches: int) -> List[tuple]:
        """The first ``num_batches`` batches of the calibration loader. Under DDP each rank
        holds a shard (every ``world``-th sample of one seeded order): the shards' first
        samples are gathered and interleaved back into that order, so every rank calibrates
        on the batches a 1-process run uses."""
        world = get_world_size()
        if world == 1:
            return self._preprocess(loader, num_batches)
        size = loader.batch_size
        need = -(-num_batches * size // world)
        parts = []
        for batch in loader:
            parts.append(self._batch(batch))
            if sum(len(labels) for _, labels in parts) >= need:
                break
        mine = (torch.cat([x for x, _ in parts])[:need], torch.cat([y for _, y in parts])[:need])
        shards = all_gather_object(mine)
        order = [(r, k) for k in range(need) for r in range(world) if k < len(shards[r][1])]
        inputs = torch.stack([shards[r][0][k] for r, k in order])[:num_batches * size]
        if self.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        labels = torch.stack([shards[r][1][k] for r, k in order])[:num_batches * size]
        return list(zip(inputs.split(size), labels.split(size)))

    def _split(self) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
        if self.cache:
            yield from self.batches
        else:
            for batch in self.dataloader:
                yield self._batch(batch)

    @staticmethod
    def _sum(counts: torch.Tensor) -> torch.Tensor:
        if get_world_size() > 1:
            all_reduce(counts, op='sum')
        return counts

    def top1(self, arch: Arch) -> float:
        """Top-1 (%) of ``arch`` (string or tuple) on the split, inherited weights."""
        key = tuple(self.classifier.backbone.set_arch(arch))  # validated, one form
        if key not in self.scores:
            self.scores[key], self.half_scores[key] = self._evaluate()
            if self.record is not None:
                self.record.append(key, self.scores[key])
        return self.scores[key]

    @torch.no_grad()
    def per_image(self, arch: Arch) -> Tuple[torch.Tensor, torch.Tensor]:
        """Whether ``arch`` classifies each image of the split correctly (bool) and its
        cross-entropy there, in the split's order, as :meth:`top1` evaluates it (this
        process's shard under DDP; not remembered): for paired comparisons of
        architectures on the same images."""
        self.classifier.backbone.set_arch(arch)
        correct, ce = [], []
        for logits, labels in self._outputs():
            correct.append(logits.argmax(1) == labels)
            ce.append(F.cross_entropy(logits, labels, reduction='none'))
        return torch.cat(correct), torch.cat(ce)

    @torch.no_grad()
    def _outputs(self) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
        """Logits and labels of each batch of the split for the architecture set on the
        backbone (BN recalibrated first when asked; its statistics restored when the
        iteration ends: consume it whole)."""
        with preserved_bn_statistics(self.classifier):
            if self.calib:
                with recalibrating_bn(self.classifier):
                    for inputs, _ in self.calib:
                        self.classifier(inputs, mode='tensor')
            self.classifier.eval()
            for inputs, labels in self._split():
                yield self.classifier(inputs, mode='tensor'), labels

    @torch.no_grad()
    def _evaluate(self) -> Tuple[float, Tuple[float, float]]:
        """Top-1 of the architecture set on the backbone (BN statistics restored after), and
        its top-1 on the even and the odd batches."""
        counts = torch.zeros(2, 2, dtype=torch.float64)  # (even, odd batches) x (correct, total)
        for i, (logits, labels) in enumerate(self._outputs()):
            counts[i % 2, 0] += (logits.argmax(1) == labels).sum().item()
            counts[i % 2, 1] += labels.numel()
        counts = self._sum(counts)
        correct, total = counts.sum(0).tolist()
        halves = tuple(100.0 * c / t if t else float('nan') for c, t in counts.tolist())
        return 100.0 * correct / total, halves


def model_identity(model: nn.Module) -> dict:
    """What identifies the scores of a generator model's supernet in a record: the space,
    the cost table and a digest of the supernet checkpoint."""
    return dict(space=model.space.name, table=model.table.record(),
                supernet=file_digest(model.supernet_checkpoint))


def split_identity(dataloader: Iterable) -> dict:
    """What names the evaluation split in a record: the dataset's annotation file relative to
    its data root (``{}`` for a loader without one, e.g. a list of batches), so scores on one
    split are never read back as another's of the same size."""
    dataset = getattr(dataloader, 'dataset', None)
    ann_file = getattr(dataset, 'ann_file', None)
    if not ann_file:
        return {}
    root = getattr(dataset, 'data_root', None) or ''
    return dict(split=osp.relpath(ann_file, root) if root else ann_file)


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
