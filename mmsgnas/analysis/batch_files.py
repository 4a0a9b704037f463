"""Which files of the package one training iteration runs through.

A measure of the layering's cost to a reader: everything a training batch of a stage
touches (the loop's ``run_iter``: hooks, forward, losses, backward, step) after the data
loader has produced it, as package-relative paths.
"""
import os.path as osp
import sys
from contextlib import contextmanager
from typing import Iterator, Set

PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))


@contextmanager
def traced_files(files: Set[str]) -> Iterator[Set[str]]:
    """Inside: the package file of every Python function called is added to ``files``."""

    def profile(frame, event, arg) -> None:
        if event == 'call':
            path = frame.f_code.co_filename
            if path.startswith(PACKAGE + osp.sep) and path != osp.abspath(__file__):
                files.add(osp.relpath(path, PACKAGE))

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield files
    finally:
        sys.setprofile(previous)


def first_iteration_files(runner) -> Set[str]:
    """Train with ``runner`` (its whole schedule: give it a short one) and return the files
    its first training iteration ran through."""
    loop = runner.train_loop  # built here, so its run_iter can be wrapped
    files: Set[str] = set()
    run_iter = loop.run_iter

    def traced_run_iter(idx, data_batch) -> None:
        if idx == 0 and not files:
            with traced_files(files):
                return run_iter(idx, data_batch)
        return run_iter(idx, data_batch)

    loop.run_iter = traced_run_iter
    runner.train()
    return files
