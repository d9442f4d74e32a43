import doctest
import json
import math
import pickle
import time

import pytest
import torch

import ganviz.training.began as tb
from ganviz.nets.began import Autoencoder, Decoder, Encoder
from ganviz.training import checkpoint as ck
from ganviz.training import shipped
from ganviz.training.began import BEGANConfig, BEGANTrainer
from ganviz.training.classifier import load_classifier
from ganviz.training.worker import TrainerWorker

TINY = dict(n=4, h=4, batch=8, log_every=1)


@pytest.fixture(scope="module")
def tiny():
    t = BEGANTrainer(BEGANConfig(**TINY))
    t.train(3)
    return t


def test_docstring_examples_run():
    import ganviz.data.images
    import ganviz.nets.began
    import ganviz.nets.classifier
    for mod in (tb, ganviz.nets.began, ganviz.nets.classifier, ganviz.data.images):
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
    t = BEGANTrainer(BEGANConfig(**TINY, residual_steps=4))
    assert t.G.blocks[0].carry == 1.0
    t.train(2)
    assert t.G.blocks[0].carry == pytest.approx(0.5) and t.D.encoder.blocks[0].carry == pytest.approx(0.5)
    t.train(3)
    assert t.G.blocks[0].carry == 0.0


def test_shift_augmentation_translates_each_real_digit_by_at_most_shift_pixels():
    shifted = BEGANTrainer(BEGANConfig(**TINY, shift=2, seed=3))._real(32)
    plain = BEGANTrainer(BEGANConfig(**TINY, seed=3))._real(32)  # the same draws, not moved
    pad = torch.nn.functional.pad(plain, (2,) * 4, value=-1.0)
    moves = []
    for x, p in zip(shifted, pad):
        found = [(dy - 2, dx - 2) for dy in range(5) for dx in range(5) if torch.equal(x, p[:, dy:dy + 16, dx:dx + 16])]
        assert found, "a shifted digit is not a translation of its original"
        moves.append(found[0])
    assert len(set(moves)) > 5  # the moves vary


@pytest.mark.parametrize("change, message", [
    (dict(began_gamma=1.5), "began_gamma must lie in"), (dict(size=20), "size must be one of"),
    (dict(lr=0.0), "lr must be"), (dict(batch=0), "batch must be"),
])
def test_config_is_validated_at_the_edge(change, message):
    with pytest.raises(ValueError, match=message):
        BEGANConfig(**change).validate()
    with pytest.raises(ValueError, match="unknown BEGAN setting"):
        BEGANConfig().replace(gama=0.5)


def test_k_t_is_the_objectives_update_and_stays_in_0_1():
    t = BEGANTrainer(BEGANConfig(**TINY, began_lambda_k=0.5))
    ks = []
    for _ in range(6):
        k_before = t.k_t
        t.step()
        o = t.objective
        expected = min(max(k_before + 0.5 * (0.5 * o.loss_real - o.loss_fake), 0.0), 1.0)
        assert t.k_t == pytest.approx(expected)
        assert t.m_global == pytest.approx(o.loss_real + abs(0.5 * o.loss_real - o.loss_fake))
        ks.append(t.k_t)
    assert all(0 <= k <= 1 for k in ks)


def test_gamma_acts_live_and_structure_needs_a_reset(tiny):
    tiny.update(began_gamma=0.9)
    k = tiny.k_t
    tiny.step()
    o = tiny.objective
    assert tiny.k_t == pytest.approx(min(max(k + 0.001 * (0.9 * o.loss_real - o.loss_fake), 0), 1))
    with pytest.raises(ValueError, match="reset"):
        tiny.update(n=8)


def test_lr_halves_when_m_global_stops_improving():
    t = BEGANTrainer(BEGANConfig(**TINY, lr_patience=5))
    t.objective.m_global = 1.0
    for step in range(1, 13):
        t.step_count = step
        t._plateau()
    assert t.lr == pytest.approx(1e-4 / 4)  # no improvement at steps 5 and 10 after the first value
    t.objective.m_global = 0.01  # a clear improvement resets the clock
    for step in range(13, 17):
        t.step_count = step
        t._plateau()
    assert t.lr == pytest.approx(1e-4 / 4)


