"""Let ``torch.load``'s weights-only default read mmengine's own checkpoints.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, and mmengine 0.10.7's
``Runner.resume`` fails on the message hub it saved (``HistoryBuffer`` of numpy arrays, numpy
scalars, and the buffer's statistics methods pickled as ``getattr(buffer, 'min')``). Rather
than turning weights-only loading off for every file, allow exactly the types mmengine's
checkpoints hold. ``getattr`` itself is not allowed: a stand-in registered under its name
resolves only HistoryBuffer's registered statistics methods.
"""
import pickle

import torch


def history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to what a pickled ``HistoryBuffer`` needs."""
    from mmengine.logging import HistoryBuffer
    is_buffer = obj is HistoryBuffer or isinstance(obj, HistoryBuffer)
    # the class fills _statistics_methods with these four on first instantiation only
    methods = {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}
    if is_buffer and name in methods:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'weights-only load: getattr({obj!r}, {name!r}) is not allowed (only '
        f'HistoryBuffer statistics methods are)')


def mmengine_checkpoint_globals() -> list:
    import numpy as np
    from mmengine.logging import HistoryBuffer
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    allowed = [HistoryBuffer, np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar,
               (history_buffer_getattr, 'builtins.getattr')]
    # An unpickled dtype is an instance of its concrete class (Float64DType...), whose
    # __setstate__ the weights-only unpickler runs only for allowed types.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [getattr(dtypes, name) for name in dtypes.__all__
                    if isinstance(getattr(dtypes, name), type)]
    return allowed


def allow_mmengine_checkpoints() -> None:
    """Add the types of mmengine checkpoints to torch's weights-only allow-list."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch < 2.4 has no weights-only default to work around
        add(mmengine_checkpoint_globals())
