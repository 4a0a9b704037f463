"""Exact export: slice a searched architecture's weights out of a supernet checkpoint, for
either space (:class:`SGNASNet` from a ``UnifiedSupernet``, :class:`NB201Net` from an
``NB201Supernet``)."""
import re
from collections import OrderedDict
from typing import Dict, Optional, Union

import torch
from torch import nn

from mmsgnas.spaces import NB201Space
from mmsgnas.spaces.nb201 import NUM_EDGES, OPS
from mmsgnas.spaces.sgnas import KERNELS
from .nb201_supernet import NB201Net
from .sgnas_net import SGNASNet

BN_TENSORS = ('weight', 'bias', 'running_mean', 'running_var')


def strip_prefix(state_dict: dict, prefix: str) -> Dict[str, torch.Tensor]:
    if 'state_dict' in state_dict:
        state_dict = state_dict['state_dict']
    if prefix and not any(k.startswith(prefix) for k in state_dict):
        prefix = ''
    return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}


def _check_shapes(net: nn.Module, out: Dict[str, torch.Tensor], origin: str) -> None:
    expected = net.state_dict()
    for key, value in out.items():
        if value.shape != expected[key].shape:
            raise ValueError(f'supernet checkpoint {origin} does not match: {key!r} gets '
                             f'shape {tuple(value.shape)}, expected {tuple(expected[key].shape)}')


class _Source:
    """Reads supernet tensors with errors that say what does not match."""

    def __init__(self, state: Dict[str, torch.Tensor], origin: str) -> None:
        self.state = state
        self.origin = origin

    def __call__(self, key: str) -> torch.Tensor:
        if key not in self.state:
            raise ValueError(f'supernet checkpoint {self.origin} does not match: it has no '
                             f'{key!r} (expected the state dict of a supernet of the same '
                             f'space and settings: UnifiedSupernet variant, NB201 cells per '
                             f'stage and BN statistics; it has {len(self.state)} keys)')
        return self.state[key]


def _slice(src: _Source, key: str, dim: int, start: int, end: int) -> torch.Tensor:
    t = src(key)
    if t.dim() <= dim or t.shape[dim] < end:
        raise ValueError(f'supernet checkpoint {src.origin} does not match: {key!r} has shape '
                         f'{tuple(t.shape)}, expected at least {end} along dim {dim}')
    return t.narrow(dim, start, end - start)


def _dw_slice(src: _Source, prefix: str, kernel: int, start: int, end: int) -> torch.Tensor:
    """A kernel's depthwise weight, channels ``start:end``; from a supernet trained with
    ``shared_kernels`` (only ``dw.7``), the centre ``kernel x kernel`` of the 7x7."""
    key = f'{prefix}dw.{kernel}.weight'
    largest = f'{prefix}dw.{max(KERNELS)}.weight'
    if key in src.state or largest not in src.state:
        return _slice(src, key, 0, start, end)
    c = (max(KERNELS) - kernel) // 2
    return _slice(src, largest, 0, start, end)[:, :, c:c + kernel, c:c + kernel]


def static_state_dict(net: SGNASNet, supernet_state: Dict[str, torch.Tensor],
                      origin: str = '<state dict>') -> 'OrderedDict[str, torch.Tensor]':
    """The state dict of ``net`` sliced out of a UnifiedSupernet backbone state dict."""
    if any(block.se is not None for block in net.layers):
        raise ValueError('cannot export into an SGNASNet built with with_se=True: SE layers '
                         'have no counterpart in the supernet')
    src = _Source(supernet_state, origin)
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for key in net.state_dict():
        if key.startswith(('stem.', 'head.')):
            out[key] = src(key)
    for i, block in enumerate(net.layers):
        p, q = f'layers.{i}.', f'layers.{i}.'
        e = len(block.kernels)
        mid = block.dw_norm.num_features
        out[q + 'expand.conv.weight'] = _slice(src, p + 'expand.weight', 0, 0, mid)
        bn = block.expand.norm_name
        for t in BN_TENSORS:
            out[f'{q}expand.{bn}.{t}'] = _slice(src, f'{p}expand_bn.{t}', 0, 0, mid)
        out[f'{q}expand.{bn}.num_batches_tracked'] = src(p + 'expand_bn.num_batches_tracked')
        for j, (k, start, end) in enumerate(block.runs):
            out[f'{q}dw.{j}.weight'] = _dw_slice(src, p, k, start, end)
        for t in BN_TENSORS:
            out[f'{q}dw_norm.{t}'] = torch.cat(
                [_slice(src, f'{p}dw_bn.{k}.{t}', 0, start, end) for k, start, end in block.runs])
        k0 = block.runs[0][0]
        out[f'{q}dw_norm.num_batches_tracked'] = src(f'{p}dw_bn.{k0}.num_batches_tracked')
        out[q + 'project.conv.weight'] = _slice(src, p + 'project.weight', 1, 0, mid)
        bn = block.project.norm_name
        for t in BN_TENSORS + ('num_batches_tracked', ):
            out[f'{q}project.{bn}.{t}'] = src(f'{p}shadow_bn.bns.{e - 2}.{t}')
    expected = net.state_dict()
    for key in out:
        if key not in expected:
            raise ValueError(f'cannot export into this SGNASNet: it has no {key!r} '
                             f'(SE layers have no supernet counterpart)')
    _check_shapes(net, out, origin)
    missing = sorted(set(expected) - set(out))
    if missing:
        raise ValueError(f'cannot export into this SGNASNet: no supernet counterpart for '
                         f'{missing[:5]}')
    return OrderedDict((k, v.clone()) for k, v in out.items())


