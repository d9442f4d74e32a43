import pytest
import torch

from ganviz.objectives import OBJECTIVES
from ganviz.training import TrainConfig, Trainer, TrainingDiverged
from ganviz.training.trainer import BoundedHistory

SMALL = dict(g_width=32, d_width=32, batch=64, eval_samples=500, eval_every=10, log_every=1)
# SGD at lr 10 blows up within a few steps (NaN losses) at the default width.
DIVERGING = dict(batch=64, eval_samples=500, eval_every=10, optimizer="sgd", lr_g=10.0, lr_d=10.0)


def test_same_seed_same_run():
    a, b = Trainer(TrainConfig(seed=3, **SMALL)), Trainer(TrainConfig(seed=3, **SMALL))
    a.train(15)
    b.train(15)
    assert torch.equal(a.sample(), b.sample())
    c = Trainer(TrainConfig(seed=4, **SMALL))
    c.train(15)
    assert not torch.equal(a.sample(), c.sample())


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_every_objective_trains_with_finite_losses(objective):
    t = Trainer(TrainConfig(objective=objective, **SMALL))
    t.train(12)
    assert t.step_count == 12
    assert t.d_step_count == 12 * t.config.n_critic
    assert all(torch.isfinite(torch.tensor(r["d_loss"])) for r in t.history.rows)
    assert t.last_eval["modes"] is not None


@pytest.mark.parametrize("extra", [
    dict(objective="nsgan", r1_gamma=1.0, label_smoothing=0.9, historical_averaging=0.01),
    dict(objective="nsgan", feature_matching=True, minibatch_kernels=4),
    dict(objective="hinge", virtual_batch_norm=True, g_ema=0.9),
    dict(objective="wgan-gp", r1_gamma=0.5, lr_schedule="linear", total_steps=10),
    dict(objective="ebgan", ae_pretrain_steps=5),
    dict(objective="fgan", f_divergence="pearson", dataset="gaussian"),
])
def test_options_combine_with_objectives(extra):
    t = Trainer(TrainConfig().replace(**{**SMALL, **extra}))
    t.train(10)
    assert torch.isfinite(t.sample()).all()


def test_invalid_combinations_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="label_smoothing is a setting of mmgan, nsgan; this run's objective is wgan"):
        TrainConfig(objective="wgan").replace(label_smoothing=0.9)
    # a recipe, a link or --set naming another objective's setting is refused unless it is that
    # setting's default (older recipes list every setting)
    with pytest.raises(ValueError, match="gp_lambda is a setting of wgan-gp, not of nsgan"):
        TrainConfig.from_dict({"objective": "nsgan", "gp_lambda": 5})
    assert TrainConfig.from_dict({"objective": "nsgan", "gp_lambda": 10.0}) == TrainConfig()
    with pytest.raises(ValueError, match="gp_lambda must lie in"):
        TrainConfig.from_dict({"objective": "wgan-gp", "gp_lambda": -1}).validate()
    with pytest.raises(ValueError, match="autoencoder"):
        TrainConfig(objective="began").replace(r1_gamma=1.0).validate()
    with pytest.raises(ValueError, match="batch"):
        TrainConfig(batch=0).validate()
    with pytest.raises(ValueError, match="lr_g"):
        TrainConfig(lr_g=float("inf")).validate()


