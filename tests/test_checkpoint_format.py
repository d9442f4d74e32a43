"""The one checkpoint format: every writer's header and .json, a reader refusing another kind with a
message naming both, the older formats read through the converter, the shipped checkpoints rewritten
with the very tensors of the files they replace, and ``python -m ganviz convert-checkpoint``."""

import json
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ganviz.nets.classifier import DigitClassifier
from ganviz.training import TrainConfig, Trainer
from ganviz.training import began as tb
from ganviz.training import checkpoint as ck
from ganviz.training import classifier as tc
from ganviz.training import shipped
from tests.conftest import run_main

REPO = Path(__file__).resolve().parents[1]
# The last commit whose checkpoints/ held the files of the old formats (before the conversion).
OLD_COMMIT = "9e0a8864344f343784264865501686a9fb4567c6"
SHIPPED = ["began_gamma0.3", "began_gamma0.5", "began_gamma0.7", "digit_classifier"]
TINY_BEGAN = dict(latent_dim=4, ae_code=4, g_width=4, d_width=4, batch=4, log_every=1)


def _meta(data: bytes) -> dict:
    return json.loads(data[8:8 + int.from_bytes(data[:8], "little")])["__metadata__"]


def _toy() -> Trainer:
    t = Trainer(TrainConfig(g_width=16, d_width=16, batch=32, eval_samples=200))
    t.train(2)
    return t


def _image() -> Trainer:
    return Trainer(TrainConfig(dataset="digits", g_width=4, d_width=4, batch=8, eval_samples=100))


def _began() -> Trainer:
    t = Trainer(tb.began_config(**TINY_BEGAN))
    t.train(2)
    return t


def _began_kind(t: Trainer, command: str | None = None) -> bytes:
    """``t`` as the separate BEGAN trainer wrote it (kind "began": its config named h, n, lr, source)."""
    c = t.config
    config = {"source": "digits", "size": c.image_size, "channels": 1, "seed": c.seed, "h": c.latent_dim,
              "n": c.g_width, "skip": c.skip, "residual_steps": c.residual_steps, "batch": c.batch, "lr": c.lr_g,
              "beta1": c.beta1, "beta2": c.beta2, **c.params.to_dict(), "shift": c.shift,
              "lr_patience": c.lr_patience, "lr_min": c.lr_min, "steps_hint": t.step_count,
              "log_every": c.log_every, "history_max": c.history_max, "device": "auto", "threads": 1}
    history = [{("lr" if k == "lr_g" else k): v for k, v in row.items()} for row in t.history.rows]
    state = {"step": t.step_count, "k_t": t.objective.k_t, "m_global": t.objective.m_global, "lr": c.lr_g}
    return ck.serialise(ck._tensors(t), {"config": config, "state": state, "history": history, "command": command},
                        "began")


def _save_classifier(path: Path) -> Path:
    return tc.save_classifier(DigitClassifier(size=16), path, {"steps": 0}, command="python -m ganviz classifier")


def _old_file(data: bytes, fmt: str) -> bytes:
    """``data`` (a file of this format) as the old writer of ``fmt`` wrote it: its header named
    only the format and version "1", and its recipe carried the same two keys first."""
    recipe = json.loads(_meta(data)["recipe"])  # as written, before any reader maps it
    old = {"format": fmt, "version": "1", **recipe}
    return st_save(st_load(data), metadata={"format": fmt, "version": "1", "recipe": json.dumps(old)})


# --- the header and the .json of every writer ----------------------------------------------------
@pytest.mark.parametrize("kind", ["toy", "image", "classifier"])
def test_every_writer_puts_format_kind_version_and_recipe_in_the_header(kind, tmp_path):
    if kind == "classifier":
        path = _save_classifier(tmp_path / "m")
    else:
        path = ck.save(_toy() if kind == "toy" else _image(), tmp_path / "m", command="python -m ganviz train")
    meta = _meta(path.read_bytes())
    assert sorted(meta) == ["format", "kind", "recipe", "version"]
    assert (meta["format"], meta["kind"], meta["version"]) == ("ganviz", kind, "2")
    recipe = json.loads(meta["recipe"])
    assert recipe["command"].startswith("python -m ganviz") and "format" not in recipe
    # the .json beside it is the same header, readable
    side = json.loads(path.with_suffix(".json").read_text())
    assert side == {"format": "ganviz", "kind": kind, "version": 2, **recipe}
    assert list(side)[:3] == ["format", "kind", "version"]


