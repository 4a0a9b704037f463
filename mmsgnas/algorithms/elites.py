"""Self-imitation for the REINFORCE generator: the best architectures its samples found, kept
per part of the target range, re-scored as training goes on, and imitated.

REINFORCE forgets: a cell that scored well is pushed once, by a noisy unit, and the next
steps may push its ops back down. Where the cells within a budget differ by little more than
one batch's noise (NAS-Bench-201 at its cheapest budgets), the distribution stays broad and
its argmax is close to arbitrary. An evolution search, on the same evaluations, keeps its
best cells and scores them again. :class:`EliteMemory` gives the generator that memory (as
self-imitation learning, Oh et al., ICML 2018, does for a policy): the target range is cut
into ``bins`` equal parts; each keeps up to ``size`` fitted architectures with their mean CE
relative to the median of each iteration's distinct fitted samples (lower is better; shrunk towards 0 by one
pseudo scoring, so a single lucky batch does not outrank an entry confirmed on many). At each
iteration the entries of the target's part that fit the target are scored on the same batch
as the samples, the samples may replace the worst entry, and in every part, at a target drawn
within it, the generator's log-probability of the best entry that fits, scored at least
``min_count`` times, is raised (:class:`mmsgnas.algorithms.SGNASGenerator` adds ``weight``
times its gradient). The search still returns the generator's argmax in one forward.

With ``mutations`` the memory also explores as an evolution search does: each iteration,
that many mutants of the part's fitting entries (fitted to the target) are scored on the same
batch and offered to the memory, outside the REINFORCE estimate: meant for a cell the
samples rarely draw (NB201's best at 20 MFLOPs needs three edges right together). Measured on
NB201 with twice the iterations, it narrowed the gap to evolution at 20 MFLOPs on held-out
images (mean -1.2 against -3.6 points over three seeds without either; ``configs/sgnas/README.md``):
the NB201 REINFORCE config uses ``mutations=2``; off by default.
"""
import math
import random
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import torch


