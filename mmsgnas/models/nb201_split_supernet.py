"""Few-shot NAS's split of the NAS-Bench-201 supernet: one sub-supernet per operation of one
edge (Zhao et al., "Few-shot Neural Architecture Search", ICML 2021)."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from mmsgnas.registry import MODELS
from mmsgnas.spaces import NB201Arch, NB201Space
from mmsgnas.spaces.nb201 import EDGES, NUM_EDGES, NUM_OPS, OPS
from .nb201_supernet import NB201Net, NB201Supernet


@MODELS.register_module()
class NB201SplitSupernet(BaseModule):
    """The NB201 supernet split on one edge: 5 :class:`NB201Supernet` (one per operation of
    ``split_edge``, each holding all of its weights), of which ``set_arch`` activates the one
    whose operation the architecture puts on that edge. Each sub-supernet trains only on
    architectures of its own group (:meth:`into_split`), so the weights of the other edges no
    longer serve paths that differ on ``split_edge``.

    It stands in for :class:`NB201Supernet` as a classifier's backbone (same ``space``,
    ``set_arch``, ``forward``, ``forward_soft``, ``static_net``; the head is shared), and a
    checkpoint of the unsplit supernet loads into it: every sub-supernet gets its weights
    (fine-tune from it with ``load_from``).

    Args:
        split_edge: the edge whose operation chooses the sub-supernet, 0-5 in
            :data:`~mmsgnas.spaces.nb201.EDGES` order (3: the edge 0->3).
        init_cfg: initialisation config.
        **supernet_kwargs: every sub-supernet's :class:`NB201Supernet` arguments
            (``cells_per_stage``, ``widen_factor``, ``track_running_stats``, ``channels_last``;
            ``arch`` is the architecture active after construction).

    Shapes:
        forward: ``(N, 3, 32, 32)`` -> ``((N, 64 * widen_factor, 8, 8), )``.
    """

    def __init__(self, split_edge: int = 3, arch: Union[str, Sequence[str], None] = None,
                 init_cfg: Optional[dict] = None, **supernet_kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(split_edge, bool) or split_edge not in range(NUM_EDGES):
            raise ValueError(f'split_edge must be an edge index in 0..{NUM_EDGES - 1} (edges '
                             f'{EDGES}), got {split_edge!r}')
        self.split_edge = split_edge
        self.subnets = nn.ModuleList(NB201Supernet(**supernet_kwargs) for _ in OPS)
        first = self.subnets[0]
        self.space: NB201Space = first.space
        self.cells_per_stage, self.widen_factor = first.cells_per_stage, first.widen_factor
        self.channels_last, self.out_channels = first.channels_last, first.out_channels
        self.arch: NB201Arch = self.set_arch(self.space.reference_archs()['largest']
                                             if arch is None else arch)
        self._register_load_state_dict_pre_hook(self._expand_unsplit)

    @property
    def num_splits(self) -> int:
        return len(self.subnets)

    @property
    def active(self) -> int:
        """The index of the sub-supernet of the architecture set."""
        return OPS.index(self.arch[self.split_edge])

    def split_of(self, arch: Union[str, Sequence[str]]) -> int:
        """The index of the sub-supernet that ``arch`` belongs to."""
        return OPS.index(self.space.parse(arch)[self.split_edge])

    def into_split(self, arch: Union[str, Sequence[str]], split: int) -> NB201Arch:
        """``arch`` with ``split_edge`` set to the operation of sub-supernet ``split``."""
        if isinstance(split, bool) or split not in range(self.num_splits):
            raise ValueError(f'split must be a sub-supernet index in 0..{self.num_splits - 1}, '
                             f'got {split!r}')
        ops = list(self.space.parse(arch))
        ops[self.split_edge] = OPS[split]
        return self.space.parse(ops)

    def set_arch(self, arch: Union[str, Sequence[str]]) -> NB201Arch:
        self.arch = self.space.parse(arch)
        self.subnets[self.active].set_arch(self.arch)
        return self.arch

    @staticmethod
    def static_net(arch: Union[str, Sequence[str]]) -> NB201Net:
        return NB201Supernet.static_net(arch)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return self.subnets[self.active](x)

    def forward_soft(self, x: torch.Tensor, arch_weights: torch.Tensor) -> Tuple[torch.Tensor]:
        """Soft edge weights ``(6, 5)``: each sub-supernet's soft forward with ``split_edge``
        one-hot on its own operation, weighted by that operation's weight (5 forwards)."""
        if arch_weights.shape != (NUM_EDGES, NUM_OPS):
            raise ValueError(f'arch_weights has shape {tuple(arch_weights.shape)}, expected '
                             f'({NUM_EDGES}, {NUM_OPS})')
        total = 0
        for k, subnet in enumerate(self.subnets):
            weights = arch_weights.clone()
            weights[self.split_edge] = 0
            weights[self.split_edge, k] = 1
            total = total + arch_weights[self.split_edge, k] * subnet.forward_soft(x, weights)[0]
        return (total, )

    def _expand_unsplit(self, state_dict: dict, prefix: str, *args) -> None:
        """A state dict of the unsplit supernet (no ``subnets.`` keys): every sub-supernet
        gets a copy of its tensors."""
        split_prefix = prefix + 'subnets.'
        keys = [k for k in state_dict if k.startswith(prefix)]
        if not keys or any(k.startswith(split_prefix) for k in keys):
            return
        for key in keys:
            value = state_dict.pop(key)
            for k in range(self.num_splits):
                state_dict[f'{split_prefix}{k}.{key[len(prefix):]}'] = value
