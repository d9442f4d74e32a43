import time

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "pages/5_Spectra.py")


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def _charts(at) -> dict:
    return {c.proto.id: c for c in at.get("plotly_chart")}


def test_page_opens_with_frame_and_spectra_of_step_0():
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception
    assert at.title[0].value == "Spectra"
    assert "Try this" in _text(at)
    # sigma_0, sigma_0/sigma_1 and the heatmap for G and for D, from the recording at step 0.
    assert len(at.get("plotly_chart")) == 6
    assert "step **0**" in _text(at)
    assert at.toggle(key="sp_sn").value is False


def test_train_pause_and_presets_switch_spectral_norm():
    at = AppTest.from_file(PAGE).run(timeout=60)
    at.button(key="sp_start").click().run(timeout=60)
    time.sleep(1.5)
    at.button(key="sp_pause").click().run(timeout=60)
    assert not at.exception
    text = _text(at)
    step = int(text.split("step **")[1].split("**")[0])
    assert step >= 25, text  # it trained, and the figures show more than the first recording
    # The fix preset turns R1 on; the spectral-norm preset turns spectral norm on and D's figure
    # gets dotted W_SN lines.
    at.button(key="sp_preset_fix").click().run(timeout=60)
    at.button(key="sp_pause").click().run(timeout=60)
    assert at.select_slider(key="sp_r1").value == 0.1 and "r1_gamma = 0.1" in _text(at)
    at.button(key="sp_preset_spectral_norm").click().run(timeout=60)
    at.button(key="sp_pause").click().run(timeout=60)
    assert not at.exception
    assert at.toggle(key="sp_sn").value is True and at.select_slider(key="sp_r1").value == 0.0
    assert "W_SN" in _text(at)
    # Live toggles change the running trainer's config without a reset.
    at.select_slider(key="sp_clamp").set_value(3.0).run(timeout=60)
    assert not at.exception
    assert "sigma_clamp = 3.0" in _text(at)
    at.button(key="sp_preset_collapse").click().run(timeout=60)
    at.button(key="sp_pause").click().run(timeout=60)
    assert at.toggle(key="sp_sn").value is False and "sigma_clamp = 0.0" in _text(at)


def test_digits_show_conv_layers_samples_and_measures_beside_the_spectra():
    from ganviz.training.presets_spectra import SENTENCES

    at = AppTest.from_file(PAGE).run(timeout=60)
    at.radio(key="sp_data").set_value("digits").run(timeout=60)
    assert not at.exception
    text = _text(at)
    assert "Preset **digits_collapse**" in text and SENTENCES["digits_collapse"] in text
    charts = _charts(at)
    assert len(charts) == 7 and any(k.endswith("sp_fig_grid") for k in charts)  # the sample grid, then 6 as before
    assert "classes** present" in text and "digit FID" in text and "real vs real at the same n" in text
    g = next(c for k, c in charts.items() if k.endswith("sp_fig_sigma0_G"))
    assert "G layer 2: conv 3×3, 32→16" in g.proto.spec and "classes present" in g.proto.spec
    at.button(key="sp_preset_digits_fix").click().run(timeout=60)
    at.button(key="sp_pause").click().run(timeout=60)
    assert at.select_slider(key="sp_r1").value == 100.0 and "r1_gamma = 100.0" in _text(at)
    assert SENTENCES["digits_fix"] in _text(at)
    at.radio(key="sp_data").set_value("points").run(timeout=60)
    assert "Preset **collapse**" in _text(at) and len(_charts(at)) == 6
