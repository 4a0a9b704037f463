"""Random and evolution search under a FLOPs budget (the baselines), bounded in tries.

Both work on any search space (its ``sampler`` and ``mutate``) with a cost ``table`` (FLOPs or latency)."""
import random
from typing import Callable, List, Optional

Arch = tuple


class _Reached(Exception):
    """Raised inside a search when a score reaches its ``stop_at``."""

    def __init__(self, top1: float, arch: Arch) -> None:
        super().__init__()
        self.top1, self.arch = top1, arch


class _Scorer:
    """Scores architectures with the evaluator, counts them, and stops the search (raises
    :class:`_Reached`) at the first score >= ``stop_at``."""

    def __init__(self, evaluator, stop_at: Optional[float]) -> None:
        self.evaluator, self.stop_at, self.count = evaluator, stop_at, 0

    def __call__(self, arch: Arch) -> float:
        top1 = self.evaluator.top1(arch)
        self.count += 1
        if self.stop_at is not None and top1 >= self.stop_at:
            raise _Reached(top1, arch)
        return top1


def check_positive(**values: int) -> None:
    """Search sizes are integers >= 1: raise ``ValueError`` naming the first that is not."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f'{name} must be an integer >= 1, got {value!r}')


def _result(target: float, scored, scorer: _Scorer, reached: Optional[_Reached]) -> dict:
    top1, arch = (reached.top1, reached.arch) if reached else max(scored, key=lambda s: s[0])
    return dict(target=target, arch=arch, repaired='no', top1=top1,
                evaluations=scorer.count, reached=reached is not None)


def sample_feasible(sample: Callable[[], Arch], table, target: float, n: int,
                    max_tries: int, seen: set) -> List[Arch]:
    """Up to ``n`` new architectures with cost <= target, drawing at most ``max_tries``."""
    found = []
    for _ in range(max_tries):
        if len(found) == n:
            break
        arch = sample()
        if arch not in seen and table.cost(arch) <= target:
            seen.add(arch)
            found.append(arch)
    return found


def _feasibility_error(target, n, found, max_tries, table) -> ValueError:
    return ValueError(f'found only {found} of {n} architectures under {target} {table.unit} in '
                      f'{max_tries} tries (space range [{table.min_cost:.2f}, '
                      f'{table.max_cost:.2f}]): raise the target or max_tries')


def random_search(target: float, space, table, evaluator, num_candidates: int,
                  max_tries: int, seed: int, stop_at: Optional[float] = None) -> dict:
    """The best of ``num_candidates`` distinct random architectures under ``target``; with
    ``stop_at``, the first that scores at least that (``reached``), evaluated in order.
    The result says how many were ``evaluations``."""
    check_positive(num_candidates=num_candidates, max_tries=max_tries)
    sampler = space.sampler(seed)
    archs = sample_feasible(sampler.sample, table, target, num_candidates, max_tries, set())
    if len(archs) < num_candidates:
        raise _feasibility_error(target, num_candidates, len(archs), max_tries, table)
    scorer, scored = _Scorer(evaluator, stop_at), []
    try:
        for a in archs:
            scored.append((scorer(a), a))
    except _Reached as reached:
        return _result(target, scored, scorer, reached)
    return _result(target, scored, scorer, None)


def crossover(a: Arch, b: Arch, rng: random.Random) -> Arch:
    """Each position (SGNAS layer, NB201 edge) from either parent."""
    return tuple(x if rng.random() < 0.5 else y for x, y in zip(a, b))


def evolution_search(target: float, space, table, evaluator, population: int,
                     generations: int, top_k: int, mutation_prob: float, max_tries: int,
                     seed: int, stop_at: Optional[float] = None) -> dict:
    """SPOS-style evolution; ``population * generations`` evaluations in all, or fewer with
    ``stop_at``: it stops at the first architecture that scores at least that."""
    check_positive(population=population, generations=generations, top_k=top_k,
                   max_tries=max_tries)
    scorer, scored = _Scorer(evaluator, stop_at), []
    try:
        _evolve(target, space, table, scorer, scored, population, generations, top_k, mutation_prob,
                max_tries, seed)
    except _Reached as reached:
        return _result(target, scored, scorer, reached)
    return _result(target, scored, scorer, None)


def _evolve(target, space, table, score, scored, population, generations, top_k, mutation_prob,
            max_tries, seed) -> None:
    rng = random.Random(seed)
    sampler = space.sampler(seed)
    seen: set = set()
    pop = sample_feasible(sampler.sample, table, target, population, max_tries, seen)
    if len(pop) < population:
        raise _feasibility_error(target, population, len(pop), max_tries, table)
    scored += [(score(a), a) for a in pop]
    for _ in range(generations - 1):
        parents = [a for _, a in sorted(scored, key=lambda s: -s[0])[:top_k]]
        half = population // 2

        def mutant() -> Arch:
            return space.mutate(rng.choice(parents), rng, mutation_prob)

        def child() -> Arch:
            return crossover(rng.choice(parents), rng.choice(parents), rng)

        new = sample_feasible(mutant, table, target, half, max_tries, seen)
        new += sample_feasible(child, table, target, population - len(new), max_tries, seen)
        new += sample_feasible(sampler.sample, table, target, population - len(new), max_tries,
                               seen)
        if len(new) < population:
            raise _feasibility_error(target, population, len(new), max_tries, table)
        scored += [(score(a), a) for a in new]
