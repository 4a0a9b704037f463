"""The SGNAS search space: architecture strings for the 19 unified blocks.

An architecture is one 6-character token per layer, one character per sub-block: ``3``, ``5``
or ``7`` (a depthwise kernel) or ``s`` (skip). Forced sampling puts every skip at the tail, and
sub-blocks 0 and 1 never skip, so a layer's expansion rate ``e`` (its number of kernels) is in
2..6. Tokens are joined by ``|``::

    573733|7333ss|353sss|...   (19 tokens)

In code an architecture is a tuple of 19 tokens (:data:`Arch`).
"""
import itertools
import os.path as osp
from typing import Iterable, List, Sequence, Tuple, Union

NUM_LAYERS = 19
NUM_SUBBLOCKS = 6
MIN_EXPANSION = 2
KERNELS = (3, 5, 7)
SKIP = 's'
SEPARATOR = '|'

Arch = Tuple[str, ...]

NAMED_ARCHS = {
    'SGNAS-A': '573733|7333ss|353sss|77375s|7533ss|75557s|73377s|73333s|75573s|7553ss|5735ss|'
               '7737ss|7353ss|7735ss|3733ss|33373s|7337ss|777sss|33737s',
    'SGNAS-B': '5735ss|553sss|553sss|55355s|55533s|35555s|35577s|5537ss|5557ss|5553ss|55ssss|'
               '555sss|535sss|3753ss|3733ss|3777ss|7557ss|535sss|33737s',
    'SGNAS-C': '5535ss|553sss|553sss|553sss|5553ss|355sss|3557ss|553sss|555sss|5553ss|55ssss|'
               '555sss|535sss|555sss|333sss|75ssss|3577ss|73ssss|33733s',
}


def validate_token(token: str, layer: int) -> None:
    """Raise ``ValueError`` unless ``token`` is a valid forced-sampling layer token."""
    where = f'layer {layer}: token {token!r}'
    if len(token) != NUM_SUBBLOCKS:
        raise ValueError(f'{where} has {len(token)} characters, expected {NUM_SUBBLOCKS} '
                         f"(one per sub-block, each of '3', '5', '7', 's')")
    bad = sorted(set(token) - {'3', '5', '7', SKIP})
    if bad:
        raise ValueError(f"{where} has invalid character(s) {bad}, expected only "
                         f"'3', '5', '7' or 's'")
    e = len(token.rstrip(SKIP))
    if SKIP in token[:e]:
        raise ValueError(f"{where} has a skip before a kernel; forced sampling puts every "
                         f"'s' at the tail (e.g. '553sss')")
    if e < MIN_EXPANSION:
        raise ValueError(f'{where} has {e} kernel(s), expected at least {MIN_EXPANSION} '
                         f'(sub-blocks 0 and 1 never skip)')


def parse_arch(arch: Union[str, Sequence[str]]) -> Arch:
    """Parse and validate an architecture string (or a sequence of tokens).

    Raises:
        ValueError: naming the bad layer and what was expected.
    """
    if isinstance(arch, str):
        tokens = arch.strip().split(SEPARATOR)
    elif isinstance(arch, (list, tuple)) and all(isinstance(t, str) for t in arch):
        tokens = list(arch)
    else:
        raise ValueError(f'architecture must be a string or a sequence of tokens, got {arch!r}')
    if len(tokens) != NUM_LAYERS:
        raise ValueError(f'architecture has {len(tokens)} layer token(s), expected '
                         f"{NUM_LAYERS} joined by '{SEPARATOR}': {arch!r}")
    for layer, token in enumerate(tokens):
        validate_token(token, layer)
    return tuple(tokens)


def format_arch(arch: Iterable[str]) -> str:
    """The compact string of an architecture (validated)."""
    return SEPARATOR.join(parse_arch(tuple(arch)))


def get_arch(arch: Union[str, Sequence[str]]) -> Arch:
    """Resolve a name (``SGNAS-A``), an architecture string, or a file holding one.

    A file is a text file whose first non-empty, non-comment line is the string, or a JSON/YAML
    file with an ``arch`` key (as the search loop writes).
    """
    if isinstance(arch, str) and arch in NAMED_ARCHS:
        return parse_arch(NAMED_ARCHS[arch])
    if isinstance(arch, str) and SEPARATOR not in arch:
        if osp.isfile(arch):
            return parse_arch(_read_arch_file(arch))
        if arch.endswith(('.txt', '.json', '.yaml', '.yml')):
            raise FileNotFoundError(f'architecture file {arch!r} does not exist')
        raise ValueError(f'unknown architecture {arch!r}: expected one of '
                         f'{sorted(NAMED_ARCHS)}, an architecture string of {NUM_LAYERS} '
                         f"'{SEPARATOR}'-joined tokens, or an existing file")
    return parse_arch(arch)


def _read_arch_file(path: str) -> str:
    if path.endswith(('.json', '.yaml', '.yml')):
        from mmengine.fileio import load
        content = load(path)
        if not isinstance(content, dict) or 'arch' not in content:
            raise ValueError(f"architecture file {path!r} has no 'arch' key")
        return content['arch']
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                return line
    raise ValueError(f'architecture file {path!r} holds no architecture string')


def layer_kernels(token: str) -> List[int]:
    """Kernel sizes of the active sub-blocks of a token: ``'7333ss'`` -> ``[7, 3, 3, 3]``."""
    return [int(c) for c in token.rstrip(SKIP)]


def layer_expansion(token: str) -> int:
    """The expansion rate ``e`` (number of active sub-blocks) of a token."""
    return len(token.rstrip(SKIP))


def make_token(kernels: Sequence[int]) -> str:
    return ''.join(str(k) for k in kernels) + SKIP * (NUM_SUBBLOCKS - len(kernels))


def smallest_arch() -> Arch:
    return (make_token([3] * MIN_EXPANSION), ) * NUM_LAYERS


def largest_arch() -> Arch:
    return (make_token([7] * NUM_SUBBLOCKS), ) * NUM_LAYERS


def enumerate_layer_choices(ordered: bool = False) -> List[str]:
    """Every forced-sampling token of one layer.

    Args:
        ordered: if False, one token per distinct network (kernel multiset, sorted kernels):
            80 tokens. If True, every ordered kernel pattern, which inherits distinct supernet
            weights: 3^2 + ... + 3^6 = 1089 tokens.
    """
    tokens = []
    for e in range(MIN_EXPANSION, NUM_SUBBLOCKS + 1):
        combos = (itertools.product(KERNELS, repeat=e) if ordered else
                  itertools.combinations_with_replacement(KERNELS, e))
        tokens.extend(make_token(c) for c in combos)
    return tokens
