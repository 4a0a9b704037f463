"""Write the paper's 80 / 20 split of ImageNet train: the supernet trains on 80 %, the
generator learns (and the search scores) on the other 20 %.

    python tools/dataset_converters/split_imagenet_train.py data/imagenet

Reads ``<root>/train/<wnid>/*`` (mmpretrain's ImageNet layout), classes in sorted wnid order
(as mmpretrain's ImageNet labels them), and writes ``<root>/meta/train_80.txt`` and
``<root>/meta/train_20.txt`` (``<wnid>/<file> <label>`` lines). Rule: within each class, files
sorted by name; every fifth (positions 4, 9, 14, ...) goes to the 20 %: reproducible, no RNG.
"""
import argparse
import os
import os.path as osp
from typing import Dict, List, Tuple

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')


def split(root: str) -> Dict[str, List[Tuple[str, int]]]:
    train = osp.join(root, 'train')
    if not osp.isdir(train):
        raise FileNotFoundError(f'{train!r} does not exist: expected <root>/train/<wnid>/<image>')
    classes = sorted(d for d in os.listdir(train) if osp.isdir(osp.join(train, d)))
    if not classes:
        raise ValueError(f'{train!r} holds no class folder')
    parts: Dict[str, List[Tuple[str, int]]] = {'train_80': [], 'train_20': []}
    for label, wnid in enumerate(classes):
        files = sorted(f for f in os.listdir(osp.join(train, wnid))
                       if f.lower().endswith(IMAGE_EXTENSIONS))
        if len(files) < 5:
            raise ValueError(f'class {wnid!r} has {len(files)} images, expected at least 5 '
                             f'(one in five goes to the 20 % split)')
        for i, name in enumerate(files):
            parts['train_20' if i % 5 == 4 else 'train_80'].append((f'{wnid}/{name}', label))
    return parts


def main(argv=None) -> Dict[str, str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='the ImageNet root (with train/<wnid>/...)')
    args = parser.parse_args(argv)
    os.makedirs(osp.join(args.root, 'meta'), exist_ok=True)
    paths = {}
    for name, items in split(args.root).items():
        paths[name] = osp.join(args.root, 'meta', f'{name}.txt')
        with open(paths[name] + '.tmp', 'w') as f:
            f.writelines(f'{path} {label}\n' for path, label in items)
        os.replace(paths[name] + '.tmp', paths[name])
        print(f'{paths[name]}: {len(items)} images')
    return paths


if __name__ == '__main__':
    main()
