"""The trainer's wiring: each piece it adds to a loss or applies after a step, checked through
``Trainer.step_d`` / ``step_g`` / ``step`` against the piece computed here on its own.

The pattern: draw the batch the step will draw (``_peek_real``), compute what the loss must be from
the networks before the step (the objective's own loss plus the piece, by hand), take the step, and
compare. A test here fails when the trainer stops doing its piece, while the piece's formula test
(tests/test_objectives.py, tests/test_formulas.py) still passes. Tiny nets, CPU, a few steps each.
"""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganviz.nets.mlp import MLP
from ganviz.objectives.penalties import gradient_penalty
from ganviz.training import TrainConfig, Trainer

SMALL = dict(g_width=16, d_width=16, g_depth=2, d_depth=2, batch=32, eval_samples=200, eval_every=10_000,
             log_every=1)


def make(**kw) -> Trainer:
    return Trainer(TrainConfig().replace(**{**SMALL, **kw}))


def _peek_real(t: Trainer) -> torch.Tensor:
    """The real batch the next step_d will draw (the generator's state is put back)."""
    state = t.gen.get_state()
    real = t._real(t.config.batch)
    t.gen.set_state(state)
    return real


def _fake(t: Trainer) -> torch.Tensor:
    with torch.no_grad():
        return t.G(t._latent(t.config.batch))


def _d_loss_alone(t: Trainer, real, fake) -> float:
    """The objective's own D loss on this batch, with D as it is now (no penalties)."""
    with torch.no_grad():
        return float(t.objective.d_loss(*t._views(real, fake)))


def _linear_weights(net: nn.Module):
    for m in net.modules():
        if isinstance(m, nn.Linear):
            yield m.weight


def _per_sample_grad_sq(score, x):
    """||d D(x)_i / d x_i||^2 from the diagonal blocks of the full Jacobian."""
    jac = torch.autograd.functional.jacobian(score, x)  # (B, B, dim)
    idx = torch.arange(x.shape[0])
    return jac[idx, idx].pow(2).sum(1)


# --- penalties added to D's loss -----------------------------------------------------------------
def test_gradient_penalty_is_added_to_the_critic_loss():
    # loss(lambda = 10) - loss(lambda = 0) on the same state equals the penalty computed on its own
    t10, t0 = make(objective="wgan-gp", gp_lambda=10.0), make(objective="wgan-gp", gp_lambda=0.0)
    fake = _fake(t10)
    assert torch.equal(_fake(t0), fake)  # the twins are in the same state
    real = _peek_real(t10)
    state = t10.gen.get_state()
    t10._real(t10.config.batch)  # the step draws its real batch, then eps for the interpolates
    gp = float(gradient_penalty(lambda x: t10.D(x).squeeze(1), real, fake, 10.0, t10._uniform).detach())
    t10.gen.set_state(state)
    assert gp > 1e-3  # the test can see a missing penalty
    base = _d_loss_alone(t0, real, fake)
    loss10, loss0 = t10.step_d(fake), t0.step_d(fake)
    assert loss0 == pytest.approx(base, abs=1e-6)
    assert loss10 - loss0 == pytest.approx(gp, rel=1e-4, abs=1e-6)


def test_r1_is_added_to_the_discriminator_loss():
    gamma = 4.0
    t = make(objective="nsgan", r1_gamma=gamma)
    fake, real = _fake(t), _peek_real(t)
    base = _d_loss_alone(t, real, fake)
    # (gamma / 2) E ||grad_x D(x)||^2, by autograd on each real sample separately
    sq = [torch.autograd.grad(t.D(x[None]).sum(), x)[0].pow(2).sum() for x in real.clone().requires_grad_(True)]
    r1 = 0.5 * gamma * float(torch.stack(sq).mean())
    assert r1 > 1e-3
    assert t.step_d(fake) == pytest.approx(base + r1, rel=1e-5, abs=1e-6)


def test_r1_with_minibatch_discrimination_is_the_per_sample_penalty():
    gamma = 4.0
    t = make(objective="nsgan", r1_gamma=gamma, minibatch_kernels=4)
    fake, real = _fake(t), _peek_real(t)
    base = _d_loss_alone(t, real, fake)
    r1 = 0.5 * gamma * float(_per_sample_grad_sq(lambda x: t.D(x).squeeze(1), real).mean())
    assert t.step_d(fake) == pytest.approx(base + r1, rel=1e-5, abs=1e-6)


def test_orthogonal_regularisation_is_added_to_both_losses():
    beta = 0.05

    def ortho(net):  # beta sum_W ||W W^T (.) (1 - I)||_F^2, by hand
        total = 0.0
        for w in _linear_weights(net):
            gram = (w.detach() @ w.detach().T).double()
            total += float((gram * (1 - torch.eye(gram.shape[0], dtype=gram.dtype))).pow(2).sum())
        return beta * total

    t = make(objective="nsgan", ortho_beta=beta)
    fake = t.G(t._latent(t.config.batch))
    real = _peek_real(t)
    want_d = _d_loss_alone(t, real, fake.detach()) + ortho(t.D)
    assert ortho(t.D) > 1e-3
    assert t.step_d(fake) == pytest.approx(want_d, rel=1e-5)
    with torch.no_grad():
        want_g = float(t.objective.g_loss(t._real_view(fresh=False), t.view(fake))) + ortho(t.G)
    assert ortho(t.G) > 1e-3
    assert t.step_g(fake) == pytest.approx(want_g, rel=1e-5)


