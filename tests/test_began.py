import doctest
import json
import math
import pickle
import shlex
import time

import pytest
import torch

import ganviz.training.began as tb
from ganviz.nets.began import Autoencoder, Decoder, Encoder
from ganviz.training import checkpoint as ck
from ganviz.training import shipped
from ganviz.training.began import began_config
from ganviz.training.classifier import load_classifier
from ganviz.training.schedules import PlateauHalving
from ganviz.training.trainer import Trainer

TINY = dict(latent_dim=4, ae_code=4, g_width=4, d_width=4, batch=8, log_every=1)


def began(**changes) -> Trainer:
    """A tiny BEGAN run on the one trainer."""
    return Trainer(began_config(**{**TINY, **changes}))


@pytest.fixture(scope="module")
def tiny():
    t = began()
    t.train(3)
    return t


def test_docstring_examples_run():
    import ganviz.data.images
    import ganviz.nets.began
    import ganviz.nets.classifier
    import ganviz.training.schedules
    for mod in (tb, ganviz.nets.began, ganviz.nets.classifier, ganviz.data.images, ganviz.training.schedules):
        assert doctest.testmod(mod).failed == 0, mod.__name__


@pytest.mark.parametrize("size", [16, 32])
def test_shapes_filters_and_skip(size):
    enc, dec = Encoder(h=5, n=4, size=size), Decoder(h=5, n=4, size=size, skip=True)
    x = torch.zeros(2, 1, size, size)
    assert enc(x).shape == (2, 5) and dec(enc(x)).shape == x.shape
    # filters grow linearly with the scales: n, 2n (, 3n); the bottleneck reads 8x8 x (scales * n)
    assert [b.conv1.out_channels for b in enc.blocks] == [4 * (i + 1) for i in range(len(enc.blocks))]
    assert enc.fc.in_features == 8 * 8 * 4 * len(enc.blocks)
    recon, code = Autoencoder(h=5, n=4, size=size)(x)
    assert recon.shape == x.shape and code.shape == (2, 5)


def test_vanishing_residual_carry_goes_from_one_to_zero():
    t = began(residual_steps=4)
    assert t.G.blocks[0].carry == 1.0
    t.train(2)
    assert t.G.blocks[0].carry == pytest.approx(0.5) and t.D.encoder.blocks[0].carry == pytest.approx(0.5)
    t.train(3)
    assert t.G.blocks[0].carry == 0.0


def test_shift_augmentation_translates_each_real_digit_by_at_most_shift_pixels():
    shifted = began(shift=2, seed=3)._real(32)
    plain = began(seed=3)._real(32)  # the same draws, not moved
    pad = torch.nn.functional.pad(plain, (2,) * 4, value=-1.0)
    moves = []
    for x, p in zip(shifted, pad):
        found = [(dy - 2, dx - 2) for dy in range(5) for dx in range(5) if torch.equal(x, p[:, dy:dy + 16, dx:dx + 16])]
        assert found, "a shifted digit is not a translation of its original"
        moves.append(found[0])
    assert len(set(moves)) > 5  # the moves vary


@pytest.mark.parametrize("change, message", [
    (dict(began_gamma=1.5), "began_gamma must lie in"), (dict(image_size=20), "unknown image_size 20"),
    (dict(lr_g=0.0), "lr_g must be"), (dict(batch=0), "batch must be"),
    (dict(objective="nsgan"), "arch 'began' is an autoencoder pair"),
    (dict(arch="dcgan", residual_steps=10), "residual_steps .*arch 'began'"),
    (dict(arch="dcgan", skip=True), "skip connections are BEGAN's"),
])
def test_config_is_validated_at_the_edge(change, message):
    with pytest.raises(ValueError, match=message):
        began_config(**change)
    with pytest.raises(ValueError, match="unknown config keys: gama"):
        began_config(gama=0.5)
    with pytest.raises(ValueError, match="M_global is BEGAN's, not ebgan's"):
        began_config(objective="ebgan", lr_patience=10)


def test_k_t_is_the_objectives_update_and_stays_in_0_1():
    t = began(began_lambda_k=0.5)
    ks = []
    o = t.objective
    for _ in range(6):
        k_before = o.k_t
        t.step()
        expected = min(max(k_before + 0.5 * (0.5 * o.loss_real - o.loss_fake), 0.0), 1.0)
        assert o.k_t == pytest.approx(expected)
        assert o.m_global == pytest.approx(o.loss_real + abs(0.5 * o.loss_real - o.loss_fake))
        ks.append(o.k_t)
    assert all(0 <= k <= 1 for k in ks)


