"""Batched trials against the unbatched Trainer: mechanically (same inputs, same losses, gradients
and weights) and statistically (mode coverage over seeds within the protocol's standard error)."""

import math

import pytest
import torch

from ganviz.metrics.modes import mean_and_se
from ganviz.nets.mlp import MLP
from ganviz.training.batched import BatchedTrials, StackedMLP, _linears, supports, train_trials
from ganviz.training.recipes import recipe
from ganviz.training.trainer import Trainer

SMALL = dict(g_width=32, d_width=32, batch=64, eval_samples=300)
SEEDS = [0, 5, 7]


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def _grads(module):
    return [(lin.weight.grad.T, lin.bias.grad) for lin in _linears(module)]


def _assert_close_to_trainers(b: BatchedTrials, refs: list[Trainer], atol: float):
    """Trial k's weights (G, EMA of G, D) equal those of the k-th unbatched trainer."""
    b.sync()
    for k, t in enumerate(refs):
        pairs = [(t.G, b.trainers[k].G), (t.D, b.trainers[k].D)]
        if t.G_ema is not None:
            pairs.append((t.G_ema, b.trainers[k].G_ema))
        for ref, got in pairs:
            for p, q in zip(ref.parameters(), got.parameters()):
                torch.testing.assert_close(q, p, atol=atol, rtol=1e-4)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu", "tanh"])
def test_stacked_mlp_is_each_mlp(activation):
    torch.manual_seed(0)
    nets = [MLP(2, 3, depth=2, width=8, activation=activation) for _ in range(3)]
    x = torch.randn(3, 5, 2)
    out = StackedMLP(nets)(x)
    for k, net in enumerate(nets):
        torch.testing.assert_close(out[k], net(x[k]), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name, overrides", [
    ("default recipe (nsgan + R1 + EMA + linear lr)", dict(objective=None)),
    ("wgan-gp, n_critic 5, with R1", dict(objective="wgan-gp", r1_gamma=0.5)),
    ("wgan, clipping, rmsprop", dict(objective="wgan")),
    ("hinge without spectral norm", dict(objective="hinge", spectral_norm=False)),
    ("lsgan", dict(objective="lsgan")),
])
def test_one_step_gives_each_trial_the_losses_and_gradients_of_its_trainer(name, overrides):
    objective = overrides.pop("objective")
    cfg = recipe("ring8", objective, steps=100, **SMALL, **overrides)
    b = BatchedTrials(cfg, SEEDS)
    refs = [Trainer(cfg.replace(seed=s)) for s in SEEDS]  # same seeds: the same batches are drawn
    b.step()
    for k, t in enumerate(refs):
        t.step()
        assert float(b.d_loss[k]) == pytest.approx(t.last["d_loss"], rel=1e-5, abs=1e-6), name
        assert float(b.g_loss[k]) == pytest.approx(t.last["g_loss"], rel=1e-5, abs=1e-6), name
        for net_b, net_t in ((b.D, t.D), (b.G, t.G)):
            # atol 1e-7: WGAN's gradients are differences of two batch means, ~1e-9 after cancelling
            for (gw, gb), w, bias in zip(_grads(net_t), net_b.weights, net_b.biases):
                torch.testing.assert_close(w.grad[k], gw, atol=1e-7, rtol=1e-4)
                torch.testing.assert_close(bias.grad[k, 0], gb, atol=1e-7, rtol=1e-4)


def test_several_steps_follow_the_trainer_through_the_lr_decay_and_ema_warm_up():
    # total_steps 6 with the decay from step 3: the lr reaches 0 inside the test, and the EMA's
    # warm-up decay (1 + t) / (10 + t) is below 0.99 at every step.
    cfg = recipe("ring8", steps=6, **SMALL)
    b = BatchedTrials(cfg, SEEDS)
    refs = [Trainer(cfg.replace(seed=s)) for s in SEEDS]
    for _ in range(6):
        b.step()
        for t in refs:
            t.step()
    _assert_close_to_trainers(b, refs, atol=1e-5)
    # the EMA is not G: the check above would pass a path that copied G into the EMA only if they agree
    ema, g = b.trainers[0].G_ema, b.trainers[0].G
    assert max(float((p - q).detach().abs().max()) for p, q in zip(ema.parameters(), g.parameters())) > 1e-3