def test_to_bytes_is_the_file_save_writes(tmp_path):
    t = _toy()
    data = ck.to_bytes(t, command="c")
    assert isinstance(data, bytes)
    saved = ck.save(t, tmp_path / "m", command="c").read_bytes()
    assert _meta(data) == _meta(saved) and st_load(data).keys() == st_load(saved).keys()


# --- a reader names the kinds it opens ------------------------------------------------------------
def test_a_reader_refuses_another_kind_naming_both(tmp_path):
    began_file = tmp_path / "b.safetensors"
    began_file.write_bytes(_began_kind(_began()))
    clf_file = _save_classifier(tmp_path / "c")
    image = ck.to_bytes(_image())
    with pytest.raises(ck.CheckpointError, match=r"^this is an image GAN checkpoint; the toy lab opens toy GAN "
                                                 r"checkpoints: choose one saved by the toy lab"):
        ck.from_bytes(image, kinds=("toy",), reader="the toy lab")
    # the separate BEGAN trainer's files are image runs now
    assert ck.load(began_file).config.arch == "began"
    with pytest.raises(ck.CheckpointError, match="^this is a digit classifier checkpoint; the BEGAN page opens "
                                                 "image GAN checkpoints: choose one saved by the image lab, the BEGAN page"):
        tb.load(clf_file)
    with pytest.raises(ck.CheckpointError, match="^this is an image GAN checkpoint; the classifier's loader opens "
                                                 "digit classifier checkpoints"):
        tc.load_classifier(began_file)
    # the one Trainer opens both of its kinds
    assert ck.from_bytes(image, limits=None).config.dataset == "digits"
    assert ck.from_bytes(ck.to_bytes(_toy())).step_count == 2


@pytest.mark.parametrize("meta, words", [
    ({"format": "ganviz", "kind": "toy", "version": "3"}, "format version '3'; this ganviz reads version 2"),
    ({"format": "ganviz", "kind": "toy"}, "format version None"),
    ({"format": "ganviz", "kind": "video", "version": "2"}, "kind 'video' is unknown; the kinds are toy, image"),
    ({"format": "other-tool", "version": "2"}, "not written by ganviz \\(its header's format is 'other-tool'"),
])
def test_a_newer_version_an_unknown_kind_or_a_foreign_format_says_so(meta, words):
    data = st_save({"w": torch.zeros(2)}, metadata={**meta, "recipe": "{}"})
    with pytest.raises(ck.CheckpointError, match=words):
        ck.parse(data, tuple(ck.KINDS), "the test")


def test_a_recipe_that_is_not_an_object_is_damaged():
    data = st_save({"w": torch.zeros(2)}, metadata={"format": "ganviz", "kind": "toy", "version": "2", "recipe": "[1]"})
    with pytest.raises(ck.CheckpointError, match="recipe is damaged: it is not a JSON object"):
        ck.from_bytes(data)


def test_writing_an_unknown_kind_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="unknown checkpoint kind 'video'"):
        ck.write(tmp_path / "x", {"w": torch.zeros(1)}, {}, "video")
    assert list(tmp_path.iterdir()) == []


# --- the older formats keep opening ---------------------------------------------------------------
def test_an_old_toy_file_opens_as_a_toy_checkpoint():
    t = _toy()
    old = _old_file(ck.to_bytes(t, command="python -m ganviz train"), "ganviz-toy-gan")
    kind, recipe, _ = ck.parse(old, ("toy",), "the test")
    assert kind == "toy" and recipe["converted_from"] == "ganviz-toy-gan v1" and "format" not in recipe
    back = ck.from_bytes(old)
    assert back.step_count == 2 and torch.equal(back.sample(), t.sample())


