"""Lecture features of the Divergences, BEGAN, Latent space and Spectra pages: a link sets every
widget it names, garbage in a link falls back with a note, presentation mode and hidden groups,
exports that open as images of the right size, and a BEGAN upload that fails validation."""

import csv
import doctest
import io
import json
import pickle

import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

import ganviz.plots.animation as anim
import ganviz.training.began as tb
import ganviz.ui.scene as scene
from ganviz.data.access import open_named
from ganviz.training import checkpoint as ck
from ganviz.training.export import spectra_csv
from tests.conftest import ROOT

DIV, BEGAN, LATENT, SPECTRA = (str(ROOT / "pages" / p) for p in
                               ("1_Divergences.py", "3_BEGAN.py", "4_Latent_Space.py", "5_Spectra.py"))
TINY = dict(latent_dim=4, ae_code=4, g_width=4, d_width=4, batch=8, log_every=1)


def _open(page, params):
    at = AppTest.from_file(page, default_timeout=120)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def _notes(at) -> str:
    return " ".join(w.value for w in at.warning)


def _url(at) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _status(at) -> str:
    return " ".join(m.value for m in at.markdown if "step **" in m.value)


# --- the helper --------------------------------------------------------------------------------
def test_parsers_accept_the_widgets_values_and_name_what_is_allowed():
    assert doctest.testmod(scene).failed == 0
    assert scene.choice([50, 100, 500])("100") == 100 and scene.choice(["a b"])("a b") == "a b"
    with pytest.raises(ValueError, match="not one of 50, 100"):
        scene.choice([50, 100])("7")
    with pytest.raises(ValueError, match="multiple of 0.25"):
        scene.number(-6.0, 6.0, step=0.25)("1.1")
    with pytest.raises(ValueError, match="outside"):
        scene.number(0, 10)("nan")
    with pytest.raises(ValueError, match="not an integer"):
        scene.number(0, 10, integer=True)("2.5")
    with pytest.raises(ValueError):
        scene.flag("maybe")
    # what write() puts in the URL, read() reads back as the same value
    for parse, v in ((scene.number(0.0, 1.0, step=0.1), 0.7), (scene.choice([0.0, 1e-5, 1e-4]), 1e-5),
                     (scene.flag, False)):
        assert parse(scene.url_text(v)) == v


# --- Divergences -------------------------------------------------------------------------------
def test_divergences_link_sets_its_widgets_and_the_page_writes_them_back():
    at = _open(DIV, {"p": "uniform", "q": "mixture", "shift": "2.5", "scale": "1.5", "n": "200", "seed": "7",
                     "theta": "-0.25"})
    assert not at.warning
    assert (at.selectbox(key="p1d").value, at.selectbox(key="q1d").value) == ("uniform", "mixture")
    assert (at.slider(key="shift1d").value, at.slider(key="scale1d").value) == (2.5, 1.5)
    assert (at.select_slider(key="n1d").value, at.number_input(key="seed1d").value) == (200, 7)
    at.slider(key="shift1d").set_value(-3.0).run()
    assert _url(at)["shift"] == "-3.0" and _url(at)["seed"] == "7"
    # A rerun that brings an older URL of this page (the address bar lags the script) changes nothing ...
    at.query_params["shift"] = "2.5"
    at.run()
    assert at.slider(key="shift1d").value == -3.0
    # ... but arriving from another scene page with a link reads it
    at.session_state["_scene_page"] = "latent"
    at.query_params["shift"] = "2.5"
    at.run()
    assert at.slider(key="shift1d").value == 2.5
    at.session_state["section"] = "Parallel lines"  # theta's tab was closed: the link's value waited
    at.run()
    assert at.slider(key="theta").value == -0.25 and _url(at)["section"] == "Parallel lines"

    at = _open(DIV, {"section": "2D plans", "p2": "grid25", "q2": "spiral", "shift2": "1.5", "n2": "100",
                     "plan2": "Sinkhorn", "reg": "0.5"})
    assert not at.warning
    assert (at.selectbox(key="p2d").value, at.selectbox(key="q2d").value) == ("grid25", "spiral")
    assert (at.slider(key="shift2d").value, at.select_slider(key="n2d").value) == (1.5, 100)
    assert at.radio(key="plan2d").value == "Sinkhorn" and at.select_slider(key="reg").value == 0.5


def test_divergences_garbage_falls_back_with_a_note_and_presentation_mode():
    at = _open(DIV, {"section": "Nope", "shift": "1.1", "n": "7", "colour": "red", "hide": "controls,bogus",
                     "present": "1"})
    notes = _notes(at)
    for word in ("section='Nope'", "shift='1.1'", "n='7'", "'colour'", "'bogus'"):
        assert word in notes, (word, notes)
    assert at.slider(key="shift1d").value == 1.0 and at.select_slider(key="n1d").value == 500
    assert at.toggle(key="present").value is True
    css = " ".join(m.value for m in at.markdown if "<style>" in m.value)
    assert 'grp_controls"] { display: none' in css and "font-size: 20px" in css and "grp_export" not in css
    assert all(c.proto.config and "1600" in c.proto.config for c in at.get("plotly_chart"))  # camera: PNG
    for chart in at.get("plotly_chart"):  # the projector's 18 px type on every axis of every figure
        layout = json.loads(chart.proto.spec)["layout"]
        axes = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
        assert axes and all(a["tickfont"]["size"] == 18 for a in axes), chart.key
    # the measures-against-the-shift table as CSV
    assert any(b.label.startswith("measures against the shift") for b in at.get("download_button"))
    at.run()  # the notes stay for the session
    assert _notes(at) == notes


