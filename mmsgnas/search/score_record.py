"""Scores persisted as they are produced: a JSON-lines file a killed search resumes from."""
import json
import os
import os.path as osp
from typing import Dict, Tuple

from mmengine.dist import barrier, is_main_process


class ScoreRecord:
    """``path`` holds a header line (what identifies the evaluation) and one line per scored
    architecture, appended and flushed as each is scored, so a kill loses at most the
    architecture in progress (a last line cut by the kill is dropped on reading).

    Opening an existing record with the same header returns its scores (a seeded search then
    continues where it stopped); a record with another header is refused. Under DDP every
    rank reads it, only rank 0 writes.

    Args:
        path: the file.
        header: JSON-serialisable identity of the evaluation.
    """

    def __init__(self, path: str, header: dict) -> None:
        self.path = path
        self.header = json.loads(json.dumps(header))  # as it reads back
        self.scores: Dict[Tuple, float] = {}
        self._file = None
        if is_main_process():
            self._open()
        barrier()  # the file is complete before the other ranks read it
        if not is_main_process() and osp.isfile(path):
            self.scores = self._read()

    def _read(self) -> Dict[Tuple, float]:
        with open(self.path) as f:
            lines = f.read().splitlines(keepends=True)
        entries = []
        for i, line in enumerate(lines):
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                if i < len(lines) - 1 or line.endswith('\n'):  # only a cut last line
                    raise ValueError(f'{self.path} line {i + 1} is not JSON') from None
        theirs = entries[0].get('header') if entries else None
        if theirs != self.header:
            raise ValueError(f'{self.path} holds scores of another evaluation ({theirs}), this '
                             f'one is {self.header}: use another work dir or out_dir, or '
                             f'delete the file')
        return {tuple(e['arch']): e['top1'] for e in entries[1:]}

    def _open(self) -> None:
        if osp.isfile(self.path):
            self.scores = self._read()
        with open(self.path + '.tmp', 'w') as f:  # rewritten whole, without a cut line
            f.write(json.dumps(dict(header=self.header)) + '\n')
            f.writelines(json.dumps(dict(arch=list(a), top1=t)) + '\n'
                         for a, t in self.scores.items())
        os.replace(self.path + '.tmp', self.path)
        self._file = open(self.path, 'a')

    def append(self, arch: Tuple, top1: float) -> None:
        if self._file is not None:
            self._file.write(json.dumps(dict(arch=list(arch), top1=top1)) + '\n')
            self._file.flush()