def load_from_supernet(net: SGNASNet, checkpoint: Union[str, dict],
                       prefix: str = 'backbone.') -> SGNASNet:
    """Load ``net``'s weights sliced out of a supernet checkpoint (file or state dict).

    ``prefix`` is stripped from the keys (``'backbone.'`` for an mmpretrain classifier
    checkpoint); a bare backbone state dict works too.
    """
    origin = checkpoint if isinstance(checkpoint, str) else '<state dict>'
    if isinstance(checkpoint, str):
        checkpoint = torch.load(checkpoint, map_location='cpu')
    net.load_state_dict(static_state_dict(net, strip_prefix(checkpoint, prefix), origin))
    return net


def nb201_state_dict(net: NB201Net, supernet_state: Dict[str, torch.Tensor],
                     origin: str = '<state dict>') -> 'OrderedDict[str, torch.Tensor]':
    """The state dict of ``net`` from an NB201Supernet backbone state dict: each edge takes
    the weights of its op (``cells.i.edges.e.<op>.*``), the rest is copied. Build ``net``
    with the supernet's ``cells_per_stage``, ``widen_factor`` and ``track_running_stats``."""
    src = _Source(supernet_state, origin)
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for key in net.state_dict():
        match = re.match(r'(cells\.\d+\.edges\.(\d+)\.)(.*)', key)
        source = (key if match is None else
                  f'{match.group(1)}{net.arch[int(match.group(2))]}.{match.group(3)}')
        out[key] = src(source).clone()
    _check_shapes(net, out, origin)
    return out


def export_subnet(checkpoint: str, net: nn.Module, split_edge: Optional[int] = None) -> dict:
    """An mmpretrain classifier checkpoint of ``net`` (an ``SGNASNet`` or ``NB201Net``): its
    backbone sliced out of the supernet classifier checkpoint (``backbone.`` keys), the neck
    and head copied. ``load_from`` or ``init_cfg=dict(type='Pretrained', ...)`` accept it.
    From an ``NB201SplitSupernet`` checkpoint (name its ``split_edge``) the backbone comes from
    the sub-supernet of the operation ``net`` has on that edge."""
    state = torch.load(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    split = any(k.startswith('backbone.subnets.') for k in state)
    if split_edge is not None and (isinstance(split_edge, bool) or
                                   split_edge not in range(NUM_EDGES)):
        raise ValueError(f'split_edge must be an NB201 edge index in 0..{NUM_EDGES - 1}, got '
                         f'{split_edge!r}')
    if split != (split_edge is not None):
        raise ValueError(f'supernet checkpoint {checkpoint} is ' + (
            'of a split supernet (backbone.subnets.* keys): name its split_edge' if split else
            f'not of an NB201 split supernet, got split_edge={split_edge!r} for a '
            f'{type(net).__name__}'))
    if isinstance(net, SGNASNet):
        backbone = static_state_dict(net, strip_prefix(state, 'backbone.'), checkpoint)
        arch = net.arch_str
    elif isinstance(net, NB201Net):
        prefix = ('backbone.' if not split else
                  f'backbone.subnets.{OPS.index(net.arch[split_edge])}.')
        backbone = nb201_state_dict(net, strip_prefix(state, prefix), checkpoint)
        arch = NB201Space.format(net.arch)
    else:
        raise TypeError(f'cannot export into a {type(net).__name__}, expected an SGNASNet or '
                        f'an NB201Net')
    out = {f'backbone.{k}': v for k, v in backbone.items()}
    out.update({k: v for k, v in state.items() if not k.startswith('backbone.')})
    return dict(state_dict=out, meta=dict(arch=arch, source=checkpoint))
