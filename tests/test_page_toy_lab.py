import json
import time

from PIL import Image
from streamlit.testing.v1 import AppTest

from ganviz.plots.live import picture_size
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
    assert len(at.get("plotly_chart")) == 3
    assert _step(at) == 0
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
    assert len(at.get("plotly_chart")) == 4  # two sample views, metrics, histogram
    assert any("saturates" in i.value for i in at.info)


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
    assert at.number_input(key="a_seed").value == 7
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
    notes = " ".join(w.value for w in bad.warning)
    for word in ("objective", "lr_g", "batch", "colour", "preset"):
        assert word in notes
    bad.run(timeout=60)  # the notes stay on later runs of the same session
    assert notes == " ".join(w.value for w in bad.warning)


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
    good, _ = to_bytes(other)
    at.file_uploader(key="upload").upload("two_moons.safetensors", good, "application/octet-stream").run(timeout=60)
    assert not at.exception
    assert any("Continuing from two_moons.safetensors" in s.value for s in at.success)
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
