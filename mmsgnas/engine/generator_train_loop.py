"""Generator training (Algorithm 1): a target per iteration on batches of the val split."""
import random
from typing import Sequence

from mmengine.runner import EpochBasedTrainLoop

from mmsgnas.registry import LOOPS
from .supernet_access import unwrap


@LOOPS.register_module()
class GeneratorTrainLoop(EpochBasedTrainLoop):
    """Per iteration: a target uniform in the model's ``constraint_range`` (seeded by
    ``(seed, iteration)``, so ``--resume`` continues the same sequence), then the model's
    train step: generator forward, Gumbel-softmax, soft supernet forward, CE + lambda * L_C.

    Args:
        runner, dataloader, max_epochs, val_begin, val_interval: as ``EpochBasedTrainLoop``
            (the dataloader reads the validation split, as the paper does).
        seed: base seed of the targets; None uses the runner's seed.
    """

    def __init__(self, runner, dataloader, max_epochs: int, val_begin: int = 1,
                 val_interval: int = 1, seed=None, **kwargs) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval, **kwargs)
        self.seed = seed

    @property
    def generator_model(self):
        return unwrap(self.runner.model)

    def sample_target(self) -> float:
        low, high = self.generator_model.constraint_range
        base = self.runner.seed if self.seed is None else self.seed
        return random.Random(hash((base, self._iter))).uniform(low, high)

    def run_iter(self, idx, data_batch: Sequence[dict]) -> None:
        self.generator_model.target = self.sample_target()
        super().run_iter(idx, data_batch)
