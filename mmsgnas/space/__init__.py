from .arch import (NAMED_ARCHS, NUM_LAYERS, Arch, enumerate_layer_choices, format_arch,
                   get_arch, layer_expansion, layer_kernels, largest_arch, parse_arch,
                   smallest_arch)
from .sampler import ArchSampler

__all__ = [
    'Arch', 'ArchSampler', 'NAMED_ARCHS', 'NUM_LAYERS', 'enumerate_layer_choices', 'format_arch',
    'get_arch', 'largest_arch', 'layer_expansion', 'layer_kernels', 'parse_arch', 'smallest_arch'
]
from .encoding import NUM_OPS, OPS, SKIP_INDEX, arch_to_onehot, decode, skip_mask  # noqa: E402

__all__ += ['NUM_OPS', 'OPS', 'SKIP_INDEX', 'arch_to_onehot', 'decode', 'skip_mask']
