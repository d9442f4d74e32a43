"""The attention page: it opens on the shipped SAGAN, the query pixel moves the maps shown, a link
sets the digits and the query, a bad upload says why and changes nothing; and the page's claim,
measured on the shipped checkpoint (checkpoints/README.md, SAGAN)."""

import ast
import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from ganviz.__main__ import main
from ganviz.metrics.attention import (attention_claim, attention_maps, distances, gamma_curves, long_reach,
                                     stroke_component)
from ganviz.training.checkpoint import load, to_bytes
from ganviz.training.config import TrainConfig
from ganviz.training.shipped import CHECKPOINTS
from ganviz.training.trainer import Trainer
from tests.test_page_toy_lab import ROOT

PAGE = str(ROOT / "pages" / "8_Attention.py")
SHIPPED = CHECKPOINTS / "sagan_digits.safetensors"
TINY = dict(dataset="digits", image_size=16, arch="sagan", objective="hinge", spectral_norm=True, latent_dim=8,
            g_width=8, d_width=8, batch=8, eval_samples=16, eval_every=10**9)  # as image_recipe


def _open(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _maps(at) -> list[np.ndarray]:
    """The attention maps drawn (one per panel), at image resolution."""
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [_array(t["z"]) for t in spec["data"] if t["type"] == "heatmap" and t.get("coloraxis")]


def _array(z) -> np.ndarray:
    """A figure's array as Plotly's JSON writes it: a list, or base64 bytes with dtype and shape."""
    if isinstance(z, dict):
        shape = [int(n) for n in str(z["shape"]).split(",")]
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
    return np.array(z)


def _caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Query pixel"))


def _constant(name: str) -> dict:
    """A preset of the page, read from its source (the page is a script, not a module)."""
    return ast.literal_eval(re.search(rf"^{name} = (\{{.*\}})$", Path(PAGE).read_text(), re.M).group(1))


LONG_REACH = _constant("LONG_REACH")


def test_the_page_opens_and_the_query_moves_the_map():
    at = _open()
    assert not at.exception and not at.error
    assert [at.number_input(key=k).value for k in ("at_index", "at_real")] == [26, 4]
    assert "Query pixel (1, 14)" in _caption(at) and "cell (0, 7)" in _caption(at)
    assert any(m.value.startswith("**The preset:**") for m in at.markdown)
    before = _maps(at)
    assert len(before) == 3  # G's layer and D's on a generated digit, D's on a real one
    at.slider(key="at_row").set_value(13).run()
    at.slider(key="at_col").set_value(2).run()
    assert not at.exception and "Query pixel (13, 2)" in _caption(at) and "cell (6, 1)" in _caption(at)
    assert not any(m.value.startswith("**The preset:**") for m in at.markdown)
    after = _maps(at)
    assert all(not np.allclose(a, b) for a, b in zip(before, after))
    # what is drawn is the library's map of that query, each 8 x 8 cell over 2 x 2 pixels
    _, layers = attention_maps(load(SHIPPED), "fake", [26])
    want = layers[0].query(13, 2)["map"].numpy()
    np.testing.assert_allclose(after[0][::2, ::2], want, rtol=1e-5, atol=1e-7)
    # the long-reach preset: its digits and query, held in the link, and its sentence's numbers
    at.button(key="at_long").click().run()
    assert not at.exception and dict(at.query_params) == {k: str(v) for k, v in LONG_REACH.items()}
    text = next(m.value for m in at.markdown if m.value.startswith("**Long reach:**"))
    distance, uniform, local = (float(x) for x in re.findall(r"\*\*([\d.]+) px\*\*", text))
    assert distance > 1.3 * uniform and uniform > 3 * local  # farther than a uniform map, not a convolution
    far, share = re.search(r"\*\*(\d+)%\*\* of its weight .* in the top half; (\d+)% of the cells", text).groups()
    assert int(far) > 2.5 * int(share)
    assert f"real #{LONG_REACH['real']}" in text and "9,273 on-stroke queries" in text and "500 generated digits" in text


def test_a_link_sets_the_digits_and_the_query_and_a_bad_one_says_why():
    at = _open(index="5", real="7", row="10", col="1")
    assert not at.exception and not at.warning
    assert [at.number_input(key=k).value for k in ("at_index", "at_real")] == [5, 7]
    assert [at.slider(key=k).value for k in ("at_row", "at_col")] == [10, 1]
    assert "generated #5" in at.get("plotly_chart")[0].proto.spec and "real #7" in at.get("plotly_chart")[0].proto.spec
    at = _open(row="16", col="2")
    assert "row='16' ignored (outside" in at.warning[0].value
    assert [at.slider(key=k).value for k in ("at_row", "at_col")] == [1, 2]


def test_a_bad_upload_says_why_and_changes_nothing():
    at = _open()
    before = _maps(at)
    dcgan = Trainer(TrainConfig(**{**TINY, "arch": "dcgan"}))
    toy = Trainer(TrainConfig(g_width=8, d_width=8, eval_samples=100))
    for name, data, why in [("junk.safetensors", b"not a checkpoint", "Nothing was changed"),
                            ("toy.safetensors", to_bytes(toy), "toy GAN"),
                            ("dcgan.safetensors", to_bytes(dcgan), "no attention layers")]:
        at.file_uploader(key="at_upload").upload(name, data, "application/octet-stream").run()
        errors = " ".join(e.value for e in at.error)
        assert not at.exception and why in errors and "Nothing was changed" in errors and name in errors, errors
        assert at.radio(key="at_source").value == "shipped SAGAN (digits)"
        assert all(np.array_equal(a, b) for a, b in zip(before, _maps(at)))
    sagan = Trainer(TrainConfig(**TINY))
    at.file_uploader(key="at_upload").upload("mine.safetensors", to_bytes(sagan), "application/octet-stream").run()
    assert not at.exception and any("Opened mine.safetensors" in s.value for s in at.success)
    # its 16 codes have no number 26: the generated digit goes back to the highest it has
    assert at.radio(key="at_source").value == "your upload: mine.safetensors"
    assert at.number_input(key="at_index").value == 15
    assert not any(np.array_equal(a, b) for a, b in zip(before, _maps(at)))
    # a checkpoint of the command line opens too (its recipe evaluates "never": eval_every = 10**9)
    at.file_uploader(key="at_upload").upload("again.safetensors", SHIPPED.read_bytes(), "application/octet-stream")
    at.run()
    assert not at.exception and any("Opened again.safetensors" in s.value for s in at.success)
    assert at.radio(key="at_source").options == ["shipped SAGAN (digits)", "your upload: again.safetensors"]
    at.button(key="at_preset").click().run()
    assert all(np.array_equal(a, b) for a, b in zip(before, _maps(at)))
    assert "Over every query of the first 64 generated digits" in " ".join(m.value for m in at.markdown)
    assert _gamma_traces(at) == ["scatter", "scatter"]  # a curve per layer
    # a run from before the trainer logged gamma: the final values, and why there is no curve
    old = load(SHIPPED)
    old.history.rows = [{k: v for k, v in row.items() if not k.startswith("gamma ")} for row in old.history.rows]
    at.file_uploader(key="at_upload").upload("old.safetensors", to_bytes(old), "application/octet-stream").run()
    assert not at.exception and any("Opened old.safetensors" in s.value for s in at.success)
    assert _gamma_traces(at) == ["bar"]
    assert any("this checkpoint's history has no γ" in c.value for c in at.caption)


def _gamma_traces(at) -> list[str]:
    spec = json.loads(next(c for c in at.get("plotly_chart") if "γ of each layer" in c.proto.spec).proto.spec)
    return [t["type"] for t in spec["data"]]


def test_without_the_shipped_checkpoint_the_page_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CHECKPOINTS", str(tmp_path))
    at = _open()
    error = at.error[0].value
    assert not at.exception and "The shipped SAGAN (sagan_digits.safetensors) is not on this server" in error
    assert "--out checkpoints/sagan_digits" in error and str(tmp_path) not in error and not at.get("plotly_chart")


@pytest.fixture(scope="module")
def claim():
    return {(r["image"], r["layer"]): r for r in attention_claim(load(SHIPPED))}


def test_the_shipped_sagan_attends_unevenly_and_its_gammas_left_0(claim):
    g = claim["fake", "G_ema.ups.attention"]
    assert g["images"] == 64 and g["mean_kl_from_uniform"] > 0.1  # issue 18's Must show
    assert all(abs(r["gamma"]) > 0.01 for r in claim.values())
    assert all(r["mean_kl_from_uniform"] > 0.1 for r in claim.values())


def test_the_shipped_sagan_looks_as_far_as_a_uniform_map_but_not_further(claim):
    # the page's words: "as far as a uniform map and far beyond a convolution's neighbours, but it
    # does not prefer far cells over near ones"
    for r in claim.values():
        assert 0.9 * r["uniform_px"] < r["distance_px"] < r["uniform_px"]
        assert r["distance_px"] > 3 * r["local_px"]
    assert claim["fake", "G_ema.ups.attention"]["uniform_px"] == pytest.approx(8.27, abs=0.01)
    assert claim["fake", "G_ema.ups.attention"]["local_px"] == pytest.approx(2.04, abs=0.01)


def test_the_shipped_sagans_d_looks_at_the_stroke(claim):
    # "D puts about half its attention on the stroke's cells": more than 1.5 times their share;
    # and, the page's hint, alike on generated and real digits
    for image in ("fake", "real"):
        r = claim[image, "D.trunk.attention"]
        assert r["on_stroke"] > 1.5 * r["stroke_share"]
    fake, real = claim["fake", "D.trunk.attention"], claim["real", "D.trunk.attention"]
    assert abs(fake["mean_kl_from_uniform"] - real["mean_kl_from_uniform"]) < 0.05
    assert abs(fake["on_stroke"] - real["on_stroke"]) < 0.05


def test_the_presets_query_in_the_empty_corner_makes_d_look_at_the_stroke():
    # the page's preset sentence: the query (1, 14) is off the stroke, and D's maps of both digits
    # look at the stroke (here: more than twice the weight a uniform map puts there)
    trainer = load(SHIPPED)
    _, (g, d_fake) = attention_maps(trainer, "fake", [26])
    _, (d_real,) = attention_maps(trainer, "real", [4])
    for layer in (d_fake, d_real):
        q = layer.query(1, 14)
        assert q["cell"] == (0, 7) and not layer.stroke[0, 7]
        assert q["on_stroke"] > 2 * q["stroke_share"]
    assert g.query(1, 14)["kl_from_uniform"] > 0.1


@pytest.fixture(scope="module")
def reach():
    trainer = load(SHIPPED)
    return trainer, long_reach(trainer, "fake"), long_reach(trainer, "real")


def test_the_long_reach_preset_is_gs_farthest_query_and_looks_past_a_uniform_map(reach):
    # the preset's sentence: of G's on-stroke queries over the 500 generated digits, the farthest
    # against a uniform map from the same cell; from the bottom of its stroke (cell row 7) it looks
    # farther than a uniform map and a 3x3 neighbourhood, with its weight on its own stroke's far end
    # (cells over 8 px away, all in the top half), far above their share of the cells
    trainer, (g_far, d_far), (d_real_far,) = reach
    index, real, row, col = LONG_REACH.values()
    assert (g_far["layer"], g_far["images"], g_far["queries"]) == ("G_ema.ups.attention", 500, 9273)
    assert (g_far["image"], g_far["pixel"]) == (index, (row, col)) and g_far["cell"][0] == 7
    _, (g, d_fake) = attention_maps(trainer, "fake", [index])
    q = g.query(row, col)
    assert q["distance_px"] == pytest.approx(g_far["ratio"] * q["uniform_px"], rel=1e-5)
    assert q["distance_px"] > 1.3 * q["uniform_px"] and q["distance_px"] > 3 * q["local_px"]
    assert q["far_stroke"] > 2.5 * q["far_stroke_share"] and q["far_stroke"] > 0.5
    assert q["kl_from_uniform"] > 0.1
    j = 8 * 7 + 3
    far = stroke_component(g.stroke[0], 8, j) & (distances(8, 8, 2.0)[j] > 8)
    assert g.stroke[0, j] and far.float().mean() == pytest.approx(q["far_stroke_share"])
    assert far.nonzero().flatten().max() < 32  # the far end: rows 0 to 3 of the 8 x 8 map, the top half
    # "the tail, not the rule": under a third of G's on-stroke queries look past a uniform map
    assert g_far["beyond_uniform"] < 0.3
    # "D's maps stay near uniform ... about a uniform map's; its farthest reaches only 1.09 times"
    _, (d_real,) = attention_maps(trainer, "real", [real])
    assert d_real.stroke[0, 8 * 7 + 3]  # the real digit's stroke covers the query too
    for layer in (d_fake, d_real):
        qd = layer.query(row, col)
        assert qd["kl_from_uniform"] < 0.1 and abs(qd["distance_px"] / qd["uniform_px"] - 1) < 0.05
    assert max(d_far["ratio"], d_real_far["ratio"]) < 1.1 < g_far["ratio"]


def test_the_shipped_sagans_gammas_leave_0_steadily_and_have_not_settled():
    # the page's caption: from 0 at step 0, both move away at a nearly steady pace, and a fifth or
    # more of each final gamma came in the last third of the 1,500 steps
    trainer = load(SHIPPED)
    curves = gamma_curves(trainer.history.rows)
    assert list(curves) == ["G.ups.attention", "D.trunk.attention"]
    for name, (steps, values) in curves.items():
        assert steps[0] == 0 and values[0] == 0 and steps[-1] == 1500 and len(steps) == 151
        net, path = name.split(".", 1)
        assert values[-1] == pytest.approx(getattr(trainer, net).get_submodule(path).gamma.item(), abs=1e-7)
        growing = np.mean(np.diff(np.abs(values)) > 0)
        assert growing > 0.85, (name, growing)
        assert abs(values[-1] - values[steps.index(1000)]) > 0.2 * abs(values[-1])


def test_the_attention_command_prints_the_same_summary(claim, capsys):
    assert main(["attention", "--checkpoint", str(SHIPPED), "--summary", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert out["layers"] == [] and {(r["image"], r["layer"]): r for r in out["summary"]} == claim
    assert main(["attention", "--checkpoint", str(SHIPPED)]) == 2
    assert "give --query ROW,COL" in capsys.readouterr().err


def test_the_shipped_sagan_holds_the_command_that_made_it():
    recipe = json.loads(SHIPPED.with_suffix(".json").read_text())
    assert recipe["command"].startswith("python -m ganviz image --steps ") and "--arch sagan" in recipe["command"]
    assert recipe["state"]["step"] == int(recipe["command"].split("--steps ")[1].split()[0])
    assert SHIPPED.stat().st_size < 5 * 2**20
    # the page's advice when the file is missing is that command
    retrain = "".join(re.search(r'RETRAIN = \("([^"]+)"\s+"([^"]+)"\)', Path(PAGE).read_text()).groups())
    assert retrain == recipe["command"] + " --out checkpoints/sagan_digits"
    assert torch.isfinite(torch.tensor([r["g_loss"] for r in recipe["history"]])).all()
