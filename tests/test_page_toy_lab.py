import json
import time

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from ganviz.plots.samples_view import picture_size
from ganviz.ui import live_frames
from tests.conftest import ROOT

PAGE = str(ROOT / "pages" / "2_Toy_GAN_Lab.py")


def _open(at, timeout=120):
    """Run until the trainer processes are up (a spawned process loads PyTorch first)."""
    deadline = time.time() + timeout
    at = at.run(timeout=60)  # an AppTest, or a widget whose run() returns its AppTest
    while any("Starting the trainer" in i.value for i in at.info):
        assert time.time() < deadline, "the trainer did not start"
        time.sleep(0.5)
        at.run(timeout=60)
    return at


def _status(at) -> str:
    return " ".join(m.value for m in at.markdown if m.value.startswith("**"))


def _step(at) -> int:
    import re
    return int(re.search(r"step (\d+)", _status(at)).group(1))


def _wait_steps(at, n, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        at.run(timeout=60)
        if _step(at) >= n:
            return
        time.sleep(0.3)
    raise AssertionError(f"no progress: {_status(at)}")


def test_train_pause_step_and_live_slider():
    at = _open(AppTest.from_file(PAGE))
    assert not at.exception
    # A fresh run is the server's picture too, and its curves a caption: the first view needs no Plotly.
    (fresh,) = at.get("component_instance")
    assert not at.get("plotly_chart") and any("drawn here once it trains" in c.value for c in at.caption)
    pointer = json.loads((live_frames.FRAMES / f"{json.loads(fresh.proto.json_args)['src']}.json").read_text())
    assert pointer["step"] == 0 and any(c.value.startswith("Press Train to watch it learn") for c in at.caption)
    assert _step(at) == 0
    assert r"\gamma = 0.3" in [t.value.strip("$\n") for t in at.latex]  # the default recipe's R1, read from the run's config
    at.button(key="train").click().run(timeout=60)
    _wait_steps(at, 20)
    assert "training" in _status(at)
    # While it trains the samples view is a live picture: frames drawn on the server that the browser
    # fetches by itself (ganviz.ui.live_frames); metrics and histogram stay Plotly.
    (live,) = at.get("component_instance")
    assert len(at.get("plotly_chart")) == 2
    src = json.loads(live.proto.json_args)["src"]
    pointer = json.loads((live_frames.FRAMES / f"{src}.json").read_text())
    frame = Image.open(live_frames.FRAMES / f"{src}-{pointer['n']}.png")
    assert frame.size == picture_size(520) and pointer["step"] > 0
    assert any("pause for the interactive figure" in c.value for c in at.caption)
    at.button(key="pause").click().run(timeout=60)
    assert "paused" in _status(at)
    assert not at.get("component_instance") and len(at.get("plotly_chart")) == 3  # the interactive figure is back
    n = _step(at)
    time.sleep(0.5)
    at.run(timeout=60)
    assert _step(at) == n  # pausing really stops the trainer
    at.button(key="step_g").click().run(timeout=60)  # Step G
    assert _step(at) == n + 1
    # A live change keeps the run (same step count), a structural one resets it.
    at.slider(key="a_beta1@nsgan").set_value(0.2).run(timeout=60)
    assert _step(at) == n + 1 and not at.exception
    at.slider(key="a_r1_gamma").set_value(2.0).run(timeout=60)  # a regulariser is a live change too
    assert _step(at) == n + 1 and r"\gamma = 2" in [t.value.strip("$\n") for t in at.latex]
    # A learning rate at the box's minimum (where a typed nan or inf lands) is said, not silent.
    assert not any("learning rate at the minimum" in w.value for w in at.warning)
    at.number_input(key="a_lr_d@nsgan").set_value(1e-6).run(timeout=60)
    assert any(w.value.startswith("D learning rate at the minimum") for w in at.warning), [w.value for w in at.warning]
    _open(at.selectbox(key="a_dataset").set_value("grid25"))
    assert _step(at) == 0 and "grid25" in _status(at)


def test_presets_and_compare_draw_two_runs():
    at = _open(AppTest.from_file(PAGE))
    at.selectbox(key="preset_choice").set_value("MMGAN saturates early").run(timeout=60)
    _open(at.button(key="load_preset").click())  # Load preset
    assert not at.exception
    assert at.toggle(key="compare").value is True
    status = _status(at)
    assert "MMGAN: mmgan" in status and "NSGAN: nsgan" in status
    assert len(at.get("component_instance")) == 2 and not at.get("plotly_chart")  # two fresh pictures, no curves yet
    assert any("saturates" in i.value for i in at.info)
    at.button(key="step_both").click().run(timeout=60)  # a step: the interactive figures and the curves
    assert len(at.get("plotly_chart")) == 4 and not at.get("component_instance")  # two sample views, metrics, histogram


def test_every_objective_and_1d_data_render():
    at = _open(AppTest.from_file(PAGE))
    for objective in ("mmgan", "lsgan", "wgan", "wgan-gp", "hinge", "fgan", "ebgan", "loss-sensitive", "began"):
        at.selectbox(key="a_objective").set_value(objective).run(timeout=60)
        assert not at.exception, objective
        assert f"{objective}" in _status(at)
    at.selectbox(key="a_dataset").set_value("mixture").run(timeout=60)
    assert not at.exception


def test_diverging_learning_rate_shows_a_message_and_stops():
    at = _open(AppTest.from_file(PAGE))
    at.selectbox(key="a_optimizer@nsgan").set_value("sgd").run(timeout=60)
    at.number_input(key="a_lr_d@nsgan").set_value(10.0).run(timeout=60)
    at.number_input(key="a_lr_g@nsgan").set_value(10.0).run(timeout=60)
    at.slider(key="a_r1_gamma").set_value(0.0).run(timeout=60)
    at.button(key="train").click().run(timeout=60)
    deadline = time.time() + 30
    while time.time() < deadline and not at.error:
        time.sleep(0.3)
        at.run(timeout=60)
    assert at.error and "diverged" in at.error[0].value
    assert "stopped" in _status(at)
    at.button(key="train").click().run(timeout=60)  # the page stays usable
    assert not at.exception


def test_a_link_reopens_the_scene_and_garbage_falls_back():
    at = AppTest.from_file(PAGE)
    at.query_params.update({"objective": "wgan-gp", "gp_lambda": "0.1", "dataset": "grid25", "seed": "7",
                            "compare": "1", "b.objective": "hinge", "b.r1_gamma": "2.0"})
    _open(at)
    assert not at.exception
    assert at.selectbox(key="a_objective").value == "wgan-gp"
    assert at.selectbox(key="a_dataset").value == "grid25"
    assert at.text_input(key="a_seed").value == "7"
    assert at.slider(key="a_gp_lambda").value == 0.1
    assert at.slider(key="a_n_critic@wgan-gp").value == 5  # the paper's default, not in the link
    assert at.toggle(key="compare").value is True
    assert at.selectbox(key="b_objective").value == "hinge"
    assert at.slider(key="b_r1_gamma").value == 2.0
    # The page writes its state back: changing a widget changes the link.
    at.slider(key="a_gp_lambda").set_value(5.0).run(timeout=60)
    assert at.query_params["gp_lambda"] == ["5.0"] or at.query_params["gp_lambda"] == "5.0"

    bad = AppTest.from_file(PAGE)
    bad.query_params.update({"objective": "nosuch", "lr_g": "banana", "batch": "0", "colour": "red",
                             "preset": "nope"})
    _open(bad)
    assert not bad.exception
    assert bad.selectbox(key="a_objective").value == "nsgan"
    notes = " ".join(w.value for w in bad.warning).replace("\\", "")  # shown escaped: lr\_g
    for word in ("objective", "lr_g", "batch", "colour", "preset"):
        assert word in notes
    bad.run(timeout=60)  # the notes stay on later runs of the same session
    assert notes == " ".join(w.value for w in bad.warning).replace("\\", "")


def test_exports_and_checkpoint_upload(tmp_path):
    from ganviz.training import TrainConfig, Trainer
    from ganviz.training.checkpoint import to_bytes

    at = _open(AppTest.from_file(PAGE))
    at.button(key="step_both").click().run(timeout=60)
    at.button(key="step_both").click().run(timeout=60)
    # The figures' PNG export is set to a fixed size.
    assert all(c.proto.config and "1600" in c.proto.config for c in at.get("plotly_chart"))
    # A checkpoint of another run loads and the widgets follow its recipe.
    other = Trainer(TrainConfig(dataset="two_moons", objective="hinge", g_width=64, d_width=64))
    other.train(3)
    good = to_bytes(other)
    at.file_uploader(key="upload").upload("two_moons.safetensors", good, "application/octet-stream").run(timeout=60)
    assert not at.exception
    assert any("Continuing from two_moons.safetensors" in s.value.replace("\\", "") for s in at.success)
    assert at.selectbox(key="a_dataset").value == "two_moons" and at.selectbox(key="a_objective").value == "hinge"
    assert "step 3" in _status(at)
    # A truncated file is refused and changes nothing.
    at.file_uploader(key="upload").upload("bad.safetensors", good[: len(good) // 2], "application/octet-stream")
    at.run(timeout=60)
    assert any("truncated" in e.value and "Nothing was changed" in e.value for e in at.error)
    assert "step 3" in _status(at) and at.selectbox(key="a_dataset").value == "two_moons"


def test_presentation_mode_and_hidden_groups():
    at = AppTest.from_file(PAGE)
    at.query_params.update({"present": "1", "hide": "networks,tricks,bogus"})
    _open(at)
    assert not at.exception
    assert at.toggle(key="present").value is True
    css = " ".join(m.value for m in at.markdown if "<style>" in m.value)
    assert "grp_networks" in css and "grp_tricks" in css and "font-size: 20px" in css
    assert "grp_optimiser" not in css
    assert any("bogus" in w.value for w in at.warning)


def test_a_preset_link_loads_the_preset():
    at = AppTest.from_file(PAGE)
    at.query_params.update({"preset": "MMGAN saturates early"})
    _open(at)
    assert not at.exception
    assert at.toggle(key="compare").value is True
    assert "MMGAN: mmgan" in _status(at) and "NSGAN: nsgan" in _status(at)
    assert at.slider(key="a_n_critic@mmgan").value == 5


def test_a_second_tour_link_in_the_same_session_loads_its_preset():
    at = AppTest.from_file(str(ROOT / "app.py")).run(timeout=60)  # the home page's tour
    for preset in ("MMGAN saturates early", "WGAN-GP covers the ring"):
        at.query_params.clear()
        at.query_params.update({"preset": preset})
        at.switch_page("pages/2_Toy_GAN_Lab.py").run(timeout=120)
        assert not at.exception
        assert at.selectbox(key="preset_choice").value == preset
        at.switch_page("app.py").run(timeout=60)  # back to the tour


def _warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def _url(at) -> dict:
    return {k: at.query_params[k][0] if isinstance(at.query_params[k], list) else at.query_params[k]
            for k in at.query_params}


def test_the_link_holds_the_objective_and_run_b_objective():
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert _url(at) == {}  # the defaults: nothing to say
    at.selectbox(key="a_objective").set_value("wgan-gp").run(timeout=60)
    at.selectbox(key="a_dataset").set_value("two_moons").run(timeout=60)
    assert _url(at) == {"objective": "wgan-gp", "dataset": "two_moons"}
    at.toggle(key="compare").set_value(True).run(timeout=60)
    at.selectbox(key="b_objective").set_value("hinge").run(timeout=60)
    assert _url(at) == {"objective": "wgan-gp", "dataset": "two_moons", "compare": "1", "b.objective": "hinge"}


def test_a_tour_scene_after_a_preset_scene_drops_the_preset():
    import app
    at = AppTest.from_file(str(ROOT / "app.py")).run(timeout=60)
    scene5, scene6 = app.TOUR[4][2], app.TOUR[5][2]
    for params in (scene5, scene6):
        at.query_params.clear()
        at.query_params.update(params)
        at.switch_page("pages/2_Toy_GAN_Lab.py").run(timeout=120)
        assert not at.exception
        if params is scene5:
            assert _url(at) == {"preset": "Weight clipping against gradient penalty"}
            at.switch_page("app.py").run(timeout=60)
    assert _url(at) == scene6
    assert at.selectbox(key="preset_choice").value is None  # no story box of another scene
    assert not any("clipped critic" in i.value for i in at.info)
    # Moving a slider of a loaded preset leaves the preset: the link then says what differs.
    at.selectbox(key="preset_choice").set_value("WGAN-GP covers the ring").run(timeout=60)
    at.button(key="load_preset").click().run(timeout=60)
    assert _url(at) == {"preset": "WGAN-GP covers the ring"}
    at.slider(key="a_gp_lambda").set_value(1.0).run(timeout=60)
    url = _url(at)
    assert "preset" not in url and url["objective"] == "wgan-gp" and url["gp_lambda"] == "1.0", url


# Each: the link, the widget it sets, the value it must get, the words the note must hold.
OUT_OF_RANGE = [
    ({"n_critic": "11"}, "a_n_critic@nsgan", 10, "1 to 10"),
    ({"latent_dim": "99"}, "a_latent_dim", 16, "1 to 16"),
    ({"g_depth": "50"}, "a_g_depth", 6, "1 to 6"),
    ({"objective": "wgan-gp", "gp_lambda": "1000"}, "a_gp_lambda", 20.0, "0 to 20"),
    ({"objective": "wgan", "clip_c": "5"}, "a_clip_c", 0.1, "0.001 to 0.1"),
    ({"objective": "wgan", "clip_c": "0.5"}, "a_clip_c", 0.1, "0.001 to 0.1"),
    ({"r1_gamma": "100"}, "a_r1_gamma", 10.0, "0 to 10"),
    ({"compare": "1", "b.n_critic": "50"}, "b_n_critic@nsgan", 10, "1 to 10"),
    ({"beta1": "0.995"}, "a_beta1@nsgan", 0.99, "0 to 0.99"),
    ({"g_ema": "0.9995"}, "a_g_ema", 0.999, "0 to 0.999"),
    ({"label_smoothing": "0.1"}, "a_label_smoothing", 0.5, "0.5 to 1"),
    ({"g_width": "100000"}, "a_g_width", 512, "16, 32, 64, 128, 256, 512"),
    ({"seed": "-1"}, "a_seed", "0", "0 to 1,000,000"),
]


def test_a_link_value_outside_a_control_becomes_a_note_and_the_nearest_value():
    for params, key, want, words in OUT_OF_RANGE:
        at = AppTest.from_file(PAGE)
        at.query_params.update(params)
        at.run(timeout=60)
        assert not at.exception, (params, at.exception)
        assert words in _warnings(at), (params, _warnings(at))
        value = at.session_state[key]
        assert value == want, (params, value)
        assert at.button(key="train") or at.button(key="pause")


def test_a_link_names_what_it_cannot_set_and_every_objective_can_be_linked():
    at = AppTest.from_file(PAGE)
    at.query_params.update({"threads": "8", "device": "cuda", "eval_samples": "50", "lr_g": "abc",
                            "seed": "3.7", "dataset": "[x](http://e.com)" + "y" * 500})
    at.run(timeout=60)
    raw = _warnings(at)
    notes = raw.replace("\\", "")
    for name in ("threads", "device", "eval_samples"):
        assert f"{name} is not settable from a link" in notes, notes
    assert "lr_g=abc ignored (must be a number)" in notes and "float | None" not in notes
    assert "seed=3.7 ignored (must be a whole number)" in notes
    assert "dataset=[x](http" in notes and "[x](http" not in raw and "y" * 100 not in notes  # escaped and cut
    for objective in ("began", "ebgan", "fgan", "loss-sensitive", "lsgan"):
        at = AppTest.from_file(PAGE)
        at.query_params.update({"objective": objective})
        at.run(timeout=60)
        assert not at.exception and not at.warning, (objective, _warnings(at))
        assert at.selectbox(key="a_objective").value == objective
        assert _url(at) == {"objective": objective}


def test_seed_box_refuses_what_is_not_a_whole_number_and_sgd_has_no_betas():
    at = AppTest.from_file(PAGE).run(timeout=60)
    at.text_input(key="a_seed").input("1e3").run(timeout=60)
    assert _url(at).get("seed") == "1000" and not at.warning
    at.text_input(key="a_seed").input("3.7").run(timeout=60)
    assert "seed 3.7: the seed must be a whole number from 0 to 1,000,000; still using 1000" in _warnings(at)
    assert _url(at).get("seed") == "1000"
    assert at.slider(key="a_beta1@nsgan")
    at.selectbox(key="a_optimizer@nsgan").set_value("sgd").run(timeout=60)
    assert not [s for s in at.slider if s.label.startswith("Adam")]
    assert not at.exception


def test_a_checkpoint_beyond_a_control_is_moved_into_it_or_refused():
    from ganviz.training import TrainConfig, Trainer
    from ganviz.training.checkpoint import to_bytes

    at = AppTest.from_file(PAGE).run(timeout=60)
    live = to_bytes(Trainer(TrainConfig(g_width=16, d_width=16, beta1=0.995, lr_g=1e-3)))
    at.file_uploader(key="upload").upload("live.safetensors", live, "application/octet-stream").run(timeout=60)
    assert not at.exception
    (ok,) = at.success
    assert "beta1 0.995 is outside the control's range 0 to 0.99; using 0.99" in ok.value.replace("\\", "")
    assert at.session_state["a_beta1@nsgan"] == 0.99
    odd = to_bytes(Trainer(TrainConfig(g_width=100, d_width=16)))
    at.file_uploader(key="upload").upload("odd.safetensors", odd, "application/octet-stream").run(timeout=60)
    assert not at.exception
    assert any("g\\_width = 100" in e.value and "Nothing was changed" in e.value for e in at.error)
    assert at.session_state["a_g_width"] == 16


def test_step_d_moves_the_d_step_count_and_a_single_step_shows_no_rate():
    at = _open(AppTest.from_file(PAGE))
    at.button(key="step_d").click().run(timeout=60)
    status = _status(at)
    assert "step 0 · D steps 1" in status and "steps/s" not in status, status
    # A structural change while training says the run starts again.
    at.button(key="train").click().run(timeout=60)
    _wait_steps(at, 5)
    assert "steps/s" in _status(at)
    _open(at.selectbox(key="a_dataset").set_value("two_moons"))
    assert any("starts again at step 0" in t.value for t in at.toast), [t.value for t in at.toast]
    at.button(key="pause").click().run(timeout=60)


def test_compare_csv_holds_both_runs():
    import csv
    import io

    from ganviz.training import TrainConfig, Trainer, snapshot
    from ganviz.ui.toy_controls import compare_csv

    snaps = {}
    for label, objective in (("A", "nsgan"), ("B", "hinge")):
        t = Trainer(TrainConfig(objective=objective, g_width=16, d_width=16, log_every=5))
        t.train(10)
        snaps[label] = snapshot.take(t)
    rows = list(csv.DictReader(io.StringIO(compare_csv(snaps))))
    assert [r["step"] for r in rows] == ["5", "10"]
    assert rows[0]["A.d_loss"] and rows[0]["B.d_loss"] and rows[0]["A.d_loss"] != rows[0]["B.d_loss"]


def test_metrics_charts_follow_a_real_run_s_measurements_not_every_snapshot():
    """On a real trainer's snapshots: while it trains, the charts are redrawn at each new W1/JS/modes
    measurement and at METRICS_STEPS more steps, not for a snapshot between; paused, for any change."""
    from ganviz.training import Trainer, snapshot
    from ganviz.ui import toy_controls as tc

    t = Trainer(tc.default_config().replace(eval_every=100))
    t.train(110)
    drawn = [snapshot.take(t)]
    t.train(80)  # step 190: no new measurement, 80 steps on
    between = [snapshot.take(t)]
    assert not tc.charts_behind(drawn, between, training=True)
    assert tc.charts_behind(drawn, between, training=False)
    t.train(20)  # step 210: the measurement at step 200
    assert tc.charts_behind(drawn, [snapshot.take(t)], training=True)
    far = Trainer(tc.default_config().replace(eval_every=10**6))
    far.train(10)
    drawn = [snapshot.take(far)]
    far.train(tc.METRICS_STEPS)  # no measurement at all: the loss curves still move on
    assert tc.charts_behind(drawn, [snapshot.take(far)], training=True)


def _tick_label_px(png: Image.Image) -> int:
    """The height in pixels of the x-axis tick labels' ink in a drawn samples view: the text band right
    under the plot's frame (whose bottom edge is the lowest row of the picture's width that is mostly
    not paper), before the legend's band."""
    import numpy as np

    grey = np.asarray(png.convert("L"))
    frame_rows = np.flatnonzero((grey < 250).mean(axis=1) > 0.5)
    ink = (grey[frame_rows[-1] + 5:] < 160).any(axis=1)  # below the 4-px ticks
    first = int(np.argmax(ink))
    return int(np.argmax(~ink[first:]))  # rows of ink until the first blank row


def _frame_of(live) -> Image.Image:
    """The newest frame a live picture (an AppTest component instance) shows."""
    src = json.loads(live.proto.json_args)["src"]
    pointer = json.loads((live_frames.FRAMES / f"{src}.json").read_text())
    return Image.open(live_frames.FRAMES / f"{src}-{pointer['n']}.png")


@pytest.mark.parametrize("compare", [False, True], ids=["one run", "compare"])
def test_at_the_projector_the_picture_has_18px_type_fresh_and_training(compare):
    """Presentation mode's samples view is the live picture from step 0 (pressing Train keeps the
    view), drawn with 18 px type, one run or two (the lecture layout; its width and place on the first
    screen are measured in Chromium: tests/browser/test_layout.py): its tick labels' digits are 12-20
    px of ink, as at 18 px in the renderer's test (at 14 px type: 10)."""
    at = AppTest.from_file(PAGE)
    at.query_params.update({"present": "1", **({"compare": "1"} if compare else {})})
    _open(at)
    _open(at.button(key="reset").click())  # fresh runs: this process's trainers may be another test's
    fresh = at.get("component_instance")
    assert len(fresh) == (2 if compare else 1) and not at.get("plotly_chart")  # no curves yet either
    assert all(12 <= _tick_label_px(_frame_of(live)) <= 20 for live in fresh), [_tick_label_px(_frame_of(x)) for x in fresh]
    at.button(key="train").click().run(timeout=60)
    _wait_steps(at, 20)
    for live in at.get("component_instance"):
        assert 12 <= _tick_label_px(_frame_of(live)) <= 20, _tick_label_px(_frame_of(live))
    at.button(key="pause").click().run(timeout=60)
