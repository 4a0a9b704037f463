"""SGNAS, Algorithm 1: the architecture generator trained on a frozen supernet.

:class:`ArchGenerator` is the plain network (target + prior -> logits); :class:`PriorPool` its
priors; :func:`constraint_loss` the hardware-constraint loss; :class:`SGNASGenerator` the
mmengine model that puts them together with the frozen supernet, its cost table and a CE
estimator (Gumbel-softmax, or :mod:`.reinforce`). One file, so that a training batch crosses
few (the layout's rule: at most 7 per stage).
"""
import math
import random
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterator, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmengine.registry import MODELS as ROOT_MODELS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmsgnas.flops import flops_table
from mmsgnas.latency import latency_table
from mmsgnas.registry import MODELS
from mmsgnas.search import FILL_TOLERANCE, check_fill_tolerance, fit_budget, op_floors
from .checkpoints import (check_generator_state, decode_record, drop_supernet, encode_record,
                          load_supernet)
from .elites import build_self_imitation
from .reinforce import check_advantage, log_prob, log_probabilities, reinforce_ce

CONSTRAINTS = ('flops', 'latency')
ESTIMATORS = ('gumbel', 'reinforce')
REWARDS = ('ce', 'error')
CONSTRAINT_CHANNELS = 10
HIDDEN = 32
LOSS_FORMS = ('symmetric', 'asymmetric')
TARGET_ENCODINGS = ('constant', 'hat')


def check_target_encoding(encoding: str) -> str:
    """``encoding`` if it is one of ``TARGET_ENCODINGS``; ValueError otherwise."""
    if encoding not in TARGET_ENCODINGS:
        raise ValueError(f'unknown target_encoding {encoding!r}, expected one of '
                         f'{TARGET_ENCODINGS}')
    return encoding


def encode_target(target: torch.Tensor, encoding: str = 'constant',
                  channels: int = CONSTRAINT_CHANNELS) -> torch.Tensor:
    """The generator's constraint channels ``(N, channels)`` for normalised targets ``(N, )``.

    ``'constant'`` (the released code): every channel is the target, so the constraint branch
    (bias-free ReLU convs) outputs exactly ``target`` times its output at 1, zero at the
    range's lower end. ``'hat'``: channel ``k`` is a hat centred at ``k / (channels - 1)``
    (``max(0, 1 - (channels - 1) |target - k / (channels - 1)|)``, neighbours overlapping,
    summing to 1 inside [0, 1]), so each part of the range has channels of its own, the
    lower end included.
    """
    if check_target_encoding(encoding) == 'constant':
        return target[:, None].expand(-1, channels)
    centres = torch.linspace(0, 1, channels, dtype=target.dtype, device=target.device)
    return (1 - (channels - 1) * (target[:, None] - centres).abs()).clamp(min=0)


def conv3x3(in_channels: int, out_channels: int, bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=bias)


