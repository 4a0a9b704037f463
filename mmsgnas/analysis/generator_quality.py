"""How good a trained generator is: constraint precision over a sweep, and quality against
random feasible architectures and evolution at the same targets (the same evaluator)."""
from typing import List, Sequence, Tuple

import numpy as np

from mmsgnas.engine import cost_metrics
from mmsgnas.search import evolution_search, fit_budget
from mmsgnas.search.evolution import sample_feasible


def _preference(model, target: float, fit_by: str):
    return model.preference(target) if fit_by == 'generator' else None


def precision(model, targets: Sequence[float], tolerance: float,
              fit_by: str = 'flops') -> List[dict]:
    """Kendall tau, mean relative error and count over target: raw argmax and fitted
    (``fit_by``: as the generator search loop's)."""
    raw = model.generate(targets)
    fitted = [fit_budget(a, model.space, model.table, t, tolerance,
                         _preference(model, t, fit_by))[0] for a, t in zip(raw, targets)]
    rows = []
    for name, archs in (('raw argmax', raw), ('fitted (search output)', fitted)):
        m = cost_metrics(model.table, targets, archs)
        rows.append(dict(output=name, kendall_tau=m['kendall_tau'],
                         mean_rel_error=m['mean_rel_error'],
                         num_over=int(round(m['over_target'] * len(targets))),
                         costs=[model.table.cost(a) for a in archs]))
    return rows


def quality(model, evaluator, targets: Sequence[float], num_random: int, tolerance: float,
            seed: int, evolution_evals: int = 0, fit_by: str = 'flops',
            select_evaluator=None) -> Tuple[List[dict], int]:
    """Per target: the fitted generated architecture's top-1 against ``num_random`` random
    architectures with cost <= target (median, 90th percentile, best, its percentile) and,
    with ``evolution_evals``, what evolution finds with that many evaluations (population 20,
    top 10). Random streams are shared across targets, and each architecture is evaluated
    once (the evaluator remembers scores). Returns the rows and the evaluations in all.

    ``select_evaluator`` (other images): evolution selects on it and its pick is scored by
    ``evaluator`` (``evolution_top1``; its own best score is ``evolution_select_top1``), and
    the random architecture that scores best on it is the *random pick*, scored by
    ``evaluator`` (``random_pick_top1``, ``random_pick_percentile``): what choosing the best
    of the ``num_random`` on other images is worth once the selection's noise no longer
    counts."""
    space, table = model.space, model.table
    rows = []
    for i, (target, arch) in enumerate(zip(targets, model.generate(targets))):
        fitted, action = fit_budget(arch, space, table, target, tolerance,
                                    _preference(model, target, fit_by))
        gen = evaluator.top1(fitted)
        randoms = sample_feasible(space.sampler(seed).sample, table, target, num_random,
                                  num_random * 1000, set())
        if len(randoms) < num_random:
            raise ValueError(f'only {len(randoms)} of {num_random} random architectures found '
                             f'under {target} {table.unit} in {num_random * 1000} tries')
        accs = np.array([evaluator.top1(a) for a in randoms])
        row = dict(target=target, cost=table.cost(fitted), fitted=action,
                   arch=space.format(fitted), top1=gen, random_median=float(np.median(accs)),
                   random_p90=float(np.percentile(accs, 90)), random_best=float(accs.max()),
                   percentile=float(100.0 * np.mean(accs <= gen)),
                   at_least_p90=bool(gen >= np.percentile(accs, 90)))
        if select_evaluator is not None:
            pick = evaluator.top1(max(randoms, key=select_evaluator.top1))
            row.update(random_pick_top1=pick,
                       random_pick_percentile=float(100.0 * np.mean(accs <= pick)))
        if evolution_evals:
            population = min(20, evolution_evals)
            evo = evolution_search(target, space, table, select_evaluator or evaluator,
                                   population, evolution_evals // population, population // 2,
                                   1 / 6, 100000, seed=seed + 1000 + i)
            row.update(evolution_top1=evaluator.top1(evo['arch']),
                       evolution_select_top1=evo['top1'],
                       evolution_arch=space.format(evo['arch']),
                       evolution_evals=population * (evolution_evals // population))
        rows.append(row)
    return rows, evaluator.num_evaluated