def test_a_diverged_trial_is_reported_and_leaves_the_others_alone():
    cfg = recipe("ring8", steps=100, **SMALL)
    b = BatchedTrials(cfg, SEEDS)
    with torch.no_grad():
        b.D.weights[1][1, 0, 0] = math.nan  # trial 1 only
    refs = [Trainer(cfg.replace(seed=s)) for s in SEEDS]
    for _ in range(3):
        b.step()
        for t in refs:
            t.step()
    assert "discriminator loss became nan" in b.diverged[1]
    assert b.diverged[0] is None and b.diverged[2] is None
    for k in (0, 2):
        assert float(b.g_loss[k]) == pytest.approx(refs[k].last["g_loss"], rel=1e-4)
    rows = b.summaries()
    assert "diverged" in rows[1]["error"] and "modes_captured" not in rows[1]
    assert rows[0]["modes_captured"] is not None and "error" not in rows[0]


def test_supports_names_what_it_cannot_batch():
    assert supports(recipe("ring8")) is None
    assert supports(recipe("ring8", "wgan-gp")) is None
    assert "autoencoder" in supports(recipe("ring8", "ebgan"))
    assert "spectral_norm" in supports(recipe("ring8", "hinge"))  # SNGAN's recipe
    assert "minibatch" in supports(recipe("ring8", minibatch_kernels=4))
    assert "virtual_batch_norm" in supports(recipe("ring8", virtual_batch_norm=True))
    assert "invalid" in supports(recipe("ring8").replace(batch=0))
    with pytest.raises(ValueError, match="autoencoder"):
        train_trials(recipe("ring8", "began"), [0, 1], 5)


def test_train_trials_returns_each_seed_its_trainer_summary():
    cfg = recipe("ring8", steps=5, **SMALL)
    rows = train_trials(cfg, [3, 1], 5)
    t = Trainer(cfg.replace(seed=3))
    t.train(5)
    ref = t.summary()
    assert [r["seed"] for r in rows] == [3, 1]
    assert set(ref) <= set(rows[0])
    for key in ("dataset", "objective", "steps", "n_modes", "device"):
        assert rows[0][key] == ref[key]
    assert rows[0]["hq_fraction"] == pytest.approx(ref["hq_fraction"], abs=0.02)
    assert rows[0]["seconds"] > 0 and rows[0]["steps_per_second"] > 0
    assert train_trials(cfg, [], 5) == []


# The statistical test: the default recipe on ring8, a short run (the lr decays from half-way to 0 and
# the EMA is on), seeds 0..5, batched against unbatched Trainers. Each mean must lie within
# 3 combined standard errors, sqrt(se_b^2 + se_u^2), of the other's.
STAT_STEPS, STAT_SEEDS, STAT_SE = 400, list(range(6)), 3.0


def agree_within_se(rows_a: list[dict], rows_b: list[dict], keys=("modes_captured", "hq_fraction"), k=STAT_SE):
    """{key: (mean_a, se_a, mean_b, se_b, ok)} with ok = |mean_a - mean_b| <= k sqrt(se_a^2 + se_b^2)."""
    out = {}
    for key in keys:
        ma, sa = mean_and_se([r[key] for r in rows_a])
        mb, sb = mean_and_se([r[key] for r in rows_b])
        out[key] = (ma, sa, mb, sb, abs(ma - mb) <= k * math.hypot(sa, sb))
    return out


def unbatched_rows(cfg, seeds, steps):
    rows = []
    for s in seeds:
        t = Trainer(cfg.replace(seed=s))
        t.train(steps)
        rows.append(t.summary())
    return rows


def test_batched_trials_cover_the_modes_as_unbatched_runs_do():
    cfg = recipe("ring8", steps=STAT_STEPS)
    batched = train_trials(cfg, STAT_SEEDS, STAT_STEPS)
    unbatched = unbatched_rows(cfg, STAT_SEEDS, STAT_STEPS)
    result = agree_within_se(batched, unbatched)
    print({k: tuple(round(x, 4) for x in v[:4]) for k, v in result.items()})
    for key, (mb, sb, mu, su, ok) in result.items():
        assert ok, f"{key}: batched {mb:.3f} +- {sb:.3f}, unbatched {mu:.3f} +- {su:.3f}"
