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


def test_it_trains_and_measures_the_samples():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    at = _until(at, lambda a: _step(a) == 0)
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
