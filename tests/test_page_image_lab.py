"""The image lab page: it opens on the image default, trains on digits in its own process, shows
the sample grid, the losses and the classifier's measures, and draws every objective's settings."""

import time

from streamlit.testing.v1 import AppTest

from tests.test_page_toy_lab import ROOT

PAGE = str(ROOT / "pages" / "7_Image_Lab.py")


def _until(at, test, timeout=240):
    deadline = time.time() + timeout
    while not test(at):
        assert time.time() < deadline, "the image lab did not get there"
        time.sleep(1.0)
        at = at.run(timeout=60)
    return at


def _step(at) -> int:
    text = " ".join(m.value for m in at.markdown)
    import re
    m = re.search(r"step \*\*([\d,]+)\*\*", text)
    return int(m.group(1).replace(",", "")) if m else -1


def test_it_opens_the_shipped_default_run_and_reset_trains_from_step_0():
    from ganviz.training.checkpoint import check_bytes
    from ganviz.training.shipped import shipped_images

    shipped = shipped_images()["default"]
    steps = int(check_bytes(shipped.read_bytes(), ("image",))[1]["state"]["step"])
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    at = _until(at, lambda a: _step(a) >= 0)
    assert _step(at) == steps and any(shipped.stem in i.value for i in at.info)  # opened trained, paused
    assert any(f"step {steps:,}: confidence" in c.value for c in at.caption)  # and judged at once
    at.button(key="im_train").click().run()
    at = _until(at, lambda a: _step(a) > steps)
    at.button(key="im_pause").click().run()
    at.button(key="im_reset_button").click().run()
    at = _until(at, lambda a: _step(a) == 0)
    assert not any(shipped.stem in i.value for i in at.info)
    assert any("confidence" in c.value and "digit FID" in c.value for c in at.caption)  # judged before step 0
    at.button(key="im_train").click().run()
    at = _until(at, lambda a: _step(a) > 0)
    at.button(key="im_pause").click().run()
    assert not at.exception


def test_each_objective_shows_its_own_settings_and_the_energy_ones_offer_begans_pair():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="im_objective").set_value("wgan-gp").run()
    assert not at.exception and at.slider(key="im_gp_lambda@wgan-gp").value == 10.0
    assert at.radio(key="im_arch_False").options == ["dcgan", "sagan", "biggan"]  # BEGAN's pair needs an energy objective
    at.selectbox(key="im_objective").set_value("began").run()
    assert not at.exception
    assert at.radio(key="im_arch_True").options == ["dcgan", "began", "sagan"]
    assert at.slider(key="im_began_gamma@began").value == 0.5


def test_a_preset_sets_the_widgets_of_its_run_and_says_its_sentence():
    from ganviz.training.presets_image import PRESETS, preset_config
    from ganviz.ui.image_presets import widget_values

    name = "R1 keeps all ten"
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="im_story").set_value(name).run()
    at.button(key="im_load_preset").click().run()
    assert not at.exception
    for key, value in widget_values(preset_config(name)).items():
        assert at.session_state[key] == value, key
    assert at.select_slider(key="im_r1_gamma@nsgan").value == 100.0 and at.select_slider(key="im_batch").value == 16
    assert any(PRESETS[name].watch in i.value for i in at.info)
    at.select_slider(key="im_r1_gamma@nsgan").set_value(0.0).run()  # no longer the preset's run: no sentence
    assert not any(PRESETS[name].watch in i.value for i in at.info)


def test_stacked_digits_train_three_channel_images_and_are_judged_by_their_modes():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="im_data").set_value("stacked").run()
    assert not at.exception
    at = _until(at, lambda a: "3-channel 16×16 images" in " ".join(m.value for m in a.markdown))
    assert any("of 1,000 modes** among 2,000 samples" in c.value for c in at.caption)


def test_a_bad_upload_says_what_was_wrong_and_changes_nothing():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.file_uploader(key="im_upload").upload("renamed.zip", b"not a zip at all", "application/zip").run()
    assert not at.exception
    assert any("not a zip archive" in e.value and "Nothing was changed" in e.value for e in at.error)
    assert at.selectbox(key="im_data").value == "digits"


def test_an_upload_trains_on_its_images_and_is_not_judged_as_digits():
    from ganviz.training.image_snapshot import NOT_JUDGED_FOLDER
    from tests.test_page_began import _png, _zip

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    good = _zip({f"d/{i}.png": _png(255 * (i % 2)) for i in range(20)})
    at.file_uploader(key="im_upload").upload("mine.zip", good, "application/zip").run()
    assert any("(20 images" in m.value and "Press **Train**" in m.value for m in at.success)
    assert at.selectbox(key="im_data").value == "upload:mine.zip"
    at = _until(at, lambda a: any(NOT_JUDGED_FOLDER in i.value for i in a.info))  # the trainer has the upload
    assert not at.exception and "grey 16×16 images" in " ".join(m.value for m in at.markdown)


def _figures(at) -> dict:
    """The page's Plotly figures by their chart key (the grid, the losses, the measures, ...)."""
    import json

    return {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def test_the_projector_toggle_is_here_and_at_the_projector_the_grid_is_larger_and_type_18px():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at = _until(at, lambda a: _step(a) >= 0)
    assert at.toggle(key="present").value is False
    figs = _figures(at)
    small = figs["im_grid_chart"]["layout"]["height"]  # 4 rows of 8 digits: ~40 + 300 * 0.5 px
    assert small < 200 and "tickfont" not in figs["im_losses"]["layout"]["xaxis"]  # the theme's type
    at.toggle(key="present").set_value(True).run()
    at = _until(at, lambda a: _step(a) >= 0)
    figs = _figures(at)
    assert figs["im_grid_chart"]["layout"]["height"] == 420 > 2 * small  # and ends inside 1080 px (looked at)
    for key in ("im_losses", "im_classes", "im_measures", "im_fid"):
        layout = figs[key]["layout"]
        assert layout["xaxis"]["tickfont"]["size"] == 18 and layout["yaxis"]["tickfont"]["size"] == 18, key
    assert not at.exception