def test_historical_averaging_penalises_distance_to_the_running_mean():
    w = 1.0
    t = make(objective="nsgan", historical_averaging=w, lr_d=1e-2, lr_g=1e-2)
    d_hist, g_hist = [], []
    for _ in range(3):  # the averages are over the parameters after each update (count 1, 2, 3)
        fake = t.G(t._latent(t.config.batch))
        t.step_d(fake)
        d_hist.append([p.detach().clone() for p in t.D.parameters()])
        t.step_g(fake)
        g_hist.append([p.detach().clone() for p in t.G.parameters()])

    def ha(net, hist):
        means = [torch.stack(ps).mean(0) for ps in zip(*hist)]
        return sum(float(((p.detach() - m) ** 2).sum()) for p, m in zip(net.parameters(), means))

    fake = t.G(t._latent(t.config.batch))
    real = _peek_real(t)
    ha_d = ha(t.D, d_hist)
    assert ha_d > 1e-4
    want_d = _d_loss_alone(t, real, fake.detach()) + w * ha_d
    assert t.step_d(fake) == pytest.approx(want_d, rel=1e-5, abs=1e-6)
    with torch.no_grad():
        base_g = float(t.objective.g_loss(t._real_view(fresh=False), t.view(fake)))
    ha_g = ha(t.G, g_hist)
    assert ha_g > 1e-4
    assert t.step_g(fake) == pytest.approx(base_g + w * ha_g, rel=1e-5, abs=1e-6)


def test_one_sided_label_smoothing_reaches_the_discriminator_loss():
    alpha = 0.7
    t = make(objective="nsgan", label_smoothing=alpha)
    fake, real = _fake(t), _peek_real(t)
    with torch.no_grad():
        l_r, l_f = t.D(real).squeeze(1).double().tolist(), t.D(fake).squeeze(1).double().tolist()
    sp = lambda v: math.log1p(math.exp(v))
    # real target alpha: -(alpha log D(x) + (1 - alpha) log(1 - D(x))); fake target stays 0
    want = sum(alpha * sp(-v) + (1 - alpha) * sp(v) for v in l_r) / len(l_r) + sum(sp(v) for v in l_f) / len(l_f)
    plain = sum(sp(-v) for v in l_r) / len(l_r) + sum(sp(v) for v in l_f) / len(l_f)
    assert abs(want - plain) > 1e-2
    assert t.step_d(fake) == pytest.approx(want, rel=1e-6)


# --- what the trainer does after a step ------------------------------------------------------------
def test_weight_clipping_keeps_every_critic_weight_in_range():
    c = 0.01
    t = make(objective="wgan", clip_c=c)
    assert max(float(p.detach().abs().max()) for p in t.D.parameters()) > c  # the initial weights are not
    t.step()
    assert max(float(p.detach().abs().max()) for p in t.D.parameters()) <= c


def test_sigma_clamp_caps_every_layers_top_singular_value():
    clamp = 0.9
    t = make(objective="nsgan", sigma_clamp=clamp)
    before = {net: [torch.linalg.svdvals(w.detach()) for w in _linear_weights(net)] for net in (t.G, t.D)}
    t.step()
    for net in (t.G, t.D):
        clamped = 0
        for s0, w in zip(before[net], _linear_weights(net)):
            s = torch.linalg.svdvals(w.detach())
            if s0[0] > clamp + 1e-2:  # clamped: sigma_clamp is now one of its singular values
                clamped += 1
                assert float((s - clamp).abs().min()) < 1e-5
                if len(s0) == 1 or s0[1] <= clamp - 1e-2:
                    assert float(s[0]) <= clamp + 1e-5
            else:
                assert float(s[0]) < clamp
        assert clamped >= 1


def test_spectral_norm_divides_every_critic_weight_by_its_sigma():
    t = make(objective="hinge")  # spectral norm on by the recipe
    layers = [m for m in t.D.modules() if isinstance(m, nn.Linear)]
    raw = [float(torch.linalg.svdvals(m.parametrizations.weight.original.detach())[0]) if hasattr(m, "parametrizations")
           else float(torch.linalg.svdvals(m.weight.detach())[0]) for m in layers]
    assert max(abs(r - 1) for r in raw) > 0.1  # the raw weights are not at sigma 1
    u0 = [m.parametrizations.weight[0]._u.clone() for m in layers if hasattr(m, "parametrizations")]
    t.step()
    t.D.eval()  # read W / sigma without another power iteration
    try:
        with torch.no_grad():
            sig = [float(torch.linalg.svdvals(m.weight)[0]) for m in layers]
    finally:
        t.D.train()
    assert all(abs(s - 1) < 1e-3 for s in sig), sig
    u1 = [m.parametrizations.weight[0]._u for m in layers]
    assert any(not torch.equal(a, b) for a, b in zip(u0, u1))  # u advanced in the step and was kept


