"""Search spaces: one class each, the whole implementation (encoding, sampling, moves)."""
from .nb201 import NB201Arch, NB201Sampler, NB201Space
from .sgnas import NAMED_ARCHS, Arch, ArchSampler, SGNASSpace

__all__ = ['NAMED_ARCHS', 'Arch', 'ArchSampler', 'NB201Arch', 'NB201Sampler', 'NB201Space',
           'SGNASSpace']
