"""The hardware-constraint loss L_C(Cost(alpha), C) of the generator."""
import torch

FORMS = ('symmetric', 'asymmetric')


def constraint_loss(cost: torch.Tensor, target: torch.Tensor, form: str = 'asymmetric',
                    over_weight: float = 1.2, dead_zone: float = 0.1) -> torch.Tensor:
    """Squared distance of the cost from the target (both in MFLOPs), averaged.

    ``'symmetric'``: ``(cost - target)^2`` (the paper, eq. 8). ``'asymmetric'`` (the released
    code): zero inside ``+-dead_zone``, and ``over_weight`` times heavier above the target, so
    the generator learns to stay under budget.
    """
    if form not in FORMS:
        raise ValueError(f'unknown constraint loss form {form!r}, expected one of {FORMS}')
    diff = cost - target
    if form == 'symmetric':
        return (diff**2).mean()
    diff = torch.where(diff.abs() <= dead_zone, torch.zeros_like(diff), diff)
    weight = torch.where(diff > 0, torch.full_like(diff, over_weight), torch.ones_like(diff))
    return (weight * diff**2).mean()
