"""SGNAS generator checkpoints: the supernet they are built on, and what they were trained for.

A generator checkpoint holds the generator's weights and a record (``get_extra_state``: FLOPs
table, constraint range, position bias, target encoding, budget fitting, prior pool), never
the supernet, which comes from its own checkpoint, loaded strictly.
"""
import json
import os.path as osp

import torch

from mmsgnas.search import FILL_TOLERANCE


def encode_record(record: dict) -> torch.Tensor:
    """A JSON record as a uint8 tensor (what the checkpoint stores)."""
    return torch.tensor(list(json.dumps(record).encode()), dtype=torch.uint8)


def decode_record(data) -> dict:
    """The record of :func:`encode_record` (ValueError if it is not one)."""
    if not isinstance(data, torch.Tensor) or data.dtype != torch.uint8 or data.dim() != 1:
        raise ValueError(f'expected a generator record (uint8 JSON bytes), got {type(data)}')
    return json.loads(bytes(data.tolist()).decode())


def check_generator_state(model, state_dict: dict, prefix: str) -> None:
    """A generator checkpoint must hold a generator for ``model``'s space, table, range and
    position bias; loading it keeps the supernet ``model`` was built with."""
    if f'{prefix}generator.tail.weight' not in state_dict:
        raise ValueError('the checkpoint holds no SGNAS generator (no generator.* '
                         'weights): pass a checkpoint written by the generator training')
    theirs = state_dict.get(f'{prefix}_extra_state')
    theirs = decode_record(theirs) if isinstance(theirs, torch.Tensor) else None
    if not isinstance(theirs, dict) or 'table' not in theirs:
        raise ValueError('the generator checkpoint holds no record of what it was trained '
                         'for (written by an older mmsgnas?): train it again')
    ours = model.record()
    if {k: theirs.get(k) for k in ('table', 'constraint_range')} != \
            {k: ours[k] for k in ('table', 'constraint_range')}:
        raise ValueError(
            'the generator checkpoint does not match this supernet / space: it was trained '
            f'for {describe(theirs)}, this model is {describe(ours)}')
    has_bias = f'{prefix}generator.position_bias' in state_dict
    if has_bias != (model.generator.position_bias is not None):
        raise ValueError(
            f'the generator checkpoint {"has" if has_bias else "has no"} per-position '
            f'logit bias, this model was built with position_bias='
            f'{model.generator.position_bias is not None}: build it as it was trained '
            f'(the generator config\'s model.position_bias)')
    # the search fits, masks and encodes targets as the generator learned to (older
    # checkpoints: the 1 % default fitting, no mask and the constant encoding, all there were)
    settings = (('fill_tolerance', FILL_TOLERANCE, 'budget fitting of its samples'),
                ('mask_infeasible', False, 'ops over a target masked'),
                ('target_encoding', 'constant', 'how the target enters the generator'))
    for key, default, meaning in settings:
        trained, built = theirs.get(key, default), ours[key]
        if trained != built:
            raise ValueError(
                f'the generator was trained with {key}={trained!r} ({meaning}), this model has '
                f"{key}={built!r}: build it as it was trained (the generator config's "
                f'model.{key}, e.g. --cfg-options model.{key}={trained!r})')
    for key, value in model.supernet.state_dict().items():
        state_dict.setdefault(f'{prefix}supernet.{key}', value)


def describe(record: dict) -> str:
    """A generator record in words, for errors."""
    table = record['table']
    low, high = record['constraint_range']
    return (f"{table['description']} (table constant {table['const_macs']} MACs), "
            f'constraint range [{low:g}, {high:g}] MFLOPs')


def drop_supernet(module, state_dict, prefix, local_metadata) -> None:
    """State-dict hook: the frozen supernet is not saved with the generator."""
    for key in [k for k in state_dict if k.startswith(f'{prefix}supernet.')]:
        del state_dict[key]


def load_supernet(model: torch.nn.Module, checkpoint: str) -> None:
    """Load a supernet checkpoint strictly, with errors that name the file."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'supernet checkpoint {checkpoint!r} does not exist (train one '
                                f'with tools/train.py configs/sgnas/supernet.py)')
    state = torch.load(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    own = model.state_dict()
    for key, value in state.items():
        if key in own and value.shape != own[key].shape:
            raise ValueError(f'supernet checkpoint {checkpoint!r} does not match the supernet '
                             f'config: {key!r} has shape {tuple(value.shape)} in the file, '
                             f'{tuple(own[key].shape)} in the model (first mismatch)')
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f'supernet checkpoint {checkpoint!r} does not match the supernet '
                         f'config: missing {sorted(missing)[:5]}, unexpected '
                         f'{sorted(unexpected)[:5]}')