def test_ema_generator_is_the_hand_computed_average():
    decay = 0.9
    t = make(objective="nsgan", g_ema=decay)
    ema = [p.detach().clone().double() for p in t.G.parameters()]
    for k in range(4):
        t.step()
        d = min(decay, (1 + k) / (10 + k))  # the warm-up: decay_t = min(decay, (1 + t) / (10 + t))
        ema = [d * e + (1 - d) * p.detach().double() for e, p in zip(ema, t.G.parameters())]
    for e, p in zip(ema, t.G_ema.parameters()):
        assert torch.allclose(p.double(), e, atol=1e-6)
    assert not all(torch.allclose(p.double(), e, atol=1e-6) for e, p in zip(ema, t.G.parameters()))
    z = t._latent(8)
    with torch.no_grad():
        assert torch.allclose(t.sample(z=z), t.G_ema(z) * t.scale)  # samples come from the average


def test_began_k_t_follows_the_balance_after_each_generator_step():
    lam_k, gamma = 0.1, 0.5
    t = make(objective="began", began_lambda_k=lam_k, began_gamma=gamma)
    t.objective.k_t = 0.5  # away from the clip at 0, so any balance moves it
    fake = t.G(t._latent(t.config.batch))
    real = _peek_real(t)
    with torch.no_grad():
        l_real = float((t.D(real)[0] - real).abs().mean())  # L(x) = mean |x - D(x)|, D before its step
    t.step_d(fake)
    with torch.no_grad():
        l_fake = float((t.D(fake)[0] - fake).abs().mean())  # L(G(z_G)), D after its step
    t.step_g(fake)
    want = min(max(0.5 + lam_k * (gamma * l_real - l_fake), 0.0), 1.0)
    assert abs(want - 0.5) > 1e-4
    assert t.objective.k_t == pytest.approx(want, abs=1e-6)
    t.step()
    assert t.history.rows[-1]["k_t"] == t.objective.k_t != pytest.approx(want, abs=1e-9)  # moves, is logged


# --- what replaces or shapes G's loss ------------------------------------------------------------
def test_feature_matching_replaces_the_generator_loss():
    t = make(objective="nsgan", feature_matching=True)
    fake = t.G(t._latent(t.config.batch))
    t.step_d(fake)
    with torch.no_grad():
        f_r, f_f = t.D.features(t._last_real.x).double(), t.D.features(fake).double()
        nsgan = float(F.softplus(-t.D(fake)).mean())
    want = float(((f_r.mean(0) - f_f.mean(0)) ** 2).sum())
    assert abs(want - nsgan) > 1e-2
    g0 = [p.detach().clone() for p in t.G.parameters()]
    assert t.step_g(fake) == pytest.approx(want, rel=1e-5, abs=1e-9)
    assert not all(torch.equal(a, b) for a, b in zip(g0, t.G.parameters()))


def test_pull_away_term_is_added_to_the_ebgan_generator_loss():
    w = 0.5
    t = make(objective="ebgan", pull_away_weight=w)
    fake = t.G(t._latent(t.config.batch))
    t.step_d(fake)
    with torch.no_grad():
        recon, code = t.D(fake)
        energy = float((recon - fake).norm(dim=1).mean())
        s = code.double()
    n = s.shape[0]
    cos2 = [(float(s[i] @ s[j]) / (float(s[i].norm()) * float(s[j].norm()))) ** 2
            for i in range(n) for j in range(n) if i != j]
    pt = sum(cos2) / (n * (n - 1))
    assert w * pt > 1e-3
    assert t.step_g(fake) == pytest.approx(energy + w * pt, rel=1e-5)


def test_minibatch_discrimination_compares_members_of_one_batch_only():
    t = make(objective="nsgan", minibatch_kernels=4)
    x = t._real(8)
    moved = x.clone()
    moved[1:] += 0.5
    with torch.no_grad():
        # D(x_0) depends on the other members of its batch
        assert not torch.allclose(t.view(x).score[0], t.view(moved).score[0])
        fake, real = _fake(t), _peek_real(t)
        # real and fake batches are scored apart: a mixed batch would give another loss
        apart = float(t.objective.d_loss(t.view(real), t.view(fake)))
        s = t.D(torch.cat([real, fake])).squeeze(1)
        mixed = float(F.softplus(-s[:len(real)]).mean() + F.softplus(s[len(real):]).mean())
    assert abs(apart - mixed) > 1e-4
    assert isinstance(t.D, MLP)
    assert t.step_d(fake) == pytest.approx(apart, rel=1e-6)