def test_an_old_toy_trainer_file_on_images_becomes_kind_image():
    old = _old_file(ck.to_bytes(_image()), "ganviz-toy-gan")
    assert ck.parse(old, ck.TRAINER_KINDS, "the test").kind == "image"
    with pytest.raises(ck.CheckpointError, match="this is an image GAN checkpoint; the toy lab opens toy GAN"):
        ck.from_bytes(old, kinds=("toy",), reader="the toy lab")


def test_old_began_and_classifier_files_open(tmp_path):
    t = _began()
    old_began = _old_file(_began_kind(t), "ganviz-began")
    from ganviz.data.access import open_named
    back = tb.from_bytes(old_began, lambda c: open_named(tb.source_of(c), c.image_size))
    z = torch.rand(3, 4) * 2 - 1
    assert back.step_count == 2 and back.objective.k_t == pytest.approx(t.objective.k_t)
    assert torch.equal(back.sample(z=z), t.sample(z=z)) and back.history.rows == t.history.rows
    old_clf = tmp_path / "old_clf.safetensors"
    old_clf.write_bytes(_old_file(_save_classifier(tmp_path / "c").read_bytes(), "ganviz-classifier"))
    x = torch.rand(2, 1, 16, 16) * 2 - 1
    assert torch.equal(tc.load_classifier(old_clf)(x), tc.load_classifier(tmp_path / "c.safetensors")(x))
    # an old file keeps its kind too
    (tmp_path / "b.safetensors").write_bytes(old_began)
    with pytest.raises(ck.CheckpointError, match="this is an image GAN checkpoint; the classifier's loader"):
        tc.load_classifier(tmp_path / "b.safetensors")


# --- the shipped checkpoints, converted from the old files ----------------------------------------
def _old_shipped(name: str) -> bytes:
    try:
        return subprocess.run(["git", "show", f"{OLD_COMMIT}:checkpoints/{name}.safetensors"], cwd=REPO,
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"the old shipped files come from git history ({OLD_COMMIT[:7]}), not here: {e}")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_checkpoints_are_the_new_format_with_the_old_files_tensors(name):
    new_bytes = (shipped.CHECKPOINTS / f"{name}.safetensors").read_bytes()
    old_bytes = _old_shipped(name)
    meta = _meta(new_bytes)
    old_kind = "classifier" if name == "digit_classifier" else "began"
    kind = "classifier" if name == "digit_classifier" else "image"  # BEGAN's runs are the one trainer's
    assert (meta["format"], meta["kind"], meta["version"]) == ("ganviz", kind, "2")
    old_meta = _meta(old_bytes)
    assert old_meta["format"] == f"ganviz-{old_kind}" and old_meta["version"] == "1"
    new, old = st_load(new_bytes), st_load(old_bytes)
    assert new.keys() == old.keys() and len(new) >= 6
    for k in old:
        assert new[k].dtype == old[k].dtype and torch.equal(new[k], old[k]), k
    # the recipe is the old one mapped: its format and version gone, where it came from added
    old_recipe = json.loads(old_meta["recipe"])
    expected = {k: v for k, v in old_recipe.items() if k not in ("format", "version")}
    recipe = json.loads(meta["recipe"])
    if kind == "classifier":
        assert recipe == {**expected, "converted_from": "ganviz-classifier v1"}
    else:  # BEGAN's names mapped onto the one config's, its state and history kept
        assert recipe["converted_from"] == "ganviz-began v1 then began (BEGANTrainer)"
        c, o = recipe["config"], expected["config"]
        assert (c["latent_dim"], c["ae_code"], c["g_width"], c["d_width"], c["lr_g"], c["lr_d"]) == (
            o["h"], o["h"], o["n"], o["n"], o["lr"], o["lr"])
        assert (c["objective"], c["arch"], c["latent_dist"], c["began_gamma"]) == ("began", "began", "uniform",
                                                                                  o["began_gamma"])
        assert recipe["state"]["step"] == expected["state"]["step"]
        assert recipe["state"]["objective"]["k_t"] == expected["state"]["k_t"]
        assert [r["k_t"] for r in recipe["history"]] == [r["k_t"] for r in expected["history"]]
    assert expected["command"].startswith(f"python -m ganviz {'classifier' if kind == 'classifier' else 'began'}")
    side = json.loads((shipped.CHECKPOINTS / f"{name}.json").read_text())
    assert side == {"format": "ganviz", "kind": kind, "version": 2, **recipe}


