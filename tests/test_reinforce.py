"""The REINFORCE estimator of the generator's CE gradient (fast, no supernet)."""
import pytest
import torch

from mmsgnas.algorithms import reinforce_ce, sample_onehots
from mmsgnas.algorithms.reinforce import advantages
from mmsgnas.spaces import NB201Space, SGNASSpace


@pytest.mark.parametrize('space', [SGNASSpace(), NB201Space()], ids=['sgnas', 'nb201'])
def test_samples_are_one_hot_allowed_and_follow_the_logits(space):
    torch.manual_seed(0)
    logits = torch.randn(space.shape, requires_grad=True)
    onehots, log_probs = sample_onehots(logits, space.mask(), 1.0, 4000)
    assert onehots.shape == (4000, *space.shape) and log_probs.shape == (4000, )
    assert torch.equal(onehots.sum(-1), torch.ones(4000, *space.shape[:-1]))
    assert not (onehots.bool() & space.mask().expand(space.shape)).any()  # forbidden: never
    probs = logits.masked_fill(space.mask(), float('-inf')).softmax(-1)
    torch.testing.assert_close(onehots.mean(0), probs.detach(), atol=0.035, rtol=0)
    # the log-probability is that of the drawn one-hot, with the logits' gradient
    expected = (onehots[0] * probs.log().masked_fill(space.mask(), 0)).sum()
    torch.testing.assert_close(log_probs[0], expected)
    log_probs.sum().backward()
    assert logits.grad.abs().sum() > 0
    for arch in space.decode(onehots[:20]):
        space.parse(space.format(arch))  # valid architectures of the space


@pytest.mark.parametrize('advantage', ['normalised', 'rank'])
@pytest.mark.parametrize('space', [SGNASSpace(), NB201Space()], ids=['sgnas', 'nb201'])
def test_learns_to_avoid_the_op_that_scores_badly(space, advantage):
    """A CE that rises with the number of positions on op 1: plain gradient descent on the
    estimate drives its probability down everywhere; the loss's value is the mean CE."""
    torch.manual_seed(0)
    logits = torch.zeros(space.shape, requires_grad=True)
    opt = torch.optim.Adam([logits], lr=0.05)

    def score(onehot):
        return 2.0 + 0.1 * float(onehot[..., 1].sum()) + 0.05 * torch.randn(()).item(), onehot

    def share():
        return logits.masked_fill(space.mask(), float('-inf')).softmax(-1)[..., 1].mean()

    before = share().item()
    for _ in range(80):
        loss, info = reinforce_ce(logits, space.mask(), 1.0, 8, score, advantage=advantage)
        assert info['ce_best'] <= loss.item() <= info['ce_worst']
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert share().item() < 0.5 * before, (before, share().item())


def test_the_scored_architecture_is_credited():
    """What score returns as the architecture it scored (e.g. fitted) gets the push, not the
    draw: every draw mapped to op 2 on edge 0 with a CE below the others raises op 2 there."""
    torch.manual_seed(0)
    logits = torch.zeros(NB201Space.shape, requires_grad=True)

    def score(onehot):
        good = bool(onehot[0, 1] == 1)
        used = onehot.clone()
        if good:
            used[0] = torch.nn.functional.one_hot(torch.tensor(2), 5)
        return (1.0 if good else 2.0), used

    loss, _ = reinforce_ce(logits, NB201Space.mask(), 1.0, 16, score)
    loss.backward()
    assert logits.grad[0, 2] < 0 and logits.grad[0, 2] == logits.grad[0].min()


def test_an_architecture_scored_alike_gets_no_push():
    logits = torch.randn(NB201Space.shape, requires_grad=True)
    loss, _ = reinforce_ce(logits, NB201Space.mask(), 1.0, 5, lambda onehot: (1.5, onehot))
    assert loss.item() == pytest.approx(1.5)
    loss.backward()
    assert logits.grad.abs().max() == 0


def test_bad_arguments():
    logits = torch.zeros(NB201Space.shape)
    with pytest.raises(ValueError, match='num_samples >= 2.*got 1'):
        reinforce_ce(logits, NB201Space.mask(), 1.0, 1, lambda o: (0.0, o))
    with pytest.raises(ValueError, match='temperature must be > 0, got 0'):
        sample_onehots(logits, NB201Space.mask(), 0, 4)
    with pytest.raises(FloatingPointError, match='non-finite CE'):
        reinforce_ce(logits, NB201Space.mask(), 1.0, 3, lambda o: (float('nan'), o))


def test_the_entropy_bonus_keeps_the_distribution_spread():
    """Scores that are pure noise: with normalised advantages the logits random-walk towards
    one architecture; the entropy bonus holds the per-position entropy up."""
    space = NB201Space()

    def final_entropy(beta):
        torch.manual_seed(0)
        logits = torch.zeros(space.shape, requires_grad=True)
        opt = torch.optim.Adam([logits], lr=0.05)
        for _ in range(150):
            loss, info = reinforce_ce(logits, space.mask(), 1.0, 8,
                                      lambda onehot: (torch.randn(()).item(), onehot),
                                      entropy_weight=beta)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return info['entropy'].item()

    uniform = torch.log(torch.tensor(5.0)).item()
    without, with_bonus = final_entropy(0.0), final_entropy(0.5)
    assert with_bonus > 0.9 * uniform and with_bonus > without + 0.1, (without, with_bonus)
    with pytest.raises(ValueError, match='entropy_weight must be >= 0, got -0.1'):
        reinforce_ce(torch.zeros(space.shape), space.mask(), 1.0, 4,
                     lambda onehot: (1.0, onehot), entropy_weight=-0.1)


def test_rank_advantages_are_not_swamped_by_one_disaster():
    """Seven close CEs and one cut-off cell at chance: normalised, the best and the seventh
    differ by a sliver of the unit; by rank, evenly, as any two neighbours."""
    ce = torch.tensor([1.00, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 2.30])
    norm, rank = advantages(ce, 'normalised'), advantages(ce, 'rank')
    loo = (ce.sum() - ce) / 7
    torch.testing.assert_close(norm, (ce - loo) / ce.std())  # as before the option
    assert norm[6] - norm[0] < 0.2 and rank[6] - rank[0] > 2.0
    torch.testing.assert_close(rank, (torch.arange(8.0) - 3.5) / torch.arange(8.0).std())
    assert rank.sum().abs() < 1e-6 and rank.std() == pytest.approx(1.0)
    tied = advantages(torch.tensor([1.0, 1.0, 2.0, 3.0]), 'rank')
    assert tied[0] == tied[1] and tied[0] < tied[2] < tied[3]
    assert torch.equal(advantages(torch.full((4, ), 1.5), 'rank'), torch.zeros(4))
    with pytest.raises(ValueError, match="unknown REINFORCE advantage 'ranks', expected one "
                                         "of \\('normalised', 'rank'\\)"):
        reinforce_ce(torch.zeros(NB201Space.shape), NB201Space.mask(), 1.0, 4,
                     lambda onehot: (1.0, onehot), advantage='ranks')
