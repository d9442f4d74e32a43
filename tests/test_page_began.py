import io
import shutil
import zipfile

from PIL import Image

from streamlit.testing.v1 import AppTest

from ganviz.training import Trainer
from ganviz.training.began import began_config
from ganviz.training.checkpoint import to_bytes
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


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _png(value: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (12, 12), value).save(buf, "PNG")
    return buf.getvalue()


def test_a_link_never_names_a_server_folder(tmp_path, monkeypatch):
    """/etc, a missing folder, an empty folder, an allowed folder with ../ and a path to an allowed
    folder all read the same note and load nothing; the allowed folder's name opens it."""
    (tmp_path / "pics").mkdir()
    for i in range(3):
        (tmp_path / "pics" / f"{i}.png").write_bytes(_png(255))
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("GANVIZ_DATA_DIRS", f"pics={tmp_path / 'pics'}")
    notes = set()
    for source in ["/etc", str(tmp_path / "missing"), str(tmp_path / "empty"), "pics/../empty",
                   str(tmp_path / "pics")]:
        at = AppTest.from_file(PAGE)
        at.query_params["source"] = source
        at.run(timeout=120)
        assert not at.exception and not at.text_input  # no free text box anywhere on the page
        notes.add(" ".join(w.value for w in at.warning))
        assert at.selectbox(key="bg_source").value == "digits"
    assert len(notes) == 1 and "not available on this server" in notes.pop()
    at = AppTest.from_file(PAGE)
    at.query_params["source"] = "pics"
    at.run(timeout=120)
    assert not at.warning and at.selectbox(key="bg_source").options == ["digits (bundled, 1,797 scans)", "pics"]
    at.button(key="bg_scratch").click().run(timeout=120)
    assert not at.exception and not at.error
    text = _text(at)
    assert "image folder pics (3 images)" in text and str(tmp_path) not in text


def test_an_uploaded_zip_trains_and_a_bad_one_changes_nothing():
    at = AppTest.from_file(PAGE).run(timeout=120)
    at.file_uploader(key="bg_images").upload("renamed.zip", _png(0), "application/zip").run(timeout=60)
    assert any("not a zip archive" in e.value and "Nothing was changed" in e.value for e in at.error)
    assert at.selectbox(key="bg_source").value == "digits"
    good = _zip({f"d/{i}.png": _png(255 * (i % 2)) for i in range(20)} | {"d/broken.png": b"\x89PNG no"})
    at.file_uploader(key="bg_images").upload("mine.zip", good, "application/zip").run(timeout=60)
    assert any("upload mine.zip (20 images, 1 unreadable skipped)" in m.value for m in at.success)
    assert at.selectbox(key="bg_source").value == "upload:mine.zip"
    at.button(key="bg_scratch").click().run(timeout=120)
    assert not at.exception and not at.error
    assert "upload mine.zip (20 images, 1 unreadable skipped)" in _text(at)


def test_an_uploaded_checkpoint_cannot_name_a_server_folder(tmp_path):
    """A checkpoint's recipe comes from the browser too: its data source is a name, never a path."""
    (tmp_path / "secret.png").write_bytes(_png(0))
    trainer = Trainer(began_config(dataset="folder", source=str(tmp_path), g_width=8, d_width=8, latent_dim=8,
                                   ae_code=8))
    assert len(trainer.data) == 1  # the command line reads the path
    at = AppTest.from_file(PAGE).run(timeout=120)
    before = _text(at)
    at.file_uploader(key="bg_upload").upload("crafted.safetensors", to_bytes(trainer), "application/octet-stream")
    at.run(timeout=60)
    errors = " ".join(e.value for e in at.error)
    assert "not available on this server" in errors and "Nothing was changed" in errors, errors
    assert "began_gamma0.5.safetensors" in before and "began_gamma0.5.safetensors" in _text(at)


def test_formulas_beside_the_curves_and_headers_a_lecture_reads():
    at = AppTest.from_file(PAGE).run(timeout=120)
    latex = " ".join(x.value for x in at.latex)
    for term in (r"\mathcal{L}_D = \mathcal{L}(x) - k_t", r"k_{t+1} = \operatorname{clip}_{[0,1]}", r"M_{\rm global}"):
        assert term in latex
    assert list(at.dataframe[0].value.columns) == ["γ", "quality (mean confidence)", "class entropy",
                                                  "pairwise distance", "classes present", "digit FID", "precision",
                                                  "recall", "density", "coverage", "k_t at the end", "steps"]
    # the FID floor the page names is the one measured on the same n (two real halves)
    from ganviz.metrics.image_quality import real_floor
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import classifier_path
    floor = real_floor(load_classifier(classifier_path()), n=500)["digit_fid"]
    assert f"500 real digits against the other 898 give {floor:.1f}" in " ".join(c.value for c in at.caption)


def test_presentation_mode_folds_the_intro_so_the_figures_come_up():
    at = AppTest.from_file(PAGE)
    at.query_params["present"] = "1"
    at.run(timeout=120)
    assert "What to look for" in [e.label for e in at.expander]
    plain = AppTest.from_file(PAGE).run(timeout=120)
    assert "What to look for" not in [e.label for e in plain.expander]
