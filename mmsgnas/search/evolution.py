"""Random and evolution search under a FLOPs budget (the baselines), bounded in tries.

Both work on any search space (its ``sampler``, ``table`` and ``mutate``)."""
import random
from typing import Callable, List, Tuple

Arch = tuple


def sample_feasible(sample: Callable[[], Arch], table, target: float, n: int,
                    max_tries: int, seen: set) -> List[Arch]:
    """Up to ``n`` new architectures with FLOPs <= target, drawing at most ``max_tries``."""
    found = []
    for _ in range(max_tries):
        if len(found) == n:
            break
        arch = sample()
        if arch not in seen and table.mflops(arch) <= target:
            seen.add(arch)
            found.append(arch)
    return found


def _feasibility_error(target, n, found, max_tries, table) -> ValueError:
    return ValueError(f'found only {found} of {n} architectures under {target} MFLOPs in '
                      f'{max_tries} tries (space range [{table.min_mflops:.2f}, '
                      f'{table.max_mflops:.2f}]): raise the target or max_tries')


def random_search(target: float, space, evaluator, num_candidates: int,
                  max_tries: int, seed: int) -> dict:
    """The best of ``num_candidates`` distinct random architectures under ``target``."""
    table = space.table
    sampler = space.sampler(seed)
    archs = sample_feasible(sampler.sample, table, target, num_candidates, max_tries, set())
    if len(archs) < num_candidates:
        raise _feasibility_error(target, num_candidates, len(archs), max_tries, table)
    scored = [(evaluator.top1(a), a) for a in archs]
    top1, arch = max(scored, key=lambda s: s[0])
    return dict(target=target, arch=arch, repaired='no', top1=top1)


def crossover(a: Arch, b: Arch, rng: random.Random) -> Arch:
    """Each position (SGNAS layer, NB201 edge) from either parent."""
    return tuple(x if rng.random() < 0.5 else y for x, y in zip(a, b))


def evolution_search(target: float, space, evaluator, population: int,
                     generations: int, top_k: int, mutation_prob: float, max_tries: int,
                     seed: int) -> dict:
    """SPOS-style evolution; ``population * generations`` evaluations in all."""
    table = space.table
    rng = random.Random(seed)
    sampler = space.sampler(seed)
    seen: set = set()
    pop = sample_feasible(sampler.sample, table, target, population, max_tries, seen)
    if len(pop) < population:
        raise _feasibility_error(target, population, len(pop), max_tries, table)
    scored: List[Tuple[float, Arch]] = [(evaluator.top1(a), a) for a in pop]
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
        scored += [(evaluator.top1(a), a) for a in new]
    top1, arch = max(scored, key=lambda s: s[0])
    return dict(target=target, arch=arch, repaired='no', top1=top1)