# --- BEGAN -------------------------------------------------------------------------------------
def test_began_link_opens_its_checkpoint_and_gamma_and_garbage_falls_back(monkeypatch):
    monkeypatch.setenv("GANVIZ_DATA_DIRS", "mnist=/data/mnist")  # a data set is linked by its name
    at = _open(BEGAN, {"ckpt": "0.3", "gamma": "0.9", "size": "32", "source": "mnist"})
    assert not at.warning
    assert at.selectbox(key="bg_ckpt").value == 0.3 and at.select_slider(key="bg_gamma").value == 0.9
    assert at.selectbox(key="bg_size").value == 32 and at.selectbox(key="bg_source").value == "mnist"
    assert "began_gamma0.3.safetensors" in _status(at) and "γ = 0.9" in _status(at)  # the run got the link's γ
    assert _url(at) == {"ckpt": "0.3", "gamma": "0.9", "size": "32", "source": "mnist"}

    bad = _open(BEGAN, {"ckpt": "0.4", "gamma": "banana", "x": "1", "source": "/data/mnist"})
    notes = _notes(bad)
    assert "ckpt='0.4'" in notes and "gamma='banana'" in notes and "'x'" in notes
    assert "source ignored" in notes and "not available on this server" in notes and "/data/mnist" not in notes
    assert bad.selectbox(key="bg_ckpt").value == 0.5 and "began_gamma0.5.safetensors" in _status(bad)


@pytest.fixture(scope="module")
def tiny():
    t = ck.Trainer(tb.began_config(**TINY))
    t.train(3)
    return t


def test_began_bytes_round_trip_and_bad_uploads_say_why(tiny):
    digits = lambda c: open_named(tb.source_of(c), c.image_size)  # noqa: E731
    back = tb.from_bytes(ck.to_bytes(tiny), digits)
    z = torch.rand(4, 4) * 2 - 1
    assert back.step_count == 3 and back.objective.k_t == pytest.approx(tiny.objective.k_t)
    assert torch.allclose(back.sample(z=z), tiny.sample(z=z))
    good = ck.to_bytes(tiny)
    other = ck.Trainer(tb.began_config(**{**TINY, "g_width": 6, "d_width": 6}))
    from safetensors.torch import load as st_load, save as st_save
    header = json.loads(good[8:8 + int.from_bytes(good[:8], "little")])
    mixed = st_save(st_load(ck.to_bytes(other)), metadata=header["__metadata__"])  # 6-filter weights, 4-filter recipe
    toy = ck.to_bytes(ck.Trainer(ck.TrainConfig(g_width=16, d_width=16)))
    for data, why in ((good[: len(good) // 2], "truncated"), (pickle.dumps({"a": 1}), "pickle"),
                      (toy, "a toy GAN checkpoint; the BEGAN page opens image GAN"), (mixed, "do not fit")):
        with pytest.raises(ck.CheckpointError, match=why):
            tb.from_bytes(data, digits)


def test_began_page_upload_refuses_a_bad_file_and_changes_nothing_then_takes_a_good_one(tiny):
    at = _open(BEGAN, {})
    before = _status(at)
    at.file_uploader(key="bg_upload").upload("cut.safetensors", ck.to_bytes(tiny)[:500], "application/octet-stream")
    at.run()
    assert not at.exception
    assert any("cut.safetensors" in e.value and "Nothing was changed" in e.value for e in at.error)
    assert _status(at) == before  # the same run, the same step
    at.file_uploader(key="bg_upload").upload("tiny.safetensors", ck.to_bytes(tiny), "application/octet-stream")
    at.run()
    assert any("Continuing from tiny.safetensors" in s.value for s in at.success)
    assert "uploaded tiny.safetensors" in _status(at) and "step **3**" in _status(at)


# --- Latent space ------------------------------------------------------------------------------
def test_latent_link_sets_checkpoint_seeds_and_threshold_and_garbage_falls_back():
    at = _open(LATENT, {"ckpt": "0.7", "a": "5", "b": "9", "steps": "6", "scale": "0.3", "dirs": "4",
                        "threshold": "0.8"})
    assert not at.warning
    assert at.selectbox(key="ls_ckpt").value == 0.7
    assert [at.number_input(key=k).value for k in ("ls_seed_a", "ls_seed_b", "ls_dir_seed")] == [5, 9, 4]
    assert [at.slider(key=k).value for k in ("ls_steps", "ls_scale", "ls_threshold")] == [6, 0.3, 0.8]
    bad = _open(LATENT, {"ckpt": "2", "a": "-1", "steps": "40", "threshold": "x", "hide": "walk"})
    notes = _notes(bad)
    for word in ("ckpt='2'", "a='-1'", "steps='40'", "threshold='x'"):
        assert word in notes, (word, notes)
    assert bad.slider(key="ls_steps").value == 10 and bad.selectbox(key="ls_ckpt").value == 0.5
    assert any('grp_walk"] { display: none' in m.value for m in bad.markdown)


# --- Spectra -----------------------------------------------------------------------------------
def test_spectra_link_sets_preset_and_regularisers_and_garbage_falls_back():
    at = _open(SPECTRA, {"preset": "fix", "clamp": "3.0", "beta": "0.0001"})
    assert not at.warning
    assert at.toggle(key="sp_sn").value is False and at.select_slider(key="sp_r1").value == 0.1  # the preset's
    assert at.select_slider(key="sp_clamp").value == 3.0 and at.select_slider(key="sp_beta").value == 1e-4
    assert "sigma_clamp = 3.0" in _status(at) and "r1_gamma = 0.1" in _status(at)  # the run has them
    at = _open(SPECTRA, {"sn": "1"})
    assert at.toggle(key="sp_sn").value is True and "spectral_norm = True" in _status(at)
    bad = _open(SPECTRA, {"preset": "boom", "sn": "maybe", "r1": "0.5", "zzz": "1"})
    notes = _notes(bad)
    for word in ("preset='boom'", "sn='maybe'", "r1='0.5'", "'zzz'"):
        assert word in notes, (word, notes)
    # Nothing was taken from the link: the widgets show the session's run (AppTests share one session,
    # so that is the run of the test before; a new browser session gets the defaults).
    r1 = bad.select_slider(key="sp_r1").value
    assert f"r1_gamma = {r1}" in _status(bad) and f"spectral_norm = {bad.toggle(key='sp_sn').value}" in _status(bad)
    _open(SPECTRA, {"preset": "collapse"})  # leave the shared session's run at the page's defaults


# --- exports -----------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["1_Divergences.py", "2_Toy_GAN_Lab.py", "3_BEGAN.py", "4_Latent_Space.py",
                                  "5_Spectra.py"])