class ArchGenerator(nn.Module):
    """The generator of the authors' released code (67,969 parameters, whatever the space).

    The prior (a one-hot architecture) is a 1-channel ``19 x 24`` image (for a space of
    another ``shape``, ``shape[0] x prod(shape[1:])``, e.g. ``6 x 5`` for NAS-Bench-201); the normalised target
    is broadcast to a ``10 x 19 x 24`` constant map. Constraint branch: 3 conv3x3 (10->32->32
    ->32); prior branch: 2 conv3x3 (1->32->32); summed; a conv3x3 and a 3-conv3x3 body with a
    residual from the summed features; a biased conv3x3 32->1 gives the logits. Hidden convs
    have no bias, ReLU, no normalisation.

    Args:
        shape: the space's one-hot shape.
        position_bias: add a learned logit per position (layer / edge, sub-block, op; zero at
            the start) to the convolutional output. The convs are shared over positions, so
            without it a preference such as "op k is bad on every edge" can only be learned
            through the prior's pattern and the padding; not in the released generator
            (whose 67,969 parameters it leaves unchanged without it).
        target_encoding: how the normalised target fills the constraint branch's
            ``CONSTRAINT_CHANNELS`` input channels, see :func:`encode_target`: ``'constant'``
            (the released code) or ``'hat'`` (the same parameters).

    Shapes:
        forward: target ``(N, )`` in [0, 1] (normalised over the training interval), prior
        ``(N, *shape)`` (default ``(N, 19, 6, 4)``) -> logits of the same shape.
    """

    def __init__(self, shape: Sequence[int] = (19, 6, 4), position_bias: bool = False,
                 target_encoding: str = 'constant') -> None:
        super().__init__()
        self.shape = tuple(shape)
        self.target_encoding = check_target_encoding(target_encoding)
        self.position_bias = nn.Parameter(torch.zeros(self.shape)) if position_bias else None
        relu = nn.ReLU(inplace=True)
        self.constraint = nn.Sequential(
            conv3x3(CONSTRAINT_CHANNELS, HIDDEN), relu, conv3x3(HIDDEN, HIDDEN), relu,
            conv3x3(HIDDEN, HIDDEN), relu)
        self.prior = nn.Sequential(conv3x3(1, HIDDEN), relu, conv3x3(HIDDEN, HIDDEN), relu)
        self.stem = nn.Sequential(conv3x3(HIDDEN, HIDDEN), relu)
        self.body = nn.Sequential(
            conv3x3(HIDDEN, HIDDEN), relu, conv3x3(HIDDEN, HIDDEN), relu,
            conv3x3(HIDDEN, HIDDEN), relu)
        self.tail = conv3x3(HIDDEN, 1, bias=True)

    def forward(self, target: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        n = prior.shape[0]
        rows, width = self.shape[0], math.prod(self.shape[1:])
        prior_map = prior.reshape(n, 1, rows, width)
        channels = encode_target(target.reshape(n), self.target_encoding)
        target_map = channels.reshape(n, CONSTRAINT_CHANNELS, 1, 1).expand(-1, -1, rows, width)
        x = self.constraint(target_map) + self.prior(prior_map)
        h = self.body(self.stem(x)) + x
        logits = self.tail(h).reshape(n, *self.shape)
        return logits if self.position_bias is None else logits + self.position_bias


class PriorPool:
    """A pool of random architectures; each target gets the one whose cost is nearest.

    Args:
        space: the search space (``SGNASSpace`` or ``NB201Space``).
        table: its cost table (FLOPs or latency).
        archs: the pool's architectures (strings or tuples).
    """

    def __init__(self, space, table, archs: Sequence) -> None:
        if not archs:
            raise ValueError('a prior pool needs at least one architecture')
        self.space = space
        self.archs = [space.parse(a) for a in archs]
        self.costs = torch.tensor([table.cost(a) for a in self.archs], dtype=torch.float64)
        self.onehot = torch.stack([space.onehot(a) for a in self.archs])

    @classmethod
    def random(cls, space, table, size: int, seed: int = 0) -> 'PriorPool':
        """``size`` uniform samples of the space (SGNAS: forced sampling)."""
        if size < 1:
            raise ValueError(f'prior pool size must be >= 1, got {size}')
        sampler = space.sampler(seed)
        return cls(space, table, [sampler.sample() for _ in range(size)])

    def nearest(self, targets: torch.Tensor) -> torch.Tensor:
        """One-hot priors ``(N, *space.shape)`` for targets ``(N, )`` (the table's unit)."""
        index = (targets.detach().double().cpu()[:, None] - self.costs[None]).abs().argmin(1)
        return self.onehot[index].to(targets.device)

    def state(self) -> List[str]:
        return [self.space.format(a) for a in self.archs]


def constraint_loss(cost: torch.Tensor, target: torch.Tensor, form: str = 'asymmetric',
                    over_weight: float = 1.2, dead_zone: float = 0.1) -> torch.Tensor:
    """Squared distance of the cost from the target (both in the table's unit), averaged.

    ``'symmetric'``: ``(cost - target)^2`` (the paper, eq. 8). ``'asymmetric'`` (the released
    code): zero inside ``+-dead_zone``, and ``over_weight`` times heavier above the target, so
    the generator learns to stay under budget.
    """
    if form not in LOSS_FORMS:
        raise ValueError(f'unknown constraint loss form {form!r}, expected one of {LOSS_FORMS}')
    diff = cost - target
    if form == 'symmetric':
        return (diff**2).mean()
    diff = torch.where(diff.abs() <= dead_zone, torch.zeros_like(diff), diff)
    weight = torch.where(diff > 0, torch.full_like(diff, over_weight), torch.ones_like(diff))
    return (weight * diff**2).mean()


@contextmanager
def batch_statistics(model: nn.Module) -> Iterator[None]:
    """Inside: every BN with running statistics normalises by the batch (training mode,
    momentum 0, so the running statistics stay as they are), whatever the model's mode; on
    exit the modes, momenta and batch counters are back. For forwards of a frozen supernet on
    paths whose running statistics would not fit (the generator's soft mixtures)."""
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
    saved = [(m.training, m.momentum, m.num_batches_tracked.clone()) for m in bns]
    for m in bns:
        m.train()
        m.momentum = 0.0
    try:
        yield
    finally:
        with torch.no_grad():
            for m, (training, momentum, count) in zip(bns, saved):
                m.train(training)
                m.momentum = momentum
                m.num_batches_tracked.copy_(count)


@MODELS.register_module()
class SGNASGenerator(BaseModel):
    """Generator + frozen supernet + cost table (FLOPs or latency) + prior pool.

    Only the generator trains and is saved: the supernet (an mmpretrain classifier whose
    backbone is a ``UnifiedSupernet``, or an ``NB201Supernet``) comes from
    ``supernet_checkpoint``, stays in eval mode with no gradients, and is left out of this
    model's state dict. The space is the backbone's ``space``; the constraint's table
    (``table``) is :func:`mmsgnas.flops.flops_table` of the backbone or, with
    ``constraint='latency'``, :func:`mmsgnas.latency.latency_table`; ``flops_table`` is always
    the FLOPs table. A checkpoint holds the generator and a
    record of what it was trained for (the table, the constraint range, the position bias,
    the prior pool: ``get_extra_state``); loading one trained for anything else is an error.

    Args:
        supernet: config of the supernet classifier (the supernet config's ``model``).
        supernet_checkpoint: its trained checkpoint.
        constraint_range: ``(C_L, C_H)``, the training interval of targets, in MFLOPs or, for
            a latency constraint, milliseconds.
        input_size: cost-table input size (default: the variant's).
        constraint: ``'flops'`` (the paper) or ``'latency'`` (measured milliseconds on a
            device: the generator trains against the latency table exactly as against the
            FLOPs table, its soft cost equal to the table on one-hot weights).
        latency_table: for ``constraint='latency'``, the arguments of
            :func:`mmsgnas.latency.latency_table` (``runtime``, ``threads``, ``batch``,
            ``root`` or ``path``, ``device``: ``'this'`` by default, so a table measured on
            another CPU is refused).
        prior_pool_size: random architectures in the prior pool.
        prior_seed: seed of the prior pool.
        loss_weight: lambda of the constraint loss (in the constraint's unit, squared).
        loss_form: ``'asymmetric'`` (released code) or ``'symmetric'`` (paper).
        over_weight, dead_zone: of the asymmetric loss.
        tau: initial Gumbel-softmax temperature (the generator hook anneals it).
        straight_through: compute the constraint loss on the FLOPs of the architecture the
            logits decode to (argmax, forced sampling: what :meth:`generate` returns), with
            the soft weights' gradient (straight-through), so the loss measures what
            deployment returns; False uses the soft cost of eq. 9 as the paper does.
        bn_mode: BN of the supernet in the generator's forwards: ``'running'`` (the running
            statistics saved with the supernet, as the released code) or ``'batch'`` (every
            BN normalises by the batch; the running statistics, which mix all paths, stay
            untouched). A supernet trained with batch-statistics BN (``NB201Supernet``'s
            default) has no running statistics: both are the same there.
        hard_samples: the supernet runs the one-hot Gumbel sample (straight-through: the
            gradient of the soft sample), so the CE is that of one architecture, as
            :meth:`generate` returns one; False (the paper) runs the soft mixture.
        position_bias: a learned logit per position in the generator
            (:class:`ArchGenerator`); off in the released generator.
        target_encoding: how the target enters the generator (:func:`encode_target`):
            ``'constant'`` (the released code: the constraint branch's output is proportional
            to the normalised target, zero at ``C_L``) or ``'hat'`` (channels of their own for
            each part of the range).
        estimator: how the CE's gradient reaches the generator. ``'gumbel'`` (the paper):
            the supernet runs the Gumbel-softmax sample (soft, or with ``hard_samples`` one
            path) and the CE is back-propagated through it. ``'reinforce'``:
            ``num_samples`` hard architectures are drawn from ``softmax(logits / tau)``,
            each fitted to the target as the search fits it and scored (CE, no gradient)
            on the iteration's batch, and the log-probability of each fitted architecture
            is pushed by its CE against the mean of the others (:func:`mmsgnas.algorithms.reinforce
            .reinforce_ce`): the generator learns from what the search will score, and the
            supernet runs forwards only. The constraint loss is the same for both (its
            soft weights: the Gumbel sample, or for ``'reinforce'`` the probabilities).
        num_samples: architectures per iteration of ``estimator='reinforce'`` (>= 2).
        entropy_weight: beta of ``estimator='reinforce'``'s entropy bonus (0: none), against
            an early collapse onto one architecture.
        advantage: how ``estimator='reinforce'`` weighs its samples: by normalised CEs
            (``'normalised'``) or centred ranks (``'rank'``), see
            :func:`mmsgnas.algorithms.reinforce.advantages`.
        reward: what ``estimator='reinforce'`` (its samples, self-imitation and the hook's
            sweep) scores an architecture by on a batch: ``'ce'`` (the head's loss) or
            ``'error'`` (its top-1 error, as the search scores top-1; ties push neither).
        self_imitation: for ``estimator='reinforce'``, ``dict(bins=20, size=3, min_count=2,
            mutations=0, weight=1.0)`` (any subset): keep the best fitted samples per part of
            the range, re-score them on each iteration's batch (with ``mutations`` mutants of
            them, scored and offered to the memory too) and, at each iteration, raise the
            log-probability (``weight`` times ``-log p``) of each part's best at a target
            drawn in that part (:class:`mmsgnas.algorithms.elites.EliteMemory`); None
            (default): off.
        monitor: also compute, without gradients, the CE of the architecture the generator
            would return for the iteration's target (``ce_generated``, after budget fitting
            as the search does) and of a random architecture fitted to the same target
            (``ce_random``), on the same batch; logged, not trained on.
        monitor_interval: monitor every that many iterations (two extra hard forwards each
            time; 1: every iteration).
        fill_tolerance: budget fitting of the REINFORCE samples and monitored architectures
            (and the search loop's default): the relative gap under the target left unfilled;
            ``None`` grows nothing, for a supernet that prefers cheap architectures.
        mask_infeasible: at each target, the generator never proposes an op that no
            architecture within the target can hold (its cost floor, :func:`mmsgnas.search
            .op_floors`, is over the target: a 3x3 conv at 20 MFLOPs in NAS-Bench-201), in
            training and in :meth:`generate`; without it such ops are sampled and
            shrunk away by budget fitting, so their logits at low targets are never
            trained, yet the argmax picks them. Off in the paper.
        channels_last: the frozen supernet's weights and every batch it scores in
            channels-last memory, as are the batches of the search evaluator built for this
            model (the same function up to rounding; on a CPU the NB201 generator's steps
            and evaluations ran 1.4-1.7x faster, the SGNAS space's depthwise forwards gain
            nothing: configs/sgnas/README.md). Off by default.
    """

    def __init__(self, supernet: dict, supernet_checkpoint: Optional[str],
                 constraint_range: Sequence[float], input_size: Optional[int] = None,
                 constraint: str = 'flops', latency_table: Optional[dict] = None,
                 prior_pool_size: int = 100, prior_seed: int = 0, loss_weight: float = 3e-4,
                 loss_form: str = 'asymmetric', over_weight: float = 1.2, dead_zone: float = 0.1,
                 tau: float = 5.0, straight_through: bool = True, bn_mode: str = 'running',
                 hard_samples: bool = False, monitor: bool = True, monitor_interval: int = 1,
                 position_bias: bool = False, target_encoding: str = 'constant',
                 estimator: str = 'gumbel', num_samples: int = 8,
                 entropy_weight: float = 0.0, advantage: str = 'normalised',
                 reward: str = 'ce', self_imitation: Optional[dict] = None,
                 fill_tolerance: Optional[float] = FILL_TOLERANCE, mask_infeasible: bool = False,
                 channels_last: bool = False, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if isinstance(data_preprocessor, dict):  # as mmpretrain's classifiers default it
            data_preprocessor = dict(data_preprocessor)
            data_preprocessor.setdefault('type', 'mmpretrain.ClsDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if bn_mode not in ('running', 'batch'):
            raise ValueError(f"bn_mode must be 'running' or 'batch', got {bn_mode!r}")
        self.bn_mode = bn_mode
        if estimator not in ESTIMATORS:
            raise ValueError(f'unknown estimator {estimator!r}, expected one of {ESTIMATORS}')
        if estimator == 'reinforce' and (not isinstance(num_samples, int) or num_samples < 2):
            raise ValueError(f"estimator='reinforce' needs num_samples >= 2 (an integer), got "
                             f'{num_samples!r}')
        self.estimator = estimator
        self.num_samples = num_samples
        if not (isinstance(entropy_weight, (int, float)) and entropy_weight >= 0):
            raise ValueError(f'entropy_weight must be a number >= 0, got {entropy_weight!r}')
        self.entropy_weight = float(entropy_weight)
        self.advantage = check_advantage(advantage)
        if reward not in REWARDS:
            raise ValueError(f'unknown reward {reward!r}, expected one of {REWARDS}')
        if reward != 'ce' and estimator != 'reinforce':
            raise ValueError(f"reward={reward!r} needs estimator='reinforce' (the Gumbel "
                             f'estimator back-propagates the CE), got estimator={estimator!r}')
        self.reward = reward
        self.fill_tolerance = check_fill_tolerance(fill_tolerance)
        self.hard_samples = bool(hard_samples)
        if not isinstance(monitor_interval, int) or monitor_interval < 1:
            raise ValueError(f'monitor_interval must be an integer >= 1, got '
                             f'{monitor_interval!r}')
        self.monitor = bool(monitor)
        self.monitor_interval = monitor_interval
        self._monitor_step = 0
        self.supernet = ROOT_MODELS.build(supernet)
        self.supernet_checkpoint = supernet_checkpoint
        if supernet_checkpoint is not None:
            load_supernet(self.supernet, supernet_checkpoint)
            # trained weights: the Runner's init_weights() at the start of training must not
            # re-initialise them (it did: the head came back random, every CE at chance)
            self.supernet.is_init = True
        self.supernet.eval()
        self.supernet.requires_grad_(False)
        if not isinstance(channels_last, bool):
            raise ValueError(f'channels_last must be True or False, got {channels_last!r}')
        self.channels_last = channels_last
        if channels_last:
            self.supernet.to(memory_format=torch.channels_last)
        self.space = self.supernet.backbone.space
        self.flops_table = flops_table(self.supernet.backbone, input_size)
        self.constraint = constraint
        self.table = self._constraint_table(constraint, latency_table)
        low, high = map(float, constraint_range)
        unit = self.table.unit
        if not self.table.min_cost <= low < high <= self.table.max_cost:
            raise ValueError(
                f'constraint_range {tuple(constraint_range)} must be an increasing pair inside '
                f'the space, [{self.table.min_cost:.2f}, {self.table.max_cost:.2f}] {unit} '
                f'({self.table.describe()})')
        self.constraint_range = (low, high)
        self.mask_infeasible = bool(mask_infeasible)
        self.op_floors = op_floors(self.space, self.table) if mask_infeasible else None
        self.generator = ArchGenerator(self.space.shape, position_bias, target_encoding)
        self.prior_pool = PriorPool.random(self.space, self.table, prior_pool_size, prior_seed)
        self.elites, self.imitation_weight = None, 0.0
        if self_imitation is not None:
            if estimator != 'reinforce':
                raise ValueError(f"self_imitation needs estimator='reinforce' (it imitates the "
                                 f'best of the scored samples), got estimator={estimator!r}')
            self.elites, self.imitation_weight = build_self_imitation(self_imitation, low, high)
        self.loss_weight = loss_weight
        self.loss_form = loss_form
        self.over_weight = over_weight
        self.dead_zone = dead_zone
        self.tau = tau
        self.straight_through = straight_through
        self.target: Optional[float] = None
        # set by the train loop per iteration: named in errors, and (with noise_seed) the seed
        # of the iteration's Gumbel noise and monitored random architecture, so a resumed
        # run draws what the uninterrupted one would have
        self.iteration: Optional[int] = None
        self.noise_seed = 0
        self.trained = False
        self._register_state_dict_hook(drop_supernet)
        self._register_load_state_dict_pre_hook(self._check_and_keep_supernet)

    def _constraint_table(self, constraint: str, latency_cfg: Optional[dict]):
        if constraint not in CONSTRAINTS:
            raise ValueError(f'unknown constraint {constraint!r}, expected one of {CONSTRAINTS}')
        if constraint == 'flops':
            if latency_cfg is not None:
                raise ValueError("latency_table is set but constraint='flops': set "
                                 "constraint='latency' to train against it")
            return self.flops_table
        if latency_cfg is None:
            raise ValueError("constraint='latency' needs latency_table=dict(runtime=..., "
                             "threads=..., batch=..., root=... or path=...)")
        ft = self.flops_table
        return latency_table(self.space.name, getattr(ft, 'variant', 'nb201'), ft.input_size,
                             **latency_cfg)

    def record(self) -> dict:
        """What this generator is trained for: the constraint's table (FLOPs: space, variant,
        input size; latency: also device, runtime, threads, batch), the constraint range,
        whether it has a position bias, its target encoding, the budget fitting its samples
        had and whether infeasible ops were masked."""
        return dict(table=self.table.record(), constraint_range=list(self.constraint_range),
                    position_bias=self.generator.position_bias is not None,
                    target_encoding=self.generator.target_encoding,
                    fill_tolerance=self.fill_tolerance, mask_infeasible=self.mask_infeasible)

    def get_extra_state(self) -> torch.Tensor:
        """Saved with the weights: :meth:`record` and the prior pool, as JSON bytes (a
        tensor, so that mmengine's state-dict broadcasts and weights-only loading take it)."""
        state = dict(self.record(), prior_pool=self.prior_pool.state())
        if self.elites is not None:  # a resumed training goes on with what it had found
            state['elites'] = self.elites.state()
        return encode_record(state)

    def set_extra_state(self, state: torch.Tensor) -> None:
        state = decode_record(state)
        self.prior_pool = PriorPool(self.space, self.table, state['prior_pool'])
        if self.elites is not None and 'elites' in state:
            self.elites.load(state['elites'])
        self.trained = True  # loaded from a generator checkpoint (the search requires one)

    def train(self, mode: bool = True) -> 'SGNASGenerator':
        super().train(mode)
        self.supernet.eval()
        return self

    def normalise(self, targets: torch.Tensor) -> torch.Tensor:
        low, high = self.constraint_range
        return (targets - low) / (high - low)

    def logits(self, targets: torch.Tensor) -> torch.Tensor:
        """Generator logits ``(N, *space.shape)`` for targets ``(N, )`` (the table's unit);
        with ``mask_infeasible``, ``-inf`` on ops whose cost floor is over the target."""
        priors = self.prior_pool.nearest(targets).to(targets.device)
        logits = self.generator(self.normalise(targets).float(), priors)
        if not self.mask_infeasible:
            return logits
        floors = self.op_floors.to(targets.device)
        over = floors[None] > targets.reshape(-1, *([1] * floors.dim()))
        return logits.masked_fill(over, float('-inf'))

    def soft_weights(self, logits: torch.Tensor, tau: Optional[float] = None,
                     generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Gumbel-softmax architecture weights (never on ops the space forbids, e.g. skip in
        sub-blocks 0 and 1 of the SGNAS space), as ``F.gumbel_softmax`` draws them, the noise
        from ``generator`` (default: torch's global RNG)."""
        logits = logits.masked_fill(self.space.mask().to(logits.device), float('-inf'))
        gumbels = -torch.empty_like(logits).exponential_(generator=generator).log()
        soft = ((logits + gumbels) / (self.tau if tau is None else tau)).softmax(-1)
        if not self.hard_samples:
            return soft
        hard = torch.zeros_like(soft).scatter_(-1, soft.argmax(-1, keepdim=True), 1.0)
        return hard - soft.detach() + soft  # straight-through

    def _step(self) -> int:
        """The training iteration (the loop's), or the number of earlier calls outside one."""
        if self.iteration is not None:
            return self.iteration
        self._monitor_step += 1
        return self._monitor_step - 1

    @torch.no_grad()
    def generate(self, targets: Union[Sequence[float], torch.Tensor],
                 extrapolate: bool = False) -> List[tuple]:
        """Argmax architectures for N targets (the table's unit) in one batched forward.
        Targets outside the constraint range the generator was trained on are an error unless
        ``extrapolate``."""
        targets = torch.as_tensor(targets, dtype=torch.float64, device=self._device())
        low, high = self.constraint_range
        outside = [t for t in targets.tolist() if not low <= t <= high]
        if outside and not extrapolate:
            raise ValueError(f'target(s) {outside} {self.table.unit} outside the constraint '
                             f'range the generator was trained on, [{low:g}, {high:g}]: its output there '
                             f'is an extrapolation (pass extrapolate=True, a search loop\'s '
                             f'extrapolate=True, to accept it)')
        return self.space.decode(self.logits(targets))

    @torch.no_grad()
    def preference(self, target: float) -> Callable[[tuple], float]:
        """A score of architectures for budget fitting at ``target``: their log-probability
        under the generator's per-position distribution (softmax of its logits), so fitting
        prefers the moves the generator likes (``fit_budget(..., preference=...)``)."""
        logits = self.logits(torch.tensor([float(target)], dtype=torch.float64,
                                          device=self._device()))[0].float().cpu()
        logp = logits.masked_fill(self.space.mask(), float('-inf')).log_softmax(-1)
        return lambda arch: float(logp[self.space.onehot(arch).bool()].sum())

    def forward(self, inputs: torch.Tensor, data_samples=None, mode: str = 'loss'):
        if mode != 'loss':
            raise ValueError(f"SGNASGenerator supports mode='loss' only, got {mode!r} (use "
                             f'generate() for architectures)')
        if self.target is None:
            raise RuntimeError('no target set: the generator train loop sets one per iteration')
        target = torch.tensor([self.target], dtype=torch.float64, device=inputs.device)
        logits = self.logits(target)
        step = self._step()
        noise = None
        if self.iteration is not None:
            noise = torch.Generator(logits.device).manual_seed(
                hash((self.noise_seed, step)) & (2**63 - 1))
        samples = {}
        if self.estimator == 'reinforce':
            ce, samples = self._reinforce_ce(inputs, data_samples, logits[0], noise)
            weights = self.probabilities(logits)
        else:
            weights = self.soft_weights(logits, generator=noise)
            with self._bn_context():
                ce = self._soft_ce(inputs, data_samples, weights[0])
        cost_weights = weights.double()
        if self.straight_through:
            # the cost of what generate() would return, with the soft weights' gradient
            hard = self.space.onehot(self.space.decode(logits)[0]).to(cost_weights)[None]
            cost_weights = hard - cost_weights.detach() + cost_weights
        cost = self.table.soft_cost(cost_weights)
        loss_c = constraint_loss(cost, target, self.loss_form, self.over_weight, self.dead_zone)
        if not (torch.isfinite(ce) and torch.isfinite(loss_c)):
            raise FloatingPointError(
                f'generator training: non-finite loss at iteration {step} (CE '
                f'{ce.item()}, constraint {loss_c.item()}, target {self.target:g} '
                f'{self.table.unit})')
        out = dict(loss_ce=ce, loss_constraint=self.loss_weight * loss_c.float(),
                   cost=cost.detach().float().mean(), target=target.float().mean(), **samples)
        if self.monitor and step % self.monitor_interval == 0:
            out.update(self.monitor_ce(inputs, data_samples, self.space.decode(logits)[0],
                                       step))
        return out

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """``softmax(logits / tau)`` per position, zero on ops the space forbids."""
        return log_probabilities(logits, self.space.mask(), self.tau).exp()

    def _reinforce_ce(self, inputs, data_samples, logits: torch.Tensor, noise) -> tuple:
        """The REINFORCE loss of ``logits`` ``(*space.shape)`` at the iteration's target:
        each sampled architecture fitted to the target and scored once per iteration."""
        scores = {}

        def score(onehot: torch.Tensor) -> tuple:
            fitted = self.fitted(self.space.decode(onehot)[0], float(self.target))
            if fitted not in scores:
                scores[fitted] = self.arch_score(inputs, data_samples, fitted).item()
            return scores[fitted], self.space.onehot(fitted)

        loss, logs = reinforce_ce(logits, self.space.mask(), self.tau, self.num_samples, score,
                                  noise, self.entropy_weight, self.advantage)
        if self.elites is None:
            return loss, logs
        self.elites.observe(float(self.target), scores, cost=self.table.cost,
                            rescore=lambda arch: self.arch_score(inputs, data_samples,
                                                                 arch).item(),
                            describe=self.space.format, extra=self._mutants(scores))
        pairs = self.elites.draw(noise, logits.device)
        if pairs:
            logp = log_probabilities(
                self.logits(torch.tensor([t for t, _ in pairs], dtype=torch.float64,
                                         device=logits.device)), self.space.mask(), self.tau)
            imitate = -self.imitation_weight * sum(  # raise the bests' log-probabilities
                log_prob(lp, self.space.onehot(best)[None].to(lp))[0]
                for lp, (_, best) in zip(logp, pairs))
            loss = loss + (imitate - imitate.detach())  # its gradient only
        return loss, logs

    def _mutants(self, scores: dict) -> List[tuple]:
        """The memory's mutants at the iteration's target (``self_imitation``'s
        ``mutations``): the space's mutation (each position re-drawn with probability one
        over their number, possibly to the same op), then fitted to the target. Their
        random stream is the iteration's own, apart from the samples' and the imitation's."""
        if not self.elites.mutations:
            return []
        target = float(self.target)
        seed = (hash((self.noise_seed, self.iteration, 1)) if self.iteration is not None
                else int(torch.randint(2**62, ())))
        rng = random.Random(seed)

        def mutate(arch: tuple) -> tuple:
            return self.fitted(self.space.mutate(arch, rng, 1.0 / len(arch)), target)

        return self.elites.mutants(target, mutate, rng, exclude=scores)

    def _bn_context(self):
        return batch_statistics(self.supernet) if self.bn_mode == 'batch' else nullcontext()

    def _memory_format(self, inputs: torch.Tensor) -> torch.Tensor:
        return inputs.contiguous(memory_format=torch.channels_last) if self.channels_last \
            else inputs

    def _soft_ce(self, inputs, data_samples, weights: torch.Tensor) -> torch.Tensor:
        feats = self.supernet.backbone.forward_soft(self._memory_format(inputs), weights)
        if self.supernet.with_neck:
            feats = self.supernet.neck(feats)
        return self.supernet.head.loss(feats, data_samples)['loss']

    def fitted(self, arch, target: float) -> tuple:
        """``arch`` fitted to ``target`` as this generator's samples are (and as the search
        fits its picks): :func:`mmsgnas.search.fit_budget` with ``fill_tolerance``."""
        return fit_budget(arch, self.space, self.table, target, self.fill_tolerance)[0]

    def arch_ce(self, inputs, data_samples, arch) -> torch.Tensor:
        """The supernet head's loss of one architecture on a batch (this model's BN mode)."""
        return self._run_arch(
            arch, inputs, lambda feats: self.supernet.head.loss(feats, data_samples)['loss'])

    def arch_error(self, inputs, data_samples, arch) -> torch.Tensor:
        """The top-1 error (a fraction) of one architecture on a batch (this model's BN
        mode), as the search's top-1 scores it."""
        labels = torch.cat([s.gt_label for s in data_samples]).to(inputs.device)
        return self._run_arch(arch, inputs, lambda feats: (
            self.supernet.head(feats).argmax(1) != labels).float().mean())

    def arch_score(self, inputs, data_samples, arch) -> torch.Tensor:
        """What REINFORCE, self-imitation and the sweep minimise (``reward``): the CE or the
        top-1 error of one architecture on a batch."""
        score = self.arch_ce if self.reward == 'ce' else self.arch_error
        return score(inputs, data_samples, arch)

    @torch.no_grad()
    def _run_arch(self, arch, inputs: torch.Tensor, head: Callable) -> torch.Tensor:
        """``head`` of the supernet's features of ``arch`` on ``inputs`` (BN mode, no grad)."""
        backbone = self.supernet.backbone
        previous = backbone.arch
        backbone.set_arch(arch)
        try:
            with self._bn_context():
                return head(self.supernet.extract_feat(self._memory_format(inputs)))
        finally:
            if previous is not None:
                backbone.set_arch(previous)

    def monitor_ce(self, inputs, data_samples, generated, step: int = 0) -> dict:
        """``ce_generated`` (``generated`` fitted to the target as the search fits it) and
        ``ce_random`` (a random architecture fitted the same way), on one batch."""
        target = float(self.target)
        fitted = self.fitted(generated, target)
        rand = self.fitted(self.space.sampler(step).sample(), target)
        return dict(ce_generated=self.arch_ce(inputs, data_samples, fitted).detach(),
                    ce_random=self.arch_ce(inputs, data_samples, rand).detach())

    def _device(self) -> torch.device:
        return next(self.generator.parameters()).device

    def _check_and_keep_supernet(self, state_dict, prefix, *args) -> None:
        check_generator_state(self, state_dict, prefix)
