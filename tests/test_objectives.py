"""Each objective's losses on fixed tensors against the formula computed by hand."""

import math

import pytest
import torch
from torch import nn

from ganviz.objectives import OBJECTIVES, DView, make_objective
from ganviz.objectives.energy import pull_away
from ganviz.objectives.fgan import activation, conjugate
from ganviz.objectives.gan import d_loss_logistic
from ganviz.objectives.penalties import HistoricalAverage, feature_matching, gradient_penalty, r1_penalty
L_REAL = torch.tensor([2.0, -1.0, 0.5])
L_FAKE = torch.tensor([-3.0, 0.0, 1.0])


def sp(x):  # softplus by hand
    return math.log1p(math.exp(x))


def view(scores):
    return DView(torch.zeros(len(scores), 2), score=scores)


def objective(name, **settings):
    """The objective ``name`` with ``settings`` over its defaults."""
    return make_objective(name, OBJECTIVES[name].Params(**settings))


REAL = view(L_REAL)  # the real view a generator loss is handed (most do not read it)


def mean(xs):
    return sum(xs) / len(xs)


def test_gan_d_loss_and_both_generator_losses():
    d = make_objective("nsgan").d_loss(view(L_REAL), view(L_FAKE))
    expect = mean([sp(-v) for v in L_REAL.tolist()]) + mean([sp(v) for v in L_FAKE.tolist()])
    assert d.item() == pytest.approx(expect, rel=1e-6)
    assert make_objective("nsgan").g_loss(REAL, view(L_FAKE)).item() == pytest.approx(mean([sp(-v) for v in L_FAKE.tolist()]), rel=1e-6)
    # MMGAN G loss = E log(1 - D(G(z))) with D = sigmoid
    mm = mean([math.log(1 - 1 / (1 + math.exp(-v))) for v in L_FAKE.tolist()])
    assert make_objective("mmgan").g_loss(REAL, view(L_FAKE)).item() == pytest.approx(mm, rel=1e-6)


def test_one_sided_label_smoothing_targets_alpha_for_real_only():
    d = objective("nsgan", label_smoothing=0.9).d_loss(view(L_REAL), view(L_FAKE))
    real = mean([-(0.9 * math.log(1 / (1 + math.exp(-v))) + 0.1 * math.log(1 - 1 / (1 + math.exp(-v)))) for v in L_REAL.tolist()])
    fake = mean([-math.log(1 - 1 / (1 + math.exp(-v))) for v in L_FAKE.tolist()])
    assert d.item() == pytest.approx(real + fake, rel=1e-6)


def test_logistic_d_loss_with_a_real_target_alpha():
    # -(alpha log D(x) + (1 - alpha) log(1 - D(x))) - log(1 - D(G(z))), D = sigmoid(l)
    sig = lambda v: 1 / (1 + math.exp(-v))
    want = mean([-(0.8 * math.log(sig(v)) + 0.2 * math.log(1 - sig(v))) for v in L_REAL.tolist()]) \
        + mean([-math.log(1 - sig(v)) for v in L_FAKE.tolist()])
    assert d_loss_logistic(L_REAL, L_FAKE, 0.8).item() == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("abc", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)])
def test_lsgan(abc):
    a, b, c = abc
    d = objective("lsgan", ls_abc=abc).d_loss(view(L_REAL), view(L_FAKE))
    expect = 0.5 * mean([(v - b) ** 2 for v in L_REAL.tolist()]) + 0.5 * mean([(v - a) ** 2 for v in L_FAKE.tolist()])
    assert d.item() == pytest.approx(expect)
    g = objective("lsgan", ls_abc=abc).g_loss(REAL, view(L_FAKE))
    assert g.item() == pytest.approx(0.5 * mean([(v - c) ** 2 for v in L_FAKE.tolist()]))


def test_wasserstein_and_hinge():
    for name in ("wgan", "wgan-gp"):
        obj = make_objective(name)
        assert obj.d_loss(view(L_REAL), view(L_FAKE)).item() == pytest.approx(L_FAKE.mean() - L_REAL.mean())
        assert obj.g_loss(REAL, view(L_FAKE)).item() == pytest.approx(-L_FAKE.mean().item())
    hinge = make_objective("hinge")
    expect = mean([max(0, 1 - v) for v in L_REAL.tolist()]) + mean([max(0, 1 + v) for v in L_FAKE.tolist()])
    assert hinge.d_loss(view(L_REAL), view(L_FAKE)).item() == pytest.approx(expect)
    assert hinge.g_loss(REAL, view(L_FAKE)).item() == pytest.approx(-L_FAKE.mean().item())


