"""Formulas against the papers, computed independently here in float64 on fixed inputs.

Virtual batch norm and feature matching (Salimans et al. 2016), the loss-sensitive GAN (Qi 2019),
R1 and the gradient penalty with minibatch discrimination (per-sample gradients), and f-GAN's
f*(g_f(v)) (Nowozin et al. 2016) where the direct formula overflows.
"""

import doctest
import math

import pytest
import torch

import ganviz.nets.mlp as mlp_module
import ganviz.objectives.fgan as fgan_module
import ganviz.objectives.loss_sensitive as ls_module
import ganviz.objectives.penalties as penalties_module
from ganviz.nets.mlp import MLP, VirtualBatchNorm
from ganviz.objectives import DView, make_objective
from ganviz.objectives.fgan import LOG2
from ganviz.objectives.penalties import gradient_penalty, r1_penalty
from ganviz.training import TrainConfig, Trainer

TINY = dict(g_width=16, d_width=16, g_depth=2, d_depth=2, batch=32, eval_samples=200, eval_every=10_000)
D64 = torch.float64


# --- virtual batch norm (Salimans et al. 2016, Sec. 3.4) -------------------------------------------
def _vbn_by_hand(h_ref, h, gamma, beta, eps):
    """The reference batch with its own statistics; each other row x with those of ref + {x}."""
    n = h_ref.shape[0]
    mu_r = h_ref.mean(0)
    var_r = ((h_ref - mu_r) ** 2).mean(0)
    out_ref = gamma * (h_ref - mu_r) / torch.sqrt(var_r + eps) + beta
    rows = []
    for x in h:
        mu = (n * mu_r + x) / (n + 1)
        var = (((h_ref - mu) ** 2).sum(0) + (x - mu) ** 2) / (n + 1)
        rows.append(gamma * (x - mu) / torch.sqrt(var + eps) + beta)
    return out_ref, torch.stack(rows)


REF = torch.tensor([[0.3, -1.2, 2.0], [1.5, 0.4, -0.7], [-0.8, 0.9, 0.1], [2.2, -0.3, 1.1], [0.0, 1.7, -1.4]], dtype=D64)
XS = torch.tensor([[5.0, 0.0, -2.0], [-0.4, 0.2, 0.6], [1.0, -3.0, 0.3]], dtype=D64)


def test_virtual_batch_norm_layer_normalises_the_reference_with_its_own_statistics():
    layer = VirtualBatchNorm(3).double()
    with torch.no_grad():
        layer.gamma.copy_(torch.tensor([1.0, 0.5, 2.0]))
        layer.beta.copy_(torch.tensor([0.0, 1.0, -1.0]))
    layer.n_ref = REF.shape[0]
    out = layer(torch.cat([REF, XS]))
    want_ref, want_x = _vbn_by_hand(REF, XS, layer.gamma.detach(), layer.beta.detach(), layer.eps)
    assert torch.allclose(out[:5], want_ref, atol=1e-12, rtol=0)
    assert torch.allclose(out[5:], want_x, atol=1e-12, rtol=0)


def test_virtual_batch_norm_mlp_matches_the_paper_through_two_layers():
    torch.manual_seed(0)
    net = MLP(3, 2, depth=2, width=4, virtual_batch_norm=True).double()
    net.reference = REF
    lin1, vbn1, _, lin2, vbn2, _ = net.body
    eps = vbn1.eps
    # by hand: the reference path is normalised with its own statistics at every layer
    r1, x1 = _vbn_by_hand(lin1(REF), lin1(XS), vbn1.gamma, vbn1.beta, eps)
    r1, x1 = r1.relu(), x1.relu()
    r2, x2 = _vbn_by_hand(lin2(r1), lin2(x1), vbn2.gamma, vbn2.beta, eps)
    want = net.head(x2.relu())
    with torch.no_grad():
        assert torch.allclose(net(XS), want, atol=1e-12, rtol=0)
        # each example is normalised on its own: the output for a row does not depend on the others
        assert torch.allclose(net(XS[1:2]), want[1:2], atol=1e-12, rtol=0)