def test_gamma_acts_live_and_structure_needs_a_reset(tiny):
    tiny.update(began_gamma=0.9)
    o = tiny.objective
    k = o.k_t
    tiny.step()
    assert o.k_t == pytest.approx(min(max(k + 0.001 * (0.9 * o.loss_real - o.loss_fake), 0), 1))
    with pytest.raises(ValueError, match="reset"):
        tiny.update(g_width=8)


def test_lr_halves_when_m_global_stops_improving():
    t = began(lr_patience=5)
    plateau = next(s for s in t.schedules if isinstance(s, PlateauHalving))
    t.objective.m_global = 1.0
    for step in range(1, 13):
        t.step_count = step
        plateau(t)
        plateau(t)  # called twice at one step (a page reading the run): no second count
    assert t.lr_factor == pytest.approx(1 / 4)  # no improvement at steps 5 and 10 after the first value
    assert t.learning_rates() == pytest.approx((1e-4 / 4, 1e-4 / 4))
    t.objective.m_global = 0.01  # a clear improvement resets the clock
    for step in range(13, 17):
        t.step_count = step
        plateau(t)
    assert t.lr_factor == pytest.approx(1 / 4)
    t.train(1)  # the trainer applies it to both optimisers
    assert [t.opt_g.param_groups[0]["lr"], t.opt_d.param_groups[0]["lr"]] == pytest.approx([1e-4 / 4] * 2)


def test_the_plateau_state_and_the_lr_travel_in_the_checkpoint(tmp_path):
    t = began(lr_patience=5)
    t.train(4)
    t.lr_factor = 0.5
    back = tb.load(ck.save(t, tmp_path / "p"))
    assert back.lr_factor == 0.5 and back.learning_rates() == t.learning_rates()
    assert [s.state() for s in back.schedules] == [s.state() for s in t.schedules]


def test_checkpoint_round_trip(tiny, tmp_path):
    path = ck.save(tiny, tmp_path / "run0.3", command="python -m ganviz began --gamma 0.3 --steps 4")
    assert path.name == "run0.3.safetensors" and (tmp_path / "run0.3.json").is_file()
    back = tb.load(path)
    assert back.step_count == tiny.step_count and back.objective.k_t == pytest.approx(tiny.objective.k_t)
    assert back.learning_rates() == tiny.learning_rates()
    assert back.history.rows == json.loads(json.dumps(tiny.history.rows))
    z = torch.rand(4, 4) * 2 - 1
    assert torch.allclose(back.sample(z=z), tiny.sample(z=z))
    assert ck.read(path, ("image",), "a test").recipe["command"].startswith("python -m ganviz began")


def test_the_began_trainers_files_open_on_the_one_trainer(tiny, tmp_path):
    """A file of the separate BEGAN trainer (kind "began": h, n, lr, source) opens as the same run."""
    tensors = {f"{p}.{k}": v for p, net in (("G", tiny.G), ("D", tiny.D)) for k, v in net.state_dict().items()}
    old = {"config": {"source": "digits", "size": 16, "channels": 1, "seed": 0, "h": 4, "n": 4, "skip": False,
                      "residual_steps": 0, "batch": 8, "lr": 5e-5, "beta1": 0.5, "beta2": 0.999, "began_gamma": 0.5,
                      "began_lambda_k": 0.001, "began_eta": 1, "shift": 0, "lr_patience": 3000, "lr_min": 1e-6,
                      "steps_hint": 3, "log_every": 1, "history_max": 600, "device": "auto", "threads": 1},
           "state": {"step": 3, "k_t": 0.25, "m_global": 0.5, "lr": 2.5e-5},
           "history": [{"step": 3, "k_t": 0.25, "lr": 2.5e-5}],
           "command": "python -m ganviz began --gamma 0.5 --steps 3 --set h=4 --set n=4 --set lr=5e-05"}
    (tmp_path / "old.safetensors").write_bytes(ck.serialise(tensors, old, "began"))
    back = tb.load(tmp_path / "old.safetensors")
    c = back.config
    assert (c.latent_dim, c.ae_code, c.g_width, c.d_width, c.lr_g, c.lr_d) == (4, 4, 4, 4, 5e-5, 5e-5)
    assert back.objective.k_t == 0.25 and back.learning_rates()[0] == pytest.approx(2.5e-5)
    assert back.history.rows == [{"step": 3, "k_t": 0.25, "lr_g": 2.5e-5}]
    z = torch.rand(4, 4) * 2 - 1
    assert torch.equal(back.sample(z=z), tiny.sample(z=z))
    recipe = ck.read(tmp_path / "old.safetensors", ("image",), "a test").recipe
    assert "--set latent_dim=4 --set ae_code=4 --set g_width=4 --set d_width=4" in recipe["command"]