def test_no_download_button_reruns_the_page(page):
    """A download's rerun could revoke its deferred data before the browser fetched it: the toy lab's
    run GIF then never downloaded (browser suite, fresh machine). Every page's downloads must not rerun."""
    at = _open(str(ROOT / "pages" / page), {})
    buttons = at.get("download_button")
    assert buttons, "each page offers downloads on opening"
    assert all(b.proto.ignore_rerun for b in buttons), [b.label for b in buttons if not b.proto.ignore_rerun]


def test_grid_png_and_gif_open_as_images_of_the_right_size():
    assert doctest.testmod(anim).failed == 0
    images = torch.rand(12, 1, 16, 16) * 2 - 1
    frame = anim.grid_frame(5, images, cols=4)  # 3 rows x 4 columns of 16 px, 1 px gutters
    assert frame.pixels.shape == (3 * 17 - 1, 4 * 17 - 1)
    png = Image.open(io.BytesIO(anim.grid_png(frame, scale=4)))
    assert png.format == "PNG" and png.size == (4 * 67, 4 * 50)
    frames = [anim.grid_frame(s, images, cols=4) for s in (10, 20, 30)]
    gif = Image.open(io.BytesIO(anim.grid_gif(frames, scale=3)))
    assert gif.format == "GIF" and gif.n_frames == 3 and gif.size == (3 * 67, 3 * 50 + 18)  # + the step line
    with pytest.raises(ValueError, match="no frames"):
        anim.grid_gif([])


def test_spectra_csv_has_a_row_per_layer_and_recording():
    from ganviz.training.presets_spectra import new_trainer, preset_config, read_view
    t = new_trainer(preset_config("collapse", g_width=16, d_width=16, batch=32), every=5)
    t.train(10)
    spectra = read_view(t)["spectra"]
    rows = list(csv.DictReader(io.StringIO(spectra_csv(spectra))))
    layers = {(net, name) for net, kinds in spectra.items() for name in kinds["raw"]}
    assert len(rows) == 3 * len(layers)  # steps 0, 5, 10
    first = rows[0]
    s = spectra[first["net"]]["raw"][first["layer"]]
    assert float(first["sigma0"]) == pytest.approx(s.sigma0[0])
    assert float(first["sigma0_over_sigma1"]) == pytest.approx(s.sigma[0, 0] / s.sigma[0, 1])


def test_a_links_text_in_a_note_is_shown_as_text_not_markdown():
    at = AppTest.from_file(str(ROOT / "pages/1_Divergences.py"))
    at.query_params.update({"[click me](https://example.com)": "1", "hide": "![t](https://example.com/t.png)"})
    at.run(timeout=60)
    note = " ".join(w.value for w in at.warning)
    assert r"\[click me\](https\://example.com)" in note and r"\!\[t\]" in note
    assert "[click me](https" not in note and "![t](" not in note
