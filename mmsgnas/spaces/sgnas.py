"""The SGNAS search space: 19 unified layers, 6 sub-blocks each (depthwise 3/5/7 or skip).

An architecture is one 6-character token per layer, one character per sub-block: ``3``, ``5``
or ``7`` (a depthwise kernel) or ``s`` (skip). Forced sampling puts every skip at the tail, and
sub-blocks 0 and 1 never skip, so a layer's expansion rate ``e`` (its number of kernels) is in
2..6. Tokens are joined by ``|``::

    573733|7333ss|353sss|...   (19 tokens)

In code an architecture is a tuple of 19 tokens (:data:`Arch`); as a tensor, a one-hot
``(19, 6, 4)`` over ``(3, 5, 7, skip)`` per sub-block. This module imports nothing else of
the package.
"""
import itertools
import json
import os.path as osp
import random
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
import yaml

NUM_LAYERS = 19
NUM_SUBBLOCKS = 6
MIN_EXPANSION = 2
KERNELS = (3, 5, 7)
SKIP = 's'
SEPARATOR = '|'
OPS = KERNELS + (SKIP, )  # one-hot index 0..2 the kernels, 3 the skip
NUM_OPS = len(OPS)
SKIP_INDEX = NUM_OPS - 1

Arch = Tuple[str, ...]
ArchLike = Union[str, Sequence[str]]

NAMED_ARCHS = {
    'SGNAS-A': '573733|7333ss|353sss|77375s|7533ss|75557s|73377s|73333s|75573s|7553ss|5735ss|'
               '7737ss|7353ss|7735ss|3733ss|33373s|7337ss|777sss|33737s',
    'SGNAS-B': '5735ss|553sss|553sss|55355s|55533s|35555s|35577s|5537ss|5557ss|5553ss|55ssss|'
               '555sss|535sss|3753ss|3733ss|3777ss|7557ss|535sss|33737s',
    'SGNAS-C': '5535ss|553sss|553sss|553sss|5553ss|355sss|3557ss|553sss|555sss|5553ss|55ssss|'
               '555sss|535sss|555sss|333sss|75ssss|3577ss|73ssss|33733s',
}

SHRINK = {7: 5, 5: 3}
GROW = {3: 5, 5: 7}


def layer_kernels(token: str) -> List[int]:
    """Kernel sizes of the active sub-blocks of a token: ``'7333ss'`` -> ``[7, 3, 3, 3]``."""
    return [int(c) for c in token.rstrip(SKIP)]


def layer_expansion(token: str) -> int:
    """The expansion rate ``e`` (number of active sub-blocks) of a token."""
    return len(token.rstrip(SKIP))


def make_token(kernels: Sequence[int]) -> str:
    return ''.join(str(k) for k in kernels) + SKIP * (NUM_SUBBLOCKS - len(kernels))


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


def _read_arch_file(path: str):
    """The architecture in a file, read as data only: JSON, or YAML with the safe loader (a
    ``!!python/...`` tag is refused, never run); a plain string or a mapping with ``arch``."""
    if path.endswith(('.json', '.yaml', '.yml')):
        try:
            with open(path) as f:
                content = json.load(f) if path.endswith('.json') else yaml.safe_load(f)
        except (json.JSONDecodeError, yaml.YAMLError) as e:
            raise ValueError(f'architecture file {path!r} is not plain JSON / YAML data (read '
                             f'as data: tags such as !!python/... are refused): '
                             f'{str(e).splitlines()[0]}') from None
        if isinstance(content, dict):
            if not isinstance(content.get('arch'), (str, list)):
                raise ValueError(f"architecture file {path!r} has no 'arch' key holding an "
                                 f'architecture string')
            return content['arch']
        if isinstance(content, str):
            return content
        raise ValueError(f'architecture file {path!r} holds a {type(content).__name__}, '
                         f"expected a mapping with an 'arch' string (as the search writes) "
                         f'or an architecture string')
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                return line
    raise ValueError(f'architecture file {path!r} holds no architecture string')