def test_the_began_page_opens_only_began_runs(tmp_path):
    other = Trainer(began_config(**TINY, objective="ebgan", lr_patience=0))
    with pytest.raises(ck.CheckpointError, match="is a ebgan run; the BEGAN page opens BEGAN runs"):
        tb.load(ck.save(other, tmp_path / "e"))


def test_bad_checkpoints_give_clear_messages(tiny, tmp_path):
    with pytest.raises(ck.CheckpointError, match="no checkpoint"):
        tb.load(tmp_path / "missing.safetensors")
    data = ck.save(tiny, tmp_path / "good").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ck.CheckpointError, match="truncated or not a safetensors"):
        tb.load(tmp_path / "cut.safetensors")
    (tmp_path / "p.safetensors").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ck.CheckpointError, match="pickle"):
        tb.load(tmp_path / "p.safetensors")
    with pytest.raises(ck.CheckpointError, match="a digit classifier checkpoint; the BEGAN page opens image GAN"):
        tb.load(shipped.CLASSIFIER_PATH)
    other = began(g_width=6, d_width=6)
    data = ck.save(other, tmp_path / "other").read_bytes()
    recipe_wrong = ck.save(tiny, tmp_path / "x")
    # weights of a 6-filter net under a 4-filter recipe: the shapes do not fit
    from safetensors.torch import load as st_load, save as st_save
    meta = json.loads(recipe_wrong.read_bytes()[8:8 + int.from_bytes(recipe_wrong.read_bytes()[:8], "little")])
    bad = st_save(st_load(data), metadata=meta["__metadata__"])
    (tmp_path / "mix.safetensors").write_bytes(bad)
    with pytest.raises(ck.CheckpointError, match="do not fit"):
        tb.load(tmp_path / "mix.safetensors")


def test_the_began_page_s_worker_trains_in_its_own_process():
    """The page's run: commands to a child process, the BEGAN snapshot back (nothing trains in the server)."""
    from ganviz.training.process_worker import ProcessWorker

    w = ProcessWorker(tb.make_trainer, began_config(**TINY), tb.take)
    try:
        assert w.snapshot().step == 0 and w.snapshot().samples.shape[1:] == (1, 16, 16)
        w.start()
        t0 = time.time()
        while w.snapshot().step < 3 and time.time() - t0 < 30:
            time.sleep(0.05)
        w.update(began_gamma=0.2)  # acts at the next step, and the next snapshot says so
        assert w.snapshot().gamma == 0.2
        w.pause()
        n = w.snapshot().step
        w.step_once("both")
        assert w.snapshot().step == n + 1 and w.snapshot().error is None
        assert tb.check_bytes(w.checkpoint_bytes())[0].params.began_gamma == 0.2
    finally:
        w.stop()


def test_a_checkpoint_whose_weights_do_not_fit_leaves_the_worker_s_run_as_it_was(tiny):
    from safetensors.torch import load as st_load, save as st_save
    from ganviz.training.process_worker import ProcessWorker

    good = ck.to_bytes(tiny)
    header = json.loads(good[8:8 + int.from_bytes(good[:8], "little")])
    mixed = st_save(st_load(ck.to_bytes(began(g_width=6, d_width=6))), metadata=header["__metadata__"])
    config = tb.check_bytes(mixed)[0]  # the recipe is fine: only building finds the weights do not fit
    w = ProcessWorker(tb.make_trainer, began_config(**TINY), tb.take)
    try:
        w.load(good, config)
        assert w.snapshot().step == tiny.step_count > 0
        with pytest.raises(ck.CheckpointError, match="do not fit"):
            w.load(mixed, config)
        assert w.snapshot().step == tiny.step_count and w.snapshot().error is None
    finally:
        w.stop()


# --- the shipped checkpoints: the must-show numbers, measured on 500 samples ------------------
@pytest.fixture(scope="module")
def sweep_rows():
    return shipped.sweep(load_classifier(shipped.CLASSIFIER_PATH), 500, 0, shipped.CHECKPOINTS)


def test_shipped_files_are_small_with_reproducing_commands():
    found = shipped.shipped_began(shipped.CHECKPOINTS)
    assert sorted(found) == [0.3, 0.5, 0.7]
    for gamma, path in found.items():
        assert path.stat().st_size < 4 * 2**20
        recipe = json.loads(path.with_suffix(".json").read_text())
        assert recipe["command"].startswith(f"python -m ganviz began --gamma {gamma:g} --steps {recipe['state']['step']}")
        assert recipe["config"]["began_gamma"] == gamma
        # the recorded command, parsed by today's command line, asks for this very recipe
        from ganviz.__main__ import build_parser
        args = build_parser().parse_args(shlex.split(recipe["command"])[3:])
        assert args.gamma == gamma and args.steps == recipe["state"]["step"]
        asked = began_config(began_gamma=args.gamma, **dict(args.set)).to_dict()
        assert asked == {**recipe["config"], "device": "auto"}
    clf = json.loads(shipped.CLASSIFIER_PATH.with_suffix(".json").read_text())
    assert clf["command"].startswith("python -m ganviz classifier") and clf["test_accuracy"] >= 0.97


