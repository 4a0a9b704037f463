"""Print the fixed subnets' validation metrics and the checkpoint of a supernet training run.

    python tools/analysis/supernet_summary.py work_dirs/quickstart/supernet
"""
import argparse
import glob
import json
import os.path as osp


def last_val_metrics(work_dir: str) -> dict:
    """The last validation entry of the newest run's ``scalars.json`` (mmengine's log)."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not logs:
        raise FileNotFoundError(f'no mmengine log (*/vis_data/scalars.json) under {work_dir!r}')
    metrics = {}
    with open(logs[-1]) as f:
        for line in f:
            entry = json.loads(line)
            if any(k.endswith('/accuracy/top1') for k in entry):
                metrics = entry
    return metrics


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    args = parser.parse_args(argv)
    metrics = last_val_metrics(args.work_dir)
    if not metrics:
        raise SystemExit(f'no validation metrics logged under {args.work_dir!r}')
    print(f"| subnet | val top-1 (%) |  (epoch {metrics.get('epoch', '?')})")
    print('|---|---|')
    for key, value in metrics.items():
        if key.endswith('/accuracy/top1'):
            print(f"| {key.split('/')[0]} | {value:.2f} |")
    last = osp.join(args.work_dir, 'last_checkpoint')
    if osp.isfile(last):
        print(f'supernet checkpoint: {open(last).read().strip()}')
    return metrics


if __name__ == '__main__':
    main()