def test_wgan_clips_every_weight_after_the_critic_step():
    net = nn.Linear(3, 3)
    nn.init.uniform_(net.weight, -1, 1)
    objective("wgan", clip_c=0.05).after_d_step(net)
    assert all(p.abs().max() <= 0.05 for p in net.parameters())


def test_wgan_uses_rmsprop_and_five_critic_steps_and_gp_adam():
    wgan, gp = OBJECTIVES["wgan"].defaults, OBJECTIVES["wgan-gp"].defaults
    assert (wgan.optimizer, wgan.lr_d, wgan.n_critic) == ("rmsprop", 5e-5, 5)
    assert (gp.optimizer, gp.lr_d, gp.betas, gp.n_critic) == ("adam", 1e-4, (0.5, 0.9), 5)
    assert OBJECTIVES["hinge"].defaults.spectral_norm


# Table 2 of f-GAN at hand-picked points: (divergence, v, g_f(v), f*(g_f(v))).
FGAN_POINTS = [
    ("kl", 0.5, 0.5, math.exp(-0.5)),
    ("reverse_kl", 0.0, -1.0, -1.0 - math.log(1.0)),
    ("pearson", 2.0, 2.0, 1.0 + 2.0),
    ("squared_hellinger", math.log(2), 0.5, 1.0),
    ("js", 0.0, math.log(2) - math.log(2), -math.log(2 - 1)),
    ("total_variation", 100.0, 0.5, 0.5),
    ("gan", 0.0, -math.log(2), math.log(2)),
]


@pytest.mark.parametrize("div,v,g,fstar", FGAN_POINTS)
def test_fgan_activation_and_conjugate(div, v, g, fstar):
    gv = activation(div, torch.tensor([v], dtype=torch.float64))
    assert gv.item() == pytest.approx(g, abs=1e-9)
    assert conjugate(div, gv).item() == pytest.approx(fstar, abs=1e-9)


@pytest.mark.parametrize("div", [p[0] for p in FGAN_POINTS])
def test_fgan_losses_are_the_saddle_objective(div):
    obj = objective("fgan", f_divergence=div)
    r, f = torch.tensor([0.3, -0.2]), torch.tensor([-0.4, 0.1])
    F = activation(div, r).mean() - conjugate(div, activation(div, f)).mean()
    assert obj.d_loss(view(r), view(f)).item() == pytest.approx(-F.item(), rel=1e-6)
    assert obj.g_loss(REAL, view(f)).item() == pytest.approx(-conjugate(div, activation(div, f)).mean().item(), rel=1e-6)


def test_fgan_gan_divergence_equals_the_original_gan():
    d = objective("fgan", f_divergence="gan").d_loss(view(L_REAL), view(L_FAKE))
    assert d.item() == pytest.approx(make_objective("nsgan").d_loss(view(L_REAL), view(L_FAKE)).item(), rel=1e-5)


def test_pull_away_term():
    assert pull_away(torch.tensor([[1.0, 0.0], [0.0, 2.0]])).item() == pytest.approx(0.0)
    assert pull_away(torch.tensor([[1.0, 1.0], [2.0, 2.0]])).item() == pytest.approx(1.0)
    # three codes at 0, 60 and 120 degrees: cos^2 = 1/4, 1/4, 1/4 -> mean 1/4
    s = torch.tensor([[1.0, 0.0], [0.5, math.sqrt(3) / 2], [-0.5, math.sqrt(3) / 2]])
    assert pull_away(s).item() == pytest.approx(0.25, rel=1e-6)


def test_ebgan_losses():
    real = DView(torch.zeros(2, 2), energy=torch.tensor([0.2, 0.4]))
    fake = DView(torch.zeros(2, 2), energy=torch.tensor([0.5, 1.5]), code=torch.tensor([[1.0, 0.0], [1.0, 0.0]]))
    obj = objective("ebgan", ebgan_margin=1.0, pull_away_weight=0.1)
    assert obj.d_loss(real, fake).item() == pytest.approx(0.3 + mean([0.5, 0.0]))
    assert obj.g_loss(REAL, fake).item() == pytest.approx(1.0 + 0.1 * 1.0)
    x, recon = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])
    assert obj.energy(x, recon).item() == pytest.approx(5.0)