def test_step_d_changes_only_d_and_step_g_only_g():
    t = Trainer(TrainConfig(**SMALL))
    g0 = [p.clone() for p in t.G.parameters()]
    d0 = [p.clone() for p in t.D.parameters()]
    t.step_d()
    assert all(torch.equal(a, b) for a, b in zip(g0, t.G.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(d0, t.D.parameters()))
    assert (t.d_step_count, t.step_count) == (1, 0)  # each counts its own network's steps
    d1 = [p.clone() for p in t.D.parameters()]
    t.step_g()
    assert all(torch.equal(a, b) for a, b in zip(d1, t.D.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(g0, t.G.parameters()))
    assert (t.d_step_count, t.step_count) == (1, 1)


def test_hyperparameters_take_effect_at_the_next_step():
    t = Trainer(TrainConfig(**SMALL))
    t.update(lr_g=1e-3, n_critic=3, beta1=0.1)
    n = t.d_step_count
    t.step()
    assert t.d_step_count == n + 3
    assert t.opt_g.param_groups[0]["lr"] == 1e-3 and t.opt_g.param_groups[0]["betas"][0] == 0.1
    with pytest.raises(ValueError, match="reset"):
        t.update(g_width=64)


def test_linear_lr_schedule_anneals_to_zero():
    t = Trainer(TrainConfig(**SMALL, lr_schedule="linear", total_steps=10, lr_decay_start=0.5, lr_g=1e-3))
    t.train(5)
    t._apply_lr()
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(1e-3)
    t.train(5)
    t._apply_lr()
    assert t.opt_g.param_groups[0]["lr"] == 0.0


def test_divergence_stops_with_a_clear_reason():
    t = Trainer(TrainConfig(**DIVERGING))
    with pytest.raises(TrainingDiverged, match="Lower the learning rates"):
        t.train(200)


def test_history_stays_bounded_and_spans_the_run():
    h = BoundedHistory(10)
    for i in range(1000):
        h.add({"step": i})
    assert len(h.rows) < 10
    assert h.rows[0]["step"] == 0 and h.rows[-1]["step"] > 800


@pytest.mark.parametrize("text", ["9" * 5000, "[" * 3000 + "]" * 3000, "1" * 201])
def test_a_links_huge_or_deep_value_is_refused_with_a_message_not_a_traceback(text):
    from ganviz.training.config import parse_value

    with pytest.raises(ValueError, match="seed must be of type int"):
        TrainConfig.from_dict({"seed": parse_value(text)}).validate()


def test_building_a_trainer_leaves_the_process_as_it_was():
    """A page's server builds trainers (to check an upload): the global generator, the thread count
    and denormal flushing stay the server's; the weights still come from the seed alone."""
    torch.manual_seed(123)
    state, threads = torch.random.get_rng_state(), torch.get_num_threads()
    a = Trainer(TrainConfig(**{**SMALL, "threads": threads + 1}))
    assert torch.equal(torch.random.get_rng_state(), state) and torch.get_num_threads() == threads
    torch.rand(5)  # whatever ran before must not matter
    b = Trainer(TrainConfig(**SMALL))
    assert all(torch.equal(p, q) for p, q in zip(a.G.parameters(), b.G.parameters()))


@pytest.mark.parametrize("foreach", [True, False])
def test_adams_two_cpu_implementations_train_the_same_weights(monkeypatch, foreach):
    """The timed pick of Adam's implementation cannot change a run: forced either way, a toy run's
    weights after 30 steps equal bit for bit those of the run with the pick (NSGAN, and WGAN-GP
    whose penalty adds a second backward)."""
    import ganviz.training.trainer as tr

    for objective in ("nsgan", "wgan-gp"):
        cfg = TrainConfig(dataset="ring8", objective=objective, seed=4)
        picked = Trainer(cfg)
        picked.train(30)
        monkeypatch.setattr(tr, "_foreach_is_faster", lambda shapes, threads: foreach)
        forced = Trainer(cfg)
        assert forced.opt_g.defaults["foreach"] is foreach
        forced.train(30)
        monkeypatch.undo()
        for a, b in zip(picked.G.state_dict().values(), forced.G.state_dict().values()):
            assert torch.equal(a, b)
        for a, b in zip(picked.D.state_dict().values(), forced.D.state_dict().values()):
            assert torch.equal(a, b)


def test_a_toy_runs_adam_uses_the_faster_implementation_and_a_large_net_pytorchs_default():
    from ganviz.training.trainer import TIMED_ADAM, _foreach_is_faster

    t = Trainer(TrainConfig(dataset="ring8"))
    shapes = tuple(tuple(p.shape) for p in t.G.parameters())
    assert sum(p.numel() for p in t.G.parameters()) <= TIMED_ADAM
    assert t.opt_g.defaults["foreach"] is _foreach_is_faster(shapes, torch.get_num_threads())
    big = TrainConfig(dataset="digits", objective="nsgan", arch="dcgan")
    t = Trainer(big)
    assert sum(p.numel() for p in t.D.parameters()) > TIMED_ADAM
    assert t.opt_d.defaults["foreach"] is None
