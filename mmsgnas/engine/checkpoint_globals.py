"""Let ``torch.load``'s weights-only default read mmengine's own checkpoints.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, and mmengine 0.10.7's
``Runner.resume`` fails on the message hub it saved (``HistoryBuffer`` of numpy arrays, numpy
scalars). Rather than turning weights-only loading off for every file, allow exactly the types
mmengine's checkpoints hold.
"""
import torch


def mmengine_checkpoint_globals() -> list:
    import numpy as np
    from mmengine.logging import HistoryBuffer
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    allowed = [HistoryBuffer, np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar]
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