class ArchSampler:
    """Per layer: ``e`` uniform in 2..6, then a kernel uniform in {3, 5, 7} per active sub-block.

    Args:
        seed: seed of the sampler's own ``random.Random`` (the global RNG is not touched).
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        self.rng = random.Random(seed)

    def sample(self) -> Arch:
        return tuple(self.sample_token() for _ in range(NUM_LAYERS))

    def sample_token(self) -> str:
        e = self.rng.randint(MIN_EXPANSION, NUM_SUBBLOCKS)
        return make_token([self.rng.choice(KERNELS) for _ in range(e)])


class SGNASSpace:
    """The SGNAS space: strings, one-hot tensors, forced sampling, local moves.

    Everything that knows the space's encoding lives here; supernets, FLOPs tables, budget
    fitting, the search and the generator reach it through these members, as they reach
    :class:`mmsgnas.spaces.NB201Space` for NAS-Bench-201.
    """
    name = 'sgnas'
    shape: Tuple[int, ...] = (NUM_LAYERS, NUM_SUBBLOCKS, NUM_OPS)
    # kernel steps and sub-block changes per layer: a bound on any chain of shrink (grow) moves
    max_moves: int = NUM_LAYERS * (NUM_SUBBLOCKS * 2 + NUM_SUBBLOCKS - MIN_EXPANSION)

    # strings
    @staticmethod
    def parse(arch: ArchLike) -> Arch:
        """Resolve a name (``SGNAS-A``), an architecture string, a sequence of tokens, or a
        file holding one (text: the first non-comment line; JSON / YAML: an ``arch`` key, as
        the search loops write), validated.

        Raises:
            ValueError: naming the bad layer, name or file content and what was expected.
        """
        if isinstance(arch, str):
            if arch in NAMED_ARCHS:
                arch = NAMED_ARCHS[arch]
            elif SEPARATOR not in arch:
                if osp.isfile(arch):
                    return SGNASSpace.parse(_read_arch_file(arch))
                if arch.endswith(('.txt', '.json', '.yaml', '.yml')):
                    raise FileNotFoundError(f'architecture file {arch!r} does not exist')
                raise ValueError(f'unknown architecture {arch!r}: expected one of '
                                 f'{sorted(NAMED_ARCHS)}, an architecture string of '
                                 f"{NUM_LAYERS} '{SEPARATOR}'-joined tokens, or an existing "
                                 f'file')
            tokens = arch.strip().split(SEPARATOR)
        elif isinstance(arch, (list, tuple)) and all(isinstance(t, str) for t in arch):
            tokens = list(arch)
        else:
            raise ValueError(f'architecture must be a string or a sequence of tokens, got '
                             f'{arch!r}')
        if len(tokens) != NUM_LAYERS:
            raise ValueError(f'architecture has {len(tokens)} layer token(s), expected '
                             f"{NUM_LAYERS} joined by '{SEPARATOR}': {arch!r}")
        for layer, token in enumerate(tokens):
            validate_token(token, layer)
        return tuple(tokens)

    @staticmethod
    def format(arch: ArchLike) -> str:
        """The compact string of an architecture (validated)."""
        return SEPARATOR.join(SGNASSpace.parse(arch))

    # tensors
    @staticmethod
    def onehot(arch: ArchLike) -> torch.Tensor:
        """``(19, 6, 4)`` float one-hot of an architecture."""
        onehot = torch.zeros(NUM_LAYERS, NUM_SUBBLOCKS, NUM_OPS)
        for layer, token in enumerate(SGNASSpace.parse(arch)):
            for b, c in enumerate(token):
                onehot[layer, b, SKIP_INDEX if c == SKIP else KERNELS.index(int(c))] = 1
        return onehot

    @staticmethod
    def mask() -> torch.Tensor:
        """``(6, 4)`` bool: True where an op may never be chosen (skip in sub-blocks 0, 1)."""
        mask = torch.zeros(NUM_SUBBLOCKS, NUM_OPS, dtype=torch.bool)
        mask[:MIN_EXPANSION, SKIP_INDEX] = True
        return mask

    @staticmethod
    def decode(weights: torch.Tensor) -> List[Arch]:
        """Hard architectures from ``(N, 19, 6, 4)`` (or ``(19, 6, 4)``) logits or
        probabilities: per sub-block the argmax op (skip never chosen for sub-blocks 0 and
        1); forced sampling then ends a layer at its first skip, so argmax ops
        ``5 7 3 s 7 7`` decode to ``'573sss'``."""
        if weights.dim() == 3:
            weights = weights[None]
        masked = weights.detach().masked_fill(SGNASSpace.mask().to(weights.device),
                                              float('-inf'))
        archs = []
        for arch_choice in masked.argmax(-1).cpu().tolist():
            tokens = []
            for layer_choice in arch_choice:
                kernels = []
                for op in layer_choice:
                    if op == SKIP_INDEX:
                        break
                    kernels.append(KERNELS[op])
                tokens.append(make_token(kernels))
            archs.append(tuple(tokens))
        return archs

    # sampling and reference architectures
    @staticmethod
    def sampler(seed: Optional[int] = None) -> ArchSampler:
        """Uniform forced sampling."""
        return ArchSampler(seed)

    @staticmethod
    def smallest() -> Arch:
        return (make_token([3] * MIN_EXPANSION), ) * NUM_LAYERS

    @staticmethod
    def largest() -> Arch:
        return (make_token([7] * NUM_SUBBLOCKS), ) * NUM_LAYERS

    @staticmethod
    def reference_archs() -> Dict[str, Arch]:
        return {'smallest': SGNASSpace.smallest(), 'largest': SGNASSpace.largest()}

    @staticmethod
    def layer_choices(ordered: bool = False) -> List[str]:
        """Every forced-sampling token of one layer: one per distinct network (kernel
        multiset) when not ``ordered``, 80 tokens; every ordered kernel pattern (distinct
        supernet weights) when ``ordered``, 3^2 + ... + 3^6 = 1089 tokens."""
        tokens = []
        for e in range(MIN_EXPANSION, NUM_SUBBLOCKS + 1):
            combos = (itertools.product(KERNELS, repeat=e) if ordered else
                      itertools.combinations_with_replacement(KERNELS, e))
            tokens.extend(make_token(c) for c in combos)
        return tokens

    # local moves: the steps of budget fitting and of evolution
    @staticmethod
    def _moves(arch: Arch, kernel_step: Dict[int, int],
               resize: Callable[[List[int]], Optional[List[int]]]) -> List[Arch]:
        moves = []
        for layer, token in enumerate(arch):
            kernels = layer_kernels(token)
            changed = [kernels[:b] + [kernel_step[k]] + kernels[b + 1:]
                       for b, k in enumerate(kernels) if k in kernel_step]
            resized = resize(kernels)
            for new in changed + ([resized] if resized is not None else []):
                moves.append(arch[:layer] + (make_token(new), ) + arch[layer + 1:])
        return moves

    @staticmethod
    def shrink_moves(arch: Arch) -> List[Arch]:
        """Every architecture one step smaller: one kernel 7->5 or 5->3, or a layer's last
        sub-block dropped (while e > 2). Each strictly lowers FLOPs."""
        return SGNASSpace._moves(arch, SHRINK,
                                 lambda ks: ks[:-1] if len(ks) > MIN_EXPANSION else None)

    @staticmethod
    def grow_moves(arch: Arch) -> List[Arch]:
        """Every architecture one step larger: one kernel 3->5 or 5->7, or a 3x3 sub-block
        appended to a layer (while e < 6). Each strictly raises FLOPs."""
        return SGNASSpace._moves(arch, GROW,
                                 lambda ks: ks + [3] if len(ks) < NUM_SUBBLOCKS else None)

    @staticmethod
    def canonical(arch: Arch) -> Arch:
        """``arch`` itself: in a chain of layers every sub-block's output is used (the NB201
        cell can have dead edges)."""
        return tuple(arch)

    @staticmethod
    def mutate(arch: Arch, rng: random.Random, prob: float) -> Arch:
        """Each layer re-drawn (e and kernels, forced sampling) with probability ``prob``."""
        tokens = list(arch)
        for i in range(len(tokens)):
            if rng.random() < prob:
                e = rng.randint(MIN_EXPANSION, NUM_SUBBLOCKS)
                tokens[i] = make_token([rng.choice(KERNELS) for _ in range(e)])
        return tuple(tokens)