def test_checkpoint_round_trip(tiny, tmp_path):
    path = tb.save(tiny, tmp_path / "run0.3", command="python -m ganviz began --gamma 0.3 --steps 4")
    assert path.name == "run0.3.safetensors" and (tmp_path / "run0.3.json").is_file()
    back = tb.load(path)
    assert back.step_count == tiny.step_count and back.k_t == pytest.approx(tiny.k_t) and back.lr == tiny.lr
    assert back.history.rows == json.loads(json.dumps(tiny.history.rows))
    z = torch.rand(4, 4) * 2 - 1
    assert torch.allclose(back.sample(z=z), tiny.sample(z=z))
    assert tb.recipe_of(path)["command"].startswith("python -m ganviz began")


def test_bad_checkpoints_give_clear_messages(tiny, tmp_path):
    with pytest.raises(ck.CheckpointError, match="no checkpoint"):
        tb.load(tmp_path / "missing.safetensors")
    data = tb.save(tiny, tmp_path / "good").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ck.CheckpointError, match="truncated or not a safetensors"):
        tb.load(tmp_path / "cut.safetensors")
    (tmp_path / "p.safetensors").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ck.CheckpointError, match="pickle"):
        tb.load(tmp_path / "p.safetensors")
    with pytest.raises(ck.CheckpointError, match="a digit classifier checkpoint; the BEGAN trainer opens BEGAN"):
        tb.load(shipped.CLASSIFIER_PATH)
    other = BEGANTrainer(BEGANConfig(**{**TINY, "n": 6}))
    data = tb.save(other, tmp_path / "other").read_bytes()
    recipe_wrong = tb.save(tiny, tmp_path / "x")
    # weights of a 6-filter net under a 4-filter recipe: the shapes do not fit
    from safetensors.torch import load as st_load, save as st_save
    meta = json.loads(recipe_wrong.read_bytes()[8:8 + int.from_bytes(recipe_wrong.read_bytes()[:8], "little")])
    bad = st_save(st_load(data), metadata=meta["__metadata__"])
    (tmp_path / "mix.safetensors").write_bytes(bad)
    with pytest.raises(ck.CheckpointError, match="do not fit"):
        tb.load(tmp_path / "mix.safetensors")


def test_worker_drives_the_began_trainer():
    w = TrainerWorker(BEGANTrainer(BEGANConfig(**TINY)))
    w.start()
    t0 = time.time()
    while w.read(lambda t: t.step_count) < 3 and time.time() - t0 < 20:
        time.sleep(0.05)
    w.update(began_gamma=0.2)
    w.pause()
    assert w.trainer.step_count >= 3 and w.trainer.config.began_gamma == 0.2 and w.error is None
    w.step_once("d")
    w.step_once("g")


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
    rows = tb.recipe_of(shipped.CHECKPOINTS / f"began_gamma{gamma:g}.safetensors")["history"]
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
    k0 = t.k_t
    t.update(began_gamma=0.1)  # fakes must now be reconstructed 10x better than data: k_t falls
    t.train(10)
    assert t.k_t < k0
    k1 = t.k_t
    t.update(began_gamma=1.0)  # any fake is good enough: k_t climbs
    t.train(10)
    assert t.k_t > k1


def test_steps_per_second_counts_only_the_steps_timed_here():
    t = tb.load(shipped.CHECKPOINTS / "began_gamma0.5.safetensors")
    t.train(3)
    # 2,000 loaded steps plus 3 here over a fraction of a second read 1,000s of steps/s before
    assert t.steps_per_second == pytest.approx(3 / t.train_seconds)


@pytest.mark.parametrize("change, message", [
    ({"h": 200_000}, "h = 200000; this server takes at most 128"),
    ({"n": 768}, "n = 768"),
    ({"batch": 10_000}, "batch = 10000"),
])
def test_an_uploaded_recipe_is_bounded_before_a_trainer_is_built(change, message, monkeypatch):
    from safetensors.torch import load as st_load
    from safetensors.torch import save as st_save

    data = tb.to_bytes(BEGANTrainer(BEGANConfig(**TINY)))
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    meta = header["__metadata__"]
    recipe = json.loads(meta["recipe"])
    recipe["config"].update(change)
    forged = st_save(st_load(data), metadata={**meta, "recipe": json.dumps(recipe)})
    monkeypatch.setattr(tb, "BEGANTrainer", lambda *a, **k: pytest.fail("a trainer was built"))
    with pytest.raises(ck.CheckpointError, match=message):
        tb.from_bytes(forged)
    recipe["config"].update(h=4, n=4, batch=8, threads=256)
    recipe["state"]["step"] = "x"
    with pytest.raises(ck.CheckpointError, match="recipe is damaged"):
        tb.from_bytes(st_save(st_load(data), metadata={**meta, "recipe": json.dumps(recipe)}))