def test_the_readme_records_the_conversion_command():
    readme = (shipped.CHECKPOINTS / "README.md").read_text()
    for name in SHIPPED:
        assert f"python -m ganviz convert-checkpoint checkpoints/{name}.safetensors checkpoints/{name}" in readme


# --- python -m ganviz convert-checkpoint ----------------------------------------------------------
def test_convert_command_rewrites_an_old_file_in_place_with_the_same_tensors(tmp_path, capsys):
    t = _began()
    old = _old_file(_began_kind(t, command="python -m ganviz began --steps 2 --set h=4"), "ganviz-began")
    path = tmp_path / "run.safetensors"
    path.write_bytes(old)
    status, out, err = run_main(capsys, "convert-checkpoint", str(path), str(tmp_path / "run"), "--json")
    assert status == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary == {"from": "ganviz-began v1", "to": "ganviz v2", "kind": "image", "tensors": len(st_load(old)),
                       "checkpoint": str(path)}
    new = path.read_bytes()
    assert _meta(new)["kind"] == "image" and all(torch.equal(v, st_load(old)[k]) for k, v in st_load(new).items())
    assert (json.loads((tmp_path / "run.json").read_text())["command"]
            == "python -m ganviz began --steps 2 --set latent_dim=4 --set ae_code=4")
    assert tb.load(path).step_count == 2
    # a file already in this format is rewritten as it is
    status, out, _ = run_main(capsys, "convert-checkpoint", str(path), str(tmp_path / "again"), "--json")
    assert status == 0 and json.loads(out.strip().splitlines()[-1])["from"] == "ganviz v2"
    assert ck.read(tmp_path / "again.safetensors", ("image",), "the test").recipe == ck.read(path, ("image",), "t").recipe


@pytest.mark.parametrize("content, words", [(None, "no checkpoint at"), (b"\x80\x04 a pickle", "pickle"),
                                            (b"not a safetensors file", "truncated or not a safetensors")])
def test_convert_command_refuses_a_bad_file_with_one_line_and_writes_nothing(tmp_path, capsys, content, words):
    src = tmp_path / "in.safetensors"
    if content is not None:
        src.write_bytes(content)
    status, _, err = run_main(capsys, "convert-checkpoint", str(src), str(tmp_path / "out"))
    assert status == 2 and words in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out.safetensors").exists() and not (tmp_path / "out.json").exists()


# --- a page names the kind it opens ---------------------------------------------------------------
@pytest.mark.parametrize("make, said", [(lambda: _began_kind(_began()), "this is an image GAN checkpoint"),
                                        (lambda: ck.to_bytes(_image()), "this is an image GAN checkpoint")])
def test_the_toy_lab_refuses_another_kind_naming_both_and_changes_nothing(make, said):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "pages" / "2_Toy_GAN_Lab.py")).run(timeout=120)
    dataset = at.selectbox(key="a_dataset").value
    at.file_uploader(key="upload").upload("other.safetensors", make(), "application/octet-stream").run(timeout=60)
    assert not at.exception
    (error,) = [e.value for e in at.error if "other.safetensors" in e.value]
    assert f"{said}; the toy lab opens toy GAN checkpoints" in error and "Nothing was changed" in error
    assert at.selectbox(key="a_dataset").value == dataset and not at.success
