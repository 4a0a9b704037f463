"""Copy the CIFAR-10 subset into ``data/`` and write its fixed train/val split.

Rule: within each class folder, files sorted by name; every fifth file (positions 4, 9, 14...)
goes to val, the rest to train: 80 % / 20 % per class, reproducible, no RNG. Val is also
written as two halves, alternate lines of ``val.txt`` (``val_search.txt``: lines 1, 3, 5...;
``val_holdout.txt``: lines 2, 4, 6...), for judging a search on images it did not select on.

Usage: python tools/dataset_converters/split_cifar10_subset.py ../shared/data/cifar10_subset \
           data/cifar10_subset
"""
import argparse
import os
import os.path as osp
import shutil

CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship',
           'truck')


def split(files):
    train = [f for i, f in enumerate(files) if i % 5 != 4]
    val = [f for i, f in enumerate(files) if i % 5 == 4]
    return train, val


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='folder with train/<class>/*.png')
    parser.add_argument('dst', help='output folder')
    args = parser.parse_args()
    if not osp.isdir(osp.join(args.src, 'train')):
        raise SystemExit(f'{args.src!r} has no train/ folder of class folders')
    os.makedirs(osp.join(args.dst, 'meta'), exist_ok=True)
    lines = {'train': [], 'val': []}
    for label, name in enumerate(CLASSES):
        src_dir = osp.join(args.src, 'train', name)
        files = sorted(f for f in os.listdir(src_dir) if f.endswith('.png'))
        os.makedirs(osp.join(args.dst, 'train', name), exist_ok=True)
        for f in files:
            shutil.copy2(osp.join(src_dir, f), osp.join(args.dst, 'train', name, f))
        for subset, chosen in zip(('train', 'val'), split(files)):
            lines[subset] += [f'{name}/{f} {label}' for f in chosen]
    lines['val_search'], lines['val_holdout'] = lines['val'][0::2], lines['val'][1::2]
    for subset, rows in lines.items():
        with open(osp.join(args.dst, 'meta', f'{subset}.txt'), 'w') as f:
            f.write('\n'.join(rows) + '\n')
    with open(osp.join(args.dst, 'meta', 'classes.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    print({k: len(v) for k, v in lines.items()})


if __name__ == '__main__':
    main()