# --- feature matching (Salimans et al. 2016, Sec. 3.1) ---------------------------------------------
def test_feature_matching_compares_features_of_one_and_the_same_d():
    t = Trainer(TrainConfig(objective="nsgan", lr_d=1e-2, lr_g=1e-3, seed=1, **TINY).replace(feature_matching=True))
    t.train(3)
    fake = t.G(t._latent(t.config.batch))
    t.step_d(fake)  # D changes here
    real = t._last_real.x
    with torch.no_grad():  # the D the generator step sees: after opt_d.step()
        f_real = t.D.features(real).double()
        f_fake = t.D.features(fake).double()
    want = ((f_real.mean(0) - f_fake.mean(0)) ** 2).sum().item()
    assert t.step_g(fake) == pytest.approx(want, rel=1e-5, abs=1e-9)


# --- loss-sensitive GAN (Qi 2019) --------------------------------------------------------------------
X_R = torch.tensor([[0.0, 0.0], [1.0, -1.0], [0.5, 2.0]], dtype=D64)
X_F = torch.tensor([[1.0, 2.0], [0.5, -1.0], [-1.0, 0.0]], dtype=D64)
S_R = torch.tensor([-0.5, 1.0, 0.2], dtype=D64)
S_F = torch.tensor([0.3, -2.0, 4.0], dtype=D64)


def _ls_by_hand(s_r, s_f, lam):
    l_r, l_f = [max(v, 0.0) for v in s_r.tolist()], [max(v, 0.0) for v in s_f.tolist()]
    delta = [sum(abs(a - b) for a, b in zip(xr, xf)) for xr, xf in zip(X_R.tolist(), X_F.tolist())]
    hinge = [max(d + lr - lf, 0.0) for d, lr, lf in zip(delta, l_r, l_f)]
    return sum(l_r) / 3 + lam * sum(hinge) / 3, sum(l_f) / 3


def test_loss_sensitive_matches_the_paper_with_a_nonnegative_loss_function():
    hp = TrainConfig().replace(objective="loss-sensitive", ls_lambda=2.0)
    obj = make_objective("loss-sensitive", hp.params)
    want_d, want_g = _ls_by_hand(S_R, S_F, 2.0)
    assert obj.d_loss(DView(X_R, score=S_R), DView(X_F, score=S_F)).item() == pytest.approx(want_d, abs=1e-12)
    assert obj.g_loss(DView(X_R, score=S_R), DView(X_F, score=S_F)).item() == pytest.approx(want_g, abs=1e-12)


def test_loss_sensitive_objective_is_bounded_below():
    # Shifting every score down by c must not lower L_D without bound: with L >= 0 it bottoms out at
    # lambda E[Delta] (every L is 0, only the margin is left).
    hp = TrainConfig().replace(objective="loss-sensitive", ls_lambda=2.0)
    obj = make_objective("loss-sensitive", hp.params)
    delta = (X_R - X_F).abs().sum(1).mean().item()
    for c in (10.0, 100.0, 1e4):
        got = obj.d_loss(DView(X_R, score=S_R - c), DView(X_F, score=S_F - c)).item()
        assert got == pytest.approx(2.0 * delta, abs=1e-9)
        assert got >= 0


def test_loss_sensitive_run_keeps_its_loss_function_nonnegative_and_alive():
    t = Trainer(TrainConfig(objective="loss-sensitive", lr_d=3e-3, lr_g=3e-3, seed=0, log_every=1, **TINY))
    t.train(150)
    obj = t.objective
    with torch.no_grad():
        l_real = obj.loss(t.D(t.to_model(t.eval_real)).squeeze(1))
        l_fake = obj.loss(t.D(t.to_model(t.sample())).squeeze(1))
    assert min(r["d_loss"] for r in t.history.rows) >= 0  # bounded below: L_D never went negative
    assert float(l_real.min()) >= 0
    assert float((l_fake > 0).float().mean()) > 0.5  # the fakes still get a gradient through the ReLU
    assert float(l_real.mean()) < float(l_fake.mean())  # real samples have the lower loss