class EliteMemory:
    """Up to ``size`` architectures per part of the target range ``[low, high]``, with the
    sum and count of their CEs relative to each iteration's sample median.

    Args:
        low, high: the constraint range (the table's unit).
        bins: equal parts of the range, each with its own entries.
        size: entries per part (>= 1).
        min_count: scorings an entry needs before it is imitated (>= 1; 2 keeps a single
            lucky batch out).
        mutations: mutants of the entries scored per iteration (>= 0; 0: none), see
            :meth:`mutants`.
    """

    def __init__(self, low: float, high: float, bins: int = 20, size: int = 3,
                 min_count: int = 2, mutations: int = 0) -> None:
        for name, value, least in (('bins', bins, 1), ('size', size, 1),
                                   ('min_count', min_count, 1), ('mutations', mutations, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f'self-imitation {name} must be an integer >= {least}, '
                                 f'got {value!r}')
        if not low < high:
            raise ValueError(f'self-imitation needs an increasing range, got ({low}, {high})')
        self.low, self.high = float(low), float(high)
        self.bins, self.size, self.min_count, self.mutations = bins, size, min_count, mutations
        self.entries: List[List[dict]] = [[] for _ in range(bins)]

    def bin(self, target: float) -> int:
        """The part of the range ``target`` falls in (ValueError outside the range)."""
        if not self.low <= target <= self.high:
            raise ValueError(f'target {target} outside the self-imitation range '
                             f'[{self.low:g}, {self.high:g}]')
        return min(int((target - self.low) / (self.high - self.low) * self.bins),
                   self.bins - 1)

    def parts(self) -> List[tuple]:
        """``(low, high)`` of each part of the range."""
        step = (self.high - self.low) / self.bins
        return [(self.low + i * step, self.low + (i + 1) * step) for i in range(self.bins)]

    def fitting(self, target: float) -> List[tuple]:
        """The architectures of ``target``'s part whose cost is within ``target``."""
        return [e['arch'] for e in self.entries[self.bin(target)] if e['cost'] <= target]

    def mutants(self, target: float, mutate: Callable[[tuple], tuple], rng: random.Random,
                exclude: Iterable[tuple] = (), tries: int = 20) -> List[tuple]:
        """Up to ``mutations`` distinct new architectures: ``mutate`` (which must return
        an architecture within ``target``) of entries of :meth:`fitting` drawn by ``rng``,
        none of them one of those entries or in ``exclude``; at most ``mutations * tries``
        draws in all (a draw that repeats a known cell is dropped). Empty while the part has
        no fitting entry."""
        parents = self.fitting(target)
        known = set(parents) | set(exclude)
        found: List[tuple] = []
        for _ in range(self.mutations * tries if parents else 0):
            if len(found) == self.mutations:
                break
            child = tuple(mutate(rng.choice(parents)))
            if child not in known:
                known.add(child)
                found.append(child)
        return found

    def update(self, target: float, ce: Dict[tuple, float], baseline: float,
               cost: Callable[[tuple], float]) -> None:
        """Record one iteration at ``target``: ``ce`` maps each architecture scored on the
        iteration's batch (the samples and the entries of :meth:`fitting`) to its CE,
        ``baseline`` is the median CE of the distinct fitted samples on that batch (a sample
        cut off from its output does not move it). Entries add ``ce - baseline`` to their sums; other architectures
        replace the part's worst entry when they beat its (shrunk) mean, or fill a free
        place."""
        entries = self.entries[self.bin(target)]
        known = {e['arch']: e for e in entries}
        for arch, value in sorted(ce.items(), key=lambda item: item[1]):
            relative = float(value) - float(baseline)
            if arch in known:
                known[arch]['sum'] += relative
                known[arch]['count'] += 1
                continue
            entry = dict(arch=tuple(arch), cost=float(cost(arch)), sum=relative, count=1)
            if len(entries) < self.size:
                entries.append(entry)
            else:
                worst = max(entries, key=mean)
                if mean(entry) >= mean(worst):
                    continue
                entries[entries.index(worst)] = entry
            known[entry['arch']] = entry

    def observe(self, target: float, scores: Dict[tuple, float],
                rescore: Callable[[tuple], float], cost: Callable[[tuple], float],
                describe: Callable[[tuple], str] = str, extra: Sequence[tuple] = ()) -> None:
        """One iteration at ``target``: ``scores`` maps the distinct fitted samples to their
        CE on the batch; the entries of :meth:`fitting` and the ``extra`` architectures (e.g.
        :meth:`mutants`) among them keep that score, the others are scored by ``rescore`` (on
        the same batch) and added to ``scores``; then :meth:`update`, with the (lower) median
        of the samples' CEs as the baseline. ``describe`` names an architecture in errors
        (e.g. the space's ``format``)."""
        baseline = float(torch.tensor(list(scores.values())).median())
        kept = self.fitting(target)
        for arch in [*kept, *extra]:
            if arch not in scores:
                scores[arch] = rescore(arch)
                if not math.isfinite(scores[arch]):
                    which = 'kept architecture' if arch in kept else 'mutant'
                    raise FloatingPointError(f'self-imitation: non-finite score '
                                             f'{scores[arch]} of the {which} {describe(arch)}')
        self.update(target, scores, baseline, cost)

    def draw(self, noise: Optional[torch.Generator],
             device: torch.device) -> List[Tuple[float, tuple]]:
        """Per part of the range, a target drawn uniformly within it (``noise`` on
        ``device``) and the part's :meth:`best` at that target; parts without one left out.
        Every part, every iteration: the parts' priors differ (the pool's nearest), and a
        part seen only by the iterations drawn near it is hardly trained (20 MFLOPs on
        NB201: about 1 % of the targets)."""
        targets = [low + (high - low) * torch.rand((), generator=noise, device=device).item()
                   for low, high in self.parts()]
        pairs = [(t, self.best(t)) for t in targets]
        return [(t, best) for t, best in pairs if best is not None]

    def best(self, target: float) -> Optional[tuple]:
        """The entry of ``target``'s part within ``target`` with the lowest mean relative CE
        among those scored at least ``min_count`` times (None if there is none)."""
        ready = [e for e in self.entries[self.bin(target)]
                 if e['cost'] <= target and e['count'] >= self.min_count]
        return min(ready, key=mean)['arch'] if ready else None

    def state(self) -> List[List[dict]]:
        return [[dict(e, arch=list(e['arch'])) for e in part] for part in self.entries]

    def load(self, state: Sequence[Sequence[dict]]) -> None:
        if len(state) != self.bins:
            raise ValueError(f'self-imitation state has {len(state)} parts, this memory '
                             f'{self.bins}')
        self.entries = [[dict(e, arch=tuple(e['arch'])) for e in part] for part in state]


def mean(entry: dict) -> float:
    """An entry's mean relative CE, shrunk towards 0 (the samples' median) by one pseudo
    scoring: one lucky batch does not outrank an entry confirmed on many."""
    return entry['sum'] / (entry['count'] + 1)


def build_self_imitation(options: dict, low: float, high: float) -> Tuple[EliteMemory, float]:
    """The memory over ``[low, high]`` and the imitation weight of a model's
    ``self_imitation=dict(bins=, size=, min_count=, mutations=, weight=)`` (any subset)."""
    if not isinstance(options, dict):
        raise ValueError(f'self_imitation must be None or a dict of bins, size, min_count, '
                         f'mutations, weight, got {options!r}')
    options = dict(options)
    unknown = sorted(set(options) - {'bins', 'size', 'min_count', 'mutations', 'weight'})
    if unknown:
        raise ValueError(f'unknown self_imitation option(s) {unknown}, expected bins, size, '
                         f'min_count, mutations, weight')
    weight = options.pop('weight', 1.0)
    if isinstance(weight, bool) or not (isinstance(weight, (int, float))
                                        and 0 < weight < math.inf):
        raise ValueError(f'self_imitation weight must be a finite number > 0, got {weight!r}')
    return EliteMemory(low, high, **options), float(weight)
