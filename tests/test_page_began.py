import shutil

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "pages/3_BEGAN.py")


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def test_page_opens_on_the_shipped_checkpoint_with_curves_samples_and_sweep():
    at = AppTest.from_file(PAGE).run(timeout=120)
    assert not at.exception
    assert at.title[0].value == "BEGAN" and "Try this" in _text(at)
    text = _text(at)
    assert "began_gamma0.5.safetensors" in text and "k_t = **" in text
    keys = {c.proto.id for c in at.get("plotly_chart")}
    assert len(at.get("plotly_chart")) >= 6, keys  # curves, samples, 3 sweep grids, sweep chart
    assert len(at.dataframe) == 1 and at.dataframe[0].value.shape[0] == 3


def test_gamma_slider_acts_on_the_trainer_and_a_step_moves_k_t():
    at = AppTest.from_file(PAGE).run(timeout=120)
    at.select_slider(key="bg_gamma").set_value(0.9).run(timeout=120)
    assert not at.exception
    assert "γ = 0.9" in _text(at)


def test_missing_and_corrupted_checkpoints_give_clear_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CHECKPOINTS", str(tmp_path))
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception
    assert any("No shipped BEGAN checkpoint" in w.value for w in at.warning)
    (tmp_path / "began_gamma0.5.safetensors").write_bytes(b"\x80\x04garbage")
    shutil.copy(ROOT / "checkpoints/digit_classifier.safetensors", tmp_path)
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Cannot open began_gamma0.5.safetensors" in errors and "pickle" in errors


def test_bad_data_folder_is_reported(tmp_path):
    at = AppTest.from_file(PAGE).run(timeout=120)
    at.text_input(key="bg_source").set_value(str(tmp_path / "nope"))
    at.button(key="bg_scratch").click().run(timeout=60)
    assert not at.exception
    assert any("no such folder" in e.value for e in at.error)
