"""Latency of a module on this machine: PyTorch eager or ONNX Runtime, CPU, median of repeats.

:class:`LatencyMeter` times ``module(x)`` for an input of a given shape after ``warmup`` runs
and returns the median of ``repeats`` runs, in milliseconds, with ``threads`` intra-op threads.
Modules measured together are timed interleaved. Under ONNX Runtime a
module is exported first (to memory, TorchScript exporter, opset 17) and, for a part of a
network, the time of a graph that only copies its input is subtracted, so that parts add up to
the whole network run as one graph.
"""
import io
import platform
import re
import statistics
import time
from contextlib import contextmanager
from typing import Callable, Iterator, List, Sequence, Tuple, Union

import torch
from torch import nn

RUNTIMES = ('pytorch', 'onnxruntime')
ONNX_OPSET = 17


def device_name() -> str:
    """This CPU's model name (``/proc/cpuinfo``; ``platform.processor()`` elsewhere)."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return ' '.join(line.split(':', 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'unknown-cpu'


def device_slug(device: str) -> str:
    """A file-name form of a device name: ``'Intel(R) Xeon(R) CPU @ 2.20GHz'`` ->
    ``'intel-xeon-cpu-2.20ghz'``."""
    slug = re.sub(r'\((r|tm)\)', '', device.lower())
    return re.sub(r'[^a-z0-9.]+', '-', slug).strip('-') or 'unknown-cpu'


def check_runtime(runtime: str) -> str:
    if runtime not in RUNTIMES:
        raise ValueError(f'unknown runtime {runtime!r}, expected one of {RUNTIMES}')
    return runtime


def check_positive_int(name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f'{name} must be an integer >= 1, got {value!r}')
    return value


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def onnx_bytes(module: nn.Module, shape: Sequence[int]) -> bytes:
    """``module`` exported to ONNX (in memory) for inputs of ``shape``."""
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module.eval(), (torch.zeros(*shape), ), buffer, input_names=['input'],
                          opset_version=ONNX_OPSET, dynamo=False)
    return buffer.getvalue()


def onnx_session(model: bytes, threads: int):
    import onnxruntime  # optional dependency: only the ONNX Runtime measurements need it
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model, options, providers=['CPUExecutionProvider'])


class Copy(nn.Module):
    """The cheapest graph ONNX Runtime runs: its run-call overhead, subtracted from parts."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.0


class LatencyMeter:
    """Measures modules with one runtime, thread count and timing protocol.

    The modules of one call are timed interleaved: ``rounds`` times, each module runs
    ``repeats / rounds`` timed runs in turn, so that slow and fast spells of a shared machine
    (measured here: the median of one block drifts by 20-40 % from second to second) fall on
    every module alike; the median of each module's runs is its measurement.

    Args:
        runtime: ``'pytorch'`` (eager, ``torch.inference_mode``, channels-last inputs as the
            networks run) or ``'onnxruntime'`` (CPU execution provider).
        threads: intra-op threads.
        warmup: untimed runs of each module first.
        repeats: timed runs of each module.
        rounds: interleaving rounds (``repeats`` must be a multiple).
    """

    def __init__(self, runtime: str = 'pytorch', threads: int = 1, warmup: int = 10,
                 repeats: int = 50, rounds: int = 10) -> None:
        self.runtime = check_runtime(runtime)
        self.threads = check_positive_int('threads', threads)
        self.warmup = check_positive_int('warmup', warmup) if warmup else 0
        self.repeats = check_positive_int('repeats', repeats)
        self.rounds = check_positive_int('rounds', rounds)
        if repeats % rounds:
            raise ValueError(f'repeats ({repeats}) must be a multiple of rounds ({rounds})')

    def protocol(self) -> dict:
        return dict(runtime=self.runtime, threads=self.threads, warmup=self.warmup,
                    repeats=self.repeats, rounds=self.rounds, statistic='median')

    def measure(self, module: nn.Module, shape: Sequence[int], part: bool = True) -> float:
        """Median milliseconds of ``module`` on a ``shape`` input. ``part``: a piece of a
        network (ONNX Runtime: minus the run-call overhead; never below zero)."""
        return self.measure_many([(module, shape)], part)[0]

    def measure_many(self, items: Sequence[Tuple[nn.Module, Sequence[int]]],
                     part: Union[bool, Sequence[bool]] = True) -> List[float]:
        """Median milliseconds of each ``(module, input shape)``, timed interleaved. ``part``,
        one for all items or one per item: under ONNX Runtime a part is measured minus the
        run-call overhead (a graph that only copies its input, timed among them), never below
        zero; a whole network is not."""
        parts = ([bool(p) for p in part] if isinstance(part, (list, tuple))
                 else [bool(part)] * len(items))
        if len(parts) != len(items):
            raise ValueError(f'part: one flag per item expected, got {len(parts)} flags for '
                             f'{len(items)} items')
        if self.runtime == 'pytorch':
            with torch_threads(self.threads), torch.inference_mode():
                return self._interleaved([self._eager(m, s) for m, s in items])
        runs = [self._onnx(onnx_bytes(m, s), s) for m, s in items]
        shapes = sorted({tuple(s) for (_, s), p in zip(items, parts) if p})
        copies = [self._onnx(onnx_bytes(Copy(), s), s) for s in shapes]
        ms = self._interleaved(runs + copies)
        overhead = dict(zip(shapes, ms[len(runs):]))
        return [max(t - overhead[tuple(s)], 0.0) if p else t
                for t, (_, s), p in zip(ms, items, parts)]

    def overhead(self, shape: Sequence[int]) -> float:
        """ONNX Runtime: the median time of a graph that only copies a ``shape`` input."""
        return self._interleaved([self._onnx(onnx_bytes(Copy(), shape), shape)])[0]

    @staticmethod
    def _eager(module: nn.Module, shape: Sequence[int]) -> Callable[[], object]:
        module = module.eval()
        x = torch.randn(*shape)
        x = x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x
        return lambda: module(x)

    def _onnx(self, model: bytes, shape: Sequence[int]) -> Callable[[], object]:
        session = onnx_session(model, self.threads)
        feed = {session.get_inputs()[0].name: torch.randn(*shape).numpy()}
        return lambda: session.run(None, feed)

    def _interleaved(self, runs: List[Callable[[], object]]) -> List[float]:
        for run in runs:
            for _ in range(self.warmup):
                run()
        per_round = self.repeats // self.rounds
        times: List[List[float]] = [[] for _ in runs]
        clock = time.perf_counter
        for _ in range(self.rounds):
            for run, samples in zip(runs, times):
                for _ in range(per_round):
                    start = clock()
                    run()
                    samples.append(clock() - start)
        return [statistics.median(t) * 1e3 for t in times]
