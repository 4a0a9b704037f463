"""Strict loading of a backbone checkpoint given by ``init_cfg=dict(type='Pretrained', ...)``.

mmengine's ``PretrainedInit`` loads with ``strict=False`` and only logs shape mismatches, so
a checkpoint of another architecture would half-load in silence. SGNASNet loads strictly and
says what does not match.
"""
from typing import Optional

from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint
from torch import nn


def load_pretrained(module: nn.Module, checkpoint: str, prefix: Optional[str] = None,
                    map_location: str = 'cpu', arch_str: str = '') -> None:
    """Load ``checkpoint`` (a file, or an mmengine URL) into ``module``; with ``prefix``
    (e.g. ``'backbone.'``) only the keys under it, prefix removed. Raises ``ValueError``
    naming the missing, unexpected and mis-shaped keys when it does not match exactly."""
    if not checkpoint:
        raise ValueError(f'init_cfg Pretrained needs a checkpoint, got {checkpoint!r}')
    print_log(f'load {prefix or "model"} from {checkpoint}', logger='current')
    state = _load_checkpoint(checkpoint, map_location=map_location)
    state = state.get('state_dict', state)
    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not state:
            raise ValueError(f'checkpoint {checkpoint!r} has no key starting with {prefix!r}')
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [f'{k}: {tuple(state[k].shape)} in the checkpoint, {tuple(v.shape)} here'
              for k, v in own.items() if k in state and state[k].shape != v.shape]
    if missing or unexpected or shapes:
        problems = [f'{len(missing)} missing keys (e.g. {missing[:3]})'] if missing else []
        problems += [f'{len(unexpected)} unexpected keys (e.g. {unexpected[:3]})'
                     ] if unexpected else []
        problems += [f'{len(shapes)} shape mismatches (e.g. {shapes[:2]})'] if shapes else []
        raise ValueError(f'checkpoint {checkpoint!r} (prefix {prefix!r}) does not match this '
                         f'network{" " + arch_str if arch_str else ""}: ' + '; '.join(problems)
                         + '. Is it a checkpoint of another architecture or variant?')
    module.load_state_dict(state, strict=True)
