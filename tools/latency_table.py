"""Measure a latency lookup table on this CPU and cache it to a file that names the device,
runtime, threads, batch and input size.

    python tools/latency_table.py --space sgnas --variant cifar --runtime pytorch onnxruntime
    python tools/latency_table.py --space nb201 --runtime onnxruntime --threads 2
    python tools/latency_table.py --space nb201 --runtime onnxruntime --batch 8 --fit 500

NB201 tables can instead be fitted on ``--fit`` whole random networks (one cost per edge and
op, and one per op at each node where edges meet, by least squares, ``mmsgnas.latency.fitting``):
ONNX Runtime shares and fuses across a cell's ops, so its parts timed alone do not add up to a
cell. A fitted table is in whole-network terms, at the speed of its first chunk of networks,
and is not calibrated after the build. It is written where the parts table would be (``--out``
to keep both).

The parts are then scaled by one factor so that ``--calibrate`` whole random networks are
predicted right (the median ratio; parts timed alone run with their weights in cache, and
this machine's speed drifts): the table predicts at the speed of that moment. Each network's
parts are timed again with it, and the header records how much of the scale is the machine's
speed and how much whole vs parts. A table is brought to the speed of a later moment with

    python tools/latency_table.py --calibrate-table <table.json> --recalibrate

Each measurement is appended to ``<table>.partial.jsonl`` as it is made, so a killed build
continues where it stopped (a partial file of another protocol is refused). The finished
table is written as ``<root>/<space>-<variant>_<device>_<runtime>_t<threads>_b<batch>_
<size>px.json`` and read by ``mmsgnas.latency.latency_table`` (the generator's and the search
loops' ``constraint='latency'``).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import mmsgnas  # noqa: F401
from mmsgnas.latency import (RUNTIMES, LatencyMeter, build_nb201_table, build_sgnas_table,
                             calibrate, fit_nb201_table, load_latency_table, table_path,
                             uncalibrated)
from mmsgnas.latency.fitting import NUM_TERMS
from mmsgnas.models.macro import default_input_size


FIT = dict(chunk=50, anchors=10)  # networks timed together, and with every chunk


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--space', default='sgnas', choices=['sgnas', 'nb201'])
    parser.add_argument('--variant', default='cifar', choices=['cifar', 'imagenet'],
                        help='SGNAS variant (NB201: ignored)')
    parser.add_argument('--input-size', type=int, default=None,
                        help='default: the variant\'s (224 / 32; NB201: 32 only)')
    parser.add_argument('--runtime', nargs='+', default=['pytorch'], choices=RUNTIMES)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=10, help='interleaving rounds')
    parser.add_argument('--repeats', type=int, default=50)
    parser.add_argument('--calibrate', type=int, default=20,
                        help='whole random networks measured to scale the parts (0: none)')
    parser.add_argument('--calibrate-table', default=None,
                        help='only calibrate this table file (a calibrated one needs '
                             '--recalibrate)')
    parser.add_argument('--recalibrate', action='store_true',
                        help='with --calibrate-table: replace the table\'s calibration')
    parser.add_argument('--fit', type=int, default=0,
                        help='NB201: fit the table on this many whole random networks instead '
                             'of measuring its parts (0: measure the parts)')
    parser.add_argument('--fit-seed', type=int, default=0, help='of the fitted networks')
    parser.add_argument('--root', default='work_dirs/latency', help='folder of the tables')
    parser.add_argument('--out', default=None, help='file to write (one runtime only)')
    args = parser.parse_args(argv)
    if args.recalibrate and not args.calibrate_table:
        parser.error('--recalibrate goes with --calibrate-table <table.json>')
    if args.calibrate_table and args.calibrate < 1:
        parser.error(f'--calibrate-table needs --calibrate >= 1 networks, got {args.calibrate}')
    if args.out and len(args.runtime) > 1:
        parser.error('--out names one file: give one --runtime with it')
    if args.fit and args.space != 'nb201':
        parser.error(f'--fit is for the NB201 space, got --space {args.space}')
    if args.fit < 0 or 0 < args.fit <= NUM_TERMS:
        parser.error(f'--fit needs at least {NUM_TERMS + 1} networks (the fit has {NUM_TERMS} '
                     f'terms), got {args.fit}')
    if args.space == 'nb201':
        if args.input_size not in (None, 32):
            parser.error(f'the NB201 space is measured at 32x32, got --input-size '
                         f'{args.input_size}')
        args.variant, args.input_size = 'nb201', 32
    args.input_size = args.input_size or default_input_size(args.variant)
    return args


def read_partial(path: str, protocol: dict) -> dict:
    """Measurements of an interrupted build of the same protocol (a cut last line dropped)."""
    if not osp.isfile(path):
        return {}
    done = {}
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines or json.loads(lines[0]) != protocol:
        raise ValueError(f'{path!r} is a partial build of another protocol: delete it to '
                         f'measure {protocol} from the start')
    for line in lines[1:]:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # the last line of a killed build
        done[entry['key']] = entry['ms']
    return done


def build_one(args, runtime: str) -> str:
    meter = LatencyMeter(runtime, args.threads, args.warmup, args.repeats, args.rounds)
    path = args.out or table_path(args.root, args.space, args.variant, runtime, args.threads,
                                  args.batch, args.input_size)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    protocol = dict(meter.protocol(), space=args.space, variant=args.variant,
                    input_size=args.input_size, batch=args.batch,
                    **({'fit': dict(FIT, networks=args.fit, seed=args.fit_seed)}
                       if args.fit else {}))
    partial = path + ('.fit' if args.fit else '') + '.partial.jsonl'
    done = read_partial(partial, protocol)
    if done:
        print(f'resuming {path}: {len(done)} measurements already made')
    start = time.perf_counter()
    with open(partial, 'a') as f:
        if not done:
            f.write(json.dumps(protocol) + '\n')

        def save(key: str, ms: float) -> None:
            f.write(json.dumps(dict(key=key, ms=ms)) + '\n')
            f.flush()
            count = len(done)
            if count % 200 == 0:
                print(f'{runtime}: {count} measurements, {time.perf_counter() - start:.0f} s')

        if args.space == 'sgnas':
            table = build_sgnas_table(meter, args.variant, args.input_size, args.batch, done,
                                      save)
        elif args.fit:
            table = fit_nb201_table(meter, args.batch, args.fit, args.fit_seed, **FIT,
                                    done=done, progress=save)
        else:
            table = build_nb201_table(meter, args.batch, done, save)
    table.save(path)
    os.remove(partial)
    if args.fit:
        fit = table.header['fit']
        print(f"fitted on {fit['networks']} networks: mean error {fit['mape']:.1f} %, worst "
              f"{fit['worst_pct']:.1f} %")
    elif args.calibrate:
        # in a fresh process: after thousands of ONNX Runtime sessions this one times whole
        # networks about 20 % slow (measured), which would bias the scale
        subprocess.run([sys.executable, __file__, '--calibrate-table', path, '--calibrate',
                        str(args.calibrate)], check=True)
    print(f'wrote {path}: {len(done)} measurements in {time.perf_counter() - start:.0f} s; '
          f'{table.describe()}; range {table.min_cost:.3f} to {table.max_cost:.3f} ms '
          f'(smallest to largest architecture)')
    return path


def calibrate_file(path: str, num: int, again: bool = False) -> None:
    table = load_latency_table(path, device='this')
    if 'calibration' in table.header and not again:
        sys.exit(f"{path} is calibrated already (parts x "
                 f"{table.header['calibration']['scale']:.3f}): add --recalibrate to measure "
                 f"its scale again")
    table = calibrate(uncalibrated(table) if again else table, num)
    c = table.header['calibration']
    table.save(path)
    print(f"calibrated {path} on {c['networks']} whole networks: parts x {c['scale']:.3f} "
          f"(measured / predicted {c['ratio_min']:.3f} to {c['ratio_max']:.3f})")
    if c['speed'] is not None:  # None when every network's parts summed to 0 ms
        print(f"timed with them, their parts ran {c['speed']:.3f}x the table's, and the "
              f"networks {c['parts_ratio']:.3f}x the sum of their parts")


def main(argv=None):
    args = parse_args(argv)
    if args.calibrate_table:
        return calibrate_file(args.calibrate_table, args.calibrate, args.recalibrate)
    return [build_one(args, runtime) for runtime in args.runtime]


if __name__ == '__main__':
    main()
