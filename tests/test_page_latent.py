from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "pages/4_Latent_Space.py")


def test_page_shows_paths_walk_and_truncation():
    at = AppTest.from_file(PAGE).run(timeout=120)
    assert not at.exception
    assert at.title[0].value == "Latent space"
    assert len(at.get("plotly_chart")) == 6  # linear, slerp, norms, walk, truncated samples, truncation curve
    q_loose = float(at.metric[0].value)
    at.slider(key="ls_threshold").set_value(0.2).run(timeout=120)
    assert not at.exception
    assert float(at.metric[0].value) >= q_loose - 0.02  # truncation does not lower fidelity


def test_missing_and_corrupted_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CHECKPOINTS", str(tmp_path))
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception and "No BEGAN checkpoint found" in at.error[0].value
    (tmp_path / "began_gamma0.5.safetensors").write_bytes(b"PK\x03\x04 not really")
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception and "Cannot open began_gamma0.5.safetensors" in at.error[0].value
    assert "zip archive" in at.error[0].value