# --- R1 and the gradient penalty with minibatch discrimination: per-sample gradients -----------------
def _per_sample_grad_sq(d, x):
    """||d D(x)_i / d x_i||^2 from the full Jacobian (its diagonal blocks), create_graph for D's grads."""
    jac = torch.autograd.functional.jacobian(lambda y: d(y).squeeze(1), x, create_graph=True)  # (B, B, dim)
    idx = torch.arange(x.shape[0])
    return jac[idx, idx].pow(2).sum(1)


def _mbd_trainer():
    t = Trainer(TrainConfig(objective="nsgan", seed=2, **TINY).replace(minibatch_kernels=4, r1_gamma=1.0))
    t.D.double()
    return t


def test_r1_with_minibatch_discrimination_uses_per_sample_gradients():
    t = _mbd_trainer()
    real = torch.tensor([[0.1, 0.9], [-1.0, 0.2], [0.7, -0.6], [0.05, 0.85], [1.2, 1.1], [-0.3, -0.9]], dtype=D64)
    want = 0.5 * 3.0 * _per_sample_grad_sq(t.D, real).mean()
    got = r1_penalty(t._score, real, 3.0)
    assert got.item() == pytest.approx(want.item(), rel=1e-9)
    # and its gradient with respect to D's weights is that of the per-sample formula
    params = [p for p in t.D.parameters()]
    g_want = torch.autograd.grad(want, params, allow_unused=True)
    g_got = torch.autograd.grad(got, params, allow_unused=True)
    for a, b in zip(g_want, g_got):
        assert (a is None and b is None) or torch.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_gradient_penalty_with_minibatch_discrimination_uses_per_sample_gradients():
    t = _mbd_trainer()
    real = torch.tensor([[0.1, 0.9], [-1.0, 0.2], [0.7, -0.6], [0.05, 0.85]], dtype=D64)
    fake = torch.tensor([[0.4, 0.3], [0.0, -0.2], [1.5, 0.6], [0.1, 0.8]], dtype=D64)
    eps = torch.rand(4, 1, generator=torch.Generator().manual_seed(5), dtype=torch.float32).double()
    x_hat = eps * real + (1 - eps) * fake
    want = 10.0 * ((_per_sample_grad_sq(t.D, x_hat).sqrt() - 1) ** 2).mean()
    gen = torch.Generator().manual_seed(5)
    got = gradient_penalty(lambda x: t._score(x), real, fake, 10.0, lambda n: torch.rand(n, 1, generator=gen))
    assert got.item() == pytest.approx(want.item(), rel=1e-6)


# --- f-GAN: f*(g_f(v)) in closed form (Nowozin et al. 2016, Table 2) --------------------------------
def _direct(div, v):
    """f*(g_f(v)) composed as the table writes it (float64: finite on the range tested)."""
    g = {
        "kl": lambda v: v, "reverse_kl": lambda v: -math.exp(-v), "pearson": lambda v: v,
        "squared_hellinger": lambda v: 1 - math.exp(-v), "js": lambda v: LOG2 - math.log1p(math.exp(-v)),
        "total_variation": lambda v: math.tanh(v) / 2, "gan": lambda v: -math.log1p(math.exp(-v)),
    }[div](v)
    return {
        "kl": lambda t: math.exp(t - 1), "reverse_kl": lambda t: -1 - math.log(-t), "pearson": lambda t: t * t / 4 + t,
        "squared_hellinger": lambda t: t / (1 - t), "js": lambda t: -math.log(2 - math.exp(t)),
        "total_variation": lambda t: t, "gan": lambda t: -math.log(1 - math.exp(t)),
    }[div](g)


