import io
import json
import os
import pickle

import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ganviz.training import TrainConfig, Trainer
from ganviz.training import checkpoint as ck

SMALL = dict(g_width=32, d_width=32, batch=64, eval_samples=300)


@pytest.fixture
def trained():
    t = Trainer(TrainConfig(objective="hinge", g_ema=0.9, **SMALL))
    t.train(5)
    return t


def test_round_trip_restores_weights_recipe_and_state(trained, tmp_path):
    path = ck.save(trained, tmp_path / "run", command="python -m ganviz train --dataset ring8")
    assert path.suffix == ".safetensors" and path.with_suffix(".json").is_file()
    recipe = json.loads(path.with_suffix(".json").read_text())
    assert recipe["config"]["objective"] == "hinge" and recipe["command"].startswith("python -m ganviz")
    back = ck.load(path)
    assert back.step_count == 5
    assert torch.equal(back.sample(), trained.sample())
    # spectral norm's u vector is part of the state: the next D output matches too
    x = torch.randn(4, 2)
    assert torch.allclose(back.D(x), trained.D(x))


def test_a_reopened_run_keeps_its_curves_and_time():
    """An upload to the toy lab continues the run with its loss and mode curves, not from a blank chart."""
    t = Trainer(TrainConfig(**{**SMALL, "log_every": 1, "eval_every": 2}))
    t.train(6)
    back = ck.from_bytes(ck.to_bytes(t))
    assert back.history.rows == json.loads(json.dumps(t.history.rows)) and len(back.history.rows) == 6
    assert back.eval_history.rows == json.loads(json.dumps(t.eval_history.rows)) and len(back.eval_history.rows) == 3
    assert back.train_seconds == pytest.approx(t.train_seconds, abs=1e-3) and back.train_seconds > 0


def test_began_k_t_survives_a_round_trip(tmp_path):
    t = Trainer(TrainConfig(objective="began", **SMALL))
    t.objective.k_t = 0.37
    assert ck.load(ck.save(t, tmp_path / "b")).objective.k_t == pytest.approx(0.37)


def test_truncated_file_is_refused(trained, tmp_path):
    data = ck.to_bytes(trained)
    for cut in (0, 5, 100, len(data) // 2, len(data) - 1):
        with pytest.raises(ck.CheckpointError, match="truncated or not a safetensors"):
            ck.from_bytes(data[:cut])


class _Payload:
    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickle_payload_is_never_run(tmp_path):
    marker = tmp_path / "pwned"
    p = _Payload()
    p.marker = marker
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps(p))
    with pytest.raises(ck.CheckpointError, match="pickle"):
        ck.load(evil)
    buf = io.BytesIO()
    torch.save({"x": p}, buf)
    evil.write_bytes(buf.getvalue())
    with pytest.raises(ck.CheckpointError, match="zip archive"):
        ck.load(evil)
    assert not marker.exists()


def test_foreign_safetensors_and_damaged_recipe(tmp_path):
    with pytest.raises(ck.CheckpointError, match="not written by ganviz"):
        ck.from_bytes(st_save({"w": torch.zeros(2)}))
    with pytest.raises(ck.CheckpointError, match="damaged"):
        ck.from_bytes(st_save({"w": torch.zeros(2)},
                              metadata={"format": ck.FORMAT, "kind": "toy", "version": "2", "recipe": "{not json"}))


def test_other_architecture_is_refused(trained):
    data = ck.to_bytes(trained)
    recipe = ck.parse(data, ("toy",), "the test").recipe
    recipe["config"]["g_width"] = 64
    forged = ck.serialise(st_load(data), recipe, "toy")
    with pytest.raises(ck.CheckpointError, match="do not fit the architecture"):
        ck.from_bytes(forged)


def test_missing_and_oversize_files(tmp_path, monkeypatch):
    with pytest.raises(ck.CheckpointError, match="no checkpoint"):
        ck.load(tmp_path / "nothing.safetensors")
    big = tmp_path / "big.safetensors"
    big.write_bytes(b"0" * 2048)
    monkeypatch.setattr(ck, "MAX_BYTES", 1024)
    with pytest.raises(ck.CheckpointError, match="at most"):
        ck.load(big)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "a.bin"
    ck.atomic_write(target, b"old")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        ck.atomic_write(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]  # no temporary file left


def test_a_dotted_name_keeps_its_dots(trained, tmp_path):
    path = ck.save(trained, tmp_path / "run_gamma0.3")
    assert path.name == "run_gamma0.3.safetensors" and (tmp_path / "run_gamma0.3.json").is_file()


def _with_recipe(data: bytes, change) -> bytes:
    """The same safetensors file with its recipe edited by ``change(recipe)`` (as a hostile upload)."""
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    meta = header["__metadata__"]
    recipe = json.loads(meta["recipe"])
    change(recipe)
    return st_save(st_load(data), metadata={**meta, "recipe": json.dumps(recipe)})


@pytest.mark.parametrize("change, message", [
    (lambda r: r["config"].update(g_width=4096, d_width=4096), "g_width = 4096; this server takes at most 512"),
    (lambda r: r["config"].update(eval_samples=50_000_000), "eval_samples = 5e\\+07"),
    (lambda r: r["config"].update(objective="ebgan", ae_pretrain_steps=10**9), "ae_pretrain_steps"),
    (lambda r: r["config"].update(n_critic=20), "n_critic = 20; this server takes at most 10"),
    (lambda r: r.pop("state"), "recipe is damaged"),
    (lambda r: r["state"].update(step="x"), "recipe is damaged"),
    (lambda r: r["config"].update(seed=2**70), "cannot rebuild|damaged"),
])
def test_an_uploaded_recipe_is_bounded_before_anything_is_built(change, message, monkeypatch):
    t = Trainer(TrainConfig(g_width=16, d_width=16, batch=32, eval_samples=200))
    data = ck.to_bytes(t)
    built = []
    real = ck.Trainer
    monkeypatch.setattr(ck, "Trainer", lambda c, data=None: built.append(c) or real(c, data))
    with pytest.raises(ck.CheckpointError, match=message):
        ck.from_bytes(_with_recipe(data, change))
    assert not any(c.g_width > 512 or c.eval_samples > 5000 for c in built)  # nothing big was built


def test_an_uploaded_recipe_cannot_set_the_servers_threads_or_device():
    t = Trainer(TrainConfig(g_width=16, d_width=16, batch=32, eval_samples=200))
    data = ck.to_bytes(t)
    back = ck.from_bytes(_with_recipe(data, lambda r: r["config"].update(threads=512, device="cpu")))
    assert back.config.threads == 1 and back.config.device == "auto" and torch.get_num_threads() == 1
    # the command line's own files are not bound
    assert ck.from_bytes(_with_recipe(data, lambda r: r["config"].update(n_critic=20)), limits=None).config.n_critic == 20


def test_atomic_write_gives_a_new_file_the_usual_mode_and_keeps_an_old_files(tmp_path):
    fresh = tmp_path / "fresh.bin"
    ck.atomic_write(fresh, b"x")
    assert fresh.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
    fresh.chmod(0o640)
    ck.atomic_write(fresh, b"y")
    assert fresh.stat().st_mode & 0o777 == 0o640 and fresh.read_bytes() == b"y"