def test_gamma_0_5_draws_digits(sweep_rows):
    row = next(r for r in sweep_rows if r["gamma"] == 0.5)
    assert row["quality"] >= 0.8 and row["classes_present"] >= 8, row


def test_class_entropy_rises_with_gamma(sweep_rows):
    entropies = [r["class_entropy"] for r in sorted(sweep_rows, key=lambda r: r["gamma"])]
    assert entropies == sorted(entropies) and entropies[0] < entropies[-1], entropies


def test_pairwise_distance_rises_with_gamma(sweep_rows):
    distances = [r["pairwise_distance"] for r in sorted(sweep_rows, key=lambda r: r["gamma"])]
    assert distances == sorted(distances) and distances[-1] > 2 * distances[0], distances


def _history(gamma):
    rows = ck.read(shipped.CHECKPOINTS / f"began_gamma{gamma:g}.safetensors", ("image",), "a test").recipe["history"]
    return [r["k_t"] for r in rows], [r["m_global"] for r in rows if math.isfinite(r["m_global"])]


@pytest.mark.parametrize("gamma", [0.3, 0.5, 0.7])
def test_shipped_runs_keep_k_t_in_0_1_and_m_global_falls(gamma):
    k, m = _history(gamma)
    assert all(0 <= v <= 1 for v in k) and max(k) > 0
    tenth = len(m) // 10
    assert sum(m[-tenth:]) / tenth < 0.5 * sum(m[:tenth]) / tenth  # M_global falls (here ~6-9x)


@pytest.mark.parametrize("gamma", [0.3, 0.5, 0.7])
def test_shipped_runs_k_t_settles_away_from_0(gamma):
    k, _ = _history(gamma)
    assert min(k[-len(k) // 5:]) > 0.005, min(k[-len(k) // 5:])


def test_k_t_answers_the_gamma_slider_on_a_shipped_run():
    t = tb.load(shipped.CHECKPOINTS / "began_gamma0.5.safetensors")
    o = t.objective
    k0 = o.k_t
    t.update(began_gamma=0.1)  # fakes must now be reconstructed 10x better than data: k_t falls
    t.train(10)
    assert o.k_t < k0
    k1 = o.k_t
    t.update(began_gamma=1.0)  # any fake is good enough: k_t climbs
    t.train(10)
    assert o.k_t > k1


def test_steps_per_second_counts_only_the_steps_timed_here():
    t = tb.load(shipped.CHECKPOINTS / "began_gamma0.5.safetensors")
    loaded = t.train_seconds
    assert loaded > 0  # the run's own training time travels with it
    t.train(3)
    # 2,000 loaded steps plus 3 here over a fraction of a second read 1,000s of steps/s before
    assert t.steps_per_second == pytest.approx(3 / (t.train_seconds - loaded))


@pytest.mark.parametrize("change, message", [
    ({"latent_dim": 200_000}, "latent_dim = 200000; this server takes at most 128"),
    ({"g_width": 768}, "g_width = 768"),
    ({"batch": 10_000}, "batch = 10000"),
])
def test_an_uploaded_recipe_is_bounded_before_a_trainer_is_built(change, message, monkeypatch):
    from safetensors.torch import load as st_load
    from safetensors.torch import save as st_save

    data = ck.to_bytes(began())
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    meta = header["__metadata__"]
    recipe = json.loads(meta["recipe"])
    recipe["config"].update(change)
    forged = st_save(st_load(data), metadata={**meta, "recipe": json.dumps(recipe)})
    monkeypatch.setattr(ck, "Trainer", lambda *a, **k: pytest.fail("a trainer was built"))
    digits = lambda c: pytest.fail("data were opened")
    with pytest.raises(ck.CheckpointError, match=message):
        tb.from_bytes(forged, digits)
    recipe["config"].update(latent_dim=4, g_width=4, batch=8, threads=256)
    recipe["state"]["step"] = "x"
    with pytest.raises(ck.CheckpointError, match="recipe is damaged"):
        tb.from_bytes(st_save(st_load(data), metadata={**meta, "recipe": json.dumps(recipe)}), digits)