def test_began_losses_k_t_and_m_global():
    obj = objective("began", began_gamma=0.5, began_lambda_k=0.1)
    x, recon = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, -3.0]])
    assert obj.energy(x, recon).item() == pytest.approx(2.0)  # mean |v - D(v)|
    assert objective("began", began_eta=2).energy(x, recon).item() == pytest.approx(5.0)
    real = DView(x, energy=torch.tensor([0.4, 0.6]))
    fake = DView(x, energy=torch.tensor([0.1, 0.1]))
    assert obj.k_t == 0.0
    assert obj.d_loss(real, fake).item() == pytest.approx(0.5)  # k_0 = 0
    obj.after_g_step(real, fake)
    # k_1 = 0 + 0.1 (0.5 * 0.5 - 0.1) = 0.015; M = 0.5 + |0.25 - 0.1|
    assert obj.k_t == pytest.approx(0.015)
    assert obj.m_global == pytest.approx(0.65)
    assert obj.d_loss(real, fake).item() == pytest.approx(0.5 - 0.015 * 0.1)
    for _ in range(1000):
        obj.after_g_step(real, fake)
    assert obj.k_t == 1.0  # clipped to [0, 1]
    for _ in range(1000):
        obj.after_g_step(real, DView(x, energy=torch.tensor([5.0])))
    assert obj.k_t == 0.0


def test_loss_sensitive_margin():
    real = DView(torch.tensor([[0.0, 0.0], [0.0, 0.0]]), score=torch.tensor([0.0, 1.0]))
    fake = DView(torch.tensor([[1.0, 2.0], [0.5, 0.0]]), score=torch.tensor([5.0, 0.5]))
    # deltas (L1): 3, 0.5; hinge terms: max(0, 3 + 0 - 5) = 0, max(0, 0.5 + 1 - 0.5) = 1
    obj = objective("loss-sensitive", ls_lambda=2.0)
    assert obj.d_loss(real, fake).item() == pytest.approx(0.5 + 2.0 * 0.5)
    assert obj.g_loss(REAL, fake).item() == pytest.approx(2.75)


def test_gradient_penalty_and_r1_on_a_linear_critic():
    w = torch.tensor([3.0, 4.0])  # ||grad|| = 5 everywhere
    score = lambda x: x @ w
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert gradient_penalty(score, real, fake, 10.0, lambda n: torch.rand(n, 1)).item() == pytest.approx(10 * 16, rel=1e-5)
    assert r1_penalty(score, real, 2.0).item() == pytest.approx(0.5 * 2.0 * 25, rel=1e-5)


def test_feature_matching_and_historical_averaging():
    fr, ff = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[0.0, 0.0], [0.0, 2.0]])
    assert feature_matching(fr, ff).item() == pytest.approx(2.0 ** 2 + 2.0 ** 2)
    net = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(1.0)
    ha = HistoricalAverage(net)
    ha.update()
    with torch.no_grad():
        net.weight.fill_(3.0)
    ha.update()  # mean of 1 and 3
    with torch.no_grad():
        net.weight.fill_(4.0)
    assert ha.penalty().item() == pytest.approx((4.0 - 2.0) ** 2)


def test_unknown_objective_names_the_allowed_ones():
    with pytest.raises(ValueError, match="wgan-gp"):
        make_objective("wgan-ggp")


def test_orthogonal_penalty_and_sigma_clamp():
    from ganviz.objectives.penalties import clamp_sigma, orthogonal_penalty
    net = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1.0, 1.0], [1.0, 0.0]]))
    # W W^T = [[2, 1], [1, 1]]: off-diagonal squares 1 + 1
    assert orthogonal_penalty(net, 0.5).item() == pytest.approx(0.5 * 2.0)
    with torch.no_grad():
        net.weight.copy_(torch.diag(torch.tensor([5.0, 0.5])))
    clamp_sigma(net, 2.0)
    assert torch.allclose(torch.linalg.svdvals(net.weight), torch.tensor([2.0, 0.5]))


def test_class_keywords_and_formulas_from_the_loss_docstrings():
    from ganviz.objectives import Objective

    class Plain(Objective, output="critic", paper="a test"):
        def d_loss(self, real, fake):
            r"""L_D = \mathbb{E}_z[f(G(z))]
            - \mathbb{E}_x[f(x)]"""

    assert Plain.paper == "a test" and Plain.discriminator == "score"
    assert Plain.d_formula == r"L_D = \mathbb{E}_z[f(G(z))] - \mathbb{E}_x[f(x)]"  # white space folded
    assert Plain.g_formula == ""
    # a subclass keeps the inherited loss's formula unless it says more
    assert OBJECTIVES["nsgan"].d_formula == OBJECTIVES["mmgan"].d_formula
    assert OBJECTIVES["nsgan"].g_formula != OBJECTIVES["mmgan"].g_formula
    assert r"\lambda" in OBJECTIVES["wgan-gp"].d_formula and r"\lambda" not in OBJECTIVES["wgan"].d_formula
    with pytest.raises(TypeError, match="unknown class keyword 'nmae'"):
        class Typo(Objective, nmae="typo"):
            pass
