"""An image-folder dataset decoded once into memory, for small image sets."""
from typing import List

import mmcv
import numpy as np
from mmengine import fileio
from mmpretrain.datasets import CustomDataset

from mmsgnas.registry import DATASETS


@DATASETS.register_module()
class InMemoryCustomDataset(CustomDataset):
    """mmpretrain's ``CustomDataset`` with every image decoded once, when the dataset is
    built, and kept in memory as ``uint8`` BGR arrays (as ``LoadImageFromFile`` decodes them).

    Each sample enters the pipeline with ``img``, ``img_shape`` and ``ori_shape`` already set,
    so the pipeline starts after ``LoadImageFromFile`` (e.g. ``RandomCrop``, ``RandomFlip``,
    ``PackInputs``): the augmentations still run per epoch, only the file reading and PNG
    decoding are paid once. Meant for small sets such as the embedded CIFAR-10 subset
    (4,072 images of 32x32: 12 MB); larger ones are refused (``max_memory_mb``).

    Args:
        max_memory_mb: the most memory the decoded images may take; building a dataset
            that needs more raises ``ValueError`` (use ``CustomDataset`` for such sets).
        **kwargs: as ``CustomDataset`` (``data_root``, ``ann_file``, ``data_prefix``,
            ``classes``, ``pipeline``, ``indices``, ...).
    """

    def __init__(self, *args, max_memory_mb: float = 1024.0, **kwargs) -> None:
        if not max_memory_mb > 0:
            raise ValueError(f'max_memory_mb must be > 0, got {max_memory_mb!r}')
        self.max_memory_mb = float(max_memory_mb)
        self._images: List[np.ndarray] = []
        super().__init__(*args, **kwargs)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        super().full_init()
        images, used = [], 0
        for idx in range(len(self)):
            path = super().get_data_info(idx)['img_path']
            img = mmcv.imfrombytes(fileio.get(path), flag='color', backend='cv2')
            if img is None:
                raise ValueError(f'could not decode image {path!r}')
            used += img.nbytes
            if used > self.max_memory_mb * 2**20:
                raise ValueError(
                    f'the decoded images need more than max_memory_mb={self.max_memory_mb:g} '
                    f'MB (exceeded at image {idx} of {len(self)}, {path!r}): raise the limit '
                    f'or read the files per sample with CustomDataset')
            images.append(img)
        self._images = images

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        img = self._images[idx].copy()  # the pipeline may work in place
        info.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        return info