DIVS = ["kl", "reverse_kl", "pearson", "squared_hellinger", "js", "total_variation", "gan"]
# exact f*(g_f(v)) at v = -100 and +100, and whether it fits in float32 (None: beyond float32)
EXACT_AT_100 = {
    "kl": (math.exp(-101), None),
    "reverse_kl": (-101.0, 99.0),
    "pearson": (2500.0 - 100.0, 2500.0 + 100.0),
    "squared_hellinger": (math.expm1(-100), None),
    "js": (math.log1p(math.exp(-100)) - LOG2, 100.0 + math.log1p(math.exp(-100)) - LOG2),
    "total_variation": (-0.5, 0.5),
    "gan": (math.log1p(math.exp(-100)), 100.0 + math.log1p(math.exp(-100))),
}


def _g_loss(div, v, dtype):
    hp = TrainConfig().replace(objective="fgan", f_divergence=div)
    return make_objective("fgan", hp.params).g_loss(DView(None), DView(torch.zeros(1, 2), score=torch.tensor([v], dtype=dtype))).item()


@pytest.mark.parametrize("div", DIVS)
def test_fgan_conjugate_of_activation_matches_the_table_in_float64(div):
    # direct composition is exact where it does not cancel; keep to |v| <= 15 (1 - e^-v stays accurate)
    for v in [x / 4 for x in range(-60, 61, 7)]:
        assert -_g_loss(div, v, D64) == pytest.approx(_direct(div, v), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("div", DIVS)
def test_fgan_losses_stay_finite_in_float32_where_the_exact_value_is(div):
    for v, exact in zip((-100.0, 100.0), EXACT_AT_100[div]):
        got = -_g_loss(div, v, torch.float32)
        if exact is None:  # e^99 and e^100 exceed float32: the loss is honestly +inf
            assert got == math.inf
        else:
            assert got == pytest.approx(exact, rel=1e-6, abs=1e-30)
    for v in (17.5, 20.0, 40.0, -88.75, -95.0):
        ref = _direct_stable(div, v)
        if ref is not None and abs(ref) < 3e38:
            assert -_g_loss(div, v, torch.float32) == pytest.approx(ref, rel=1e-5, abs=1e-30)


def _direct_stable(div, v):
    """The closed forms derived by hand (float64), None where exp overflows float64."""
    try:
        return {
            "kl": lambda: math.exp(v - 1), "reverse_kl": lambda: v - 1, "pearson": lambda: v * v / 4 + v,
            "squared_hellinger": lambda: math.expm1(v), "total_variation": lambda: math.tanh(v) / 2,
            "js": lambda: max(v, 0) + math.log1p(math.exp(-abs(v))) - LOG2,
            "gan": lambda: max(v, 0) + math.log1p(math.exp(-abs(v))),
        }[div]()
    except OverflowError:
        return None


@pytest.mark.parametrize("div", DIVS)
def test_fgan_d_loss_is_finite_where_the_exact_value_is(div):
    hp = TrainConfig().replace(objective="fgan", f_divergence=div)
    real = torch.tensor([0.5, -0.5])
    fake = torch.tensor([20.0, 30.0])
    got = make_objective("fgan", hp.params).d_loss(DView(torch.zeros(2, 2), score=real), DView(torch.zeros(2, 2), score=fake))
    g_real = sum(_g_of(div, v) for v in real.tolist()) / 2
    fstar = sum(_direct_stable(div, v) for v in fake.tolist()) / 2
    assert got.item() == pytest.approx(-(g_real - fstar), rel=1e-5)


def _g_of(div, v):
    return {
        "kl": v, "reverse_kl": -math.exp(-v), "pearson": v, "squared_hellinger": 1 - math.exp(-v),
        "js": LOG2 - math.log1p(math.exp(-v)), "total_variation": math.tanh(v) / 2, "gan": -math.log1p(math.exp(-v)),
    }[div]


@pytest.mark.parametrize("mod", [mlp_module, fgan_module, ls_module, penalties_module], ids=lambda m: m.__name__)
def test_docstring_examples_run(mod):
    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0
