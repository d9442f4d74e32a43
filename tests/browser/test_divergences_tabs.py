"""Divergences in a real Chromium: each tab keeps its settings while another tab is open, on screen,
in the URL and in what the figures and table were computed from."""

import re

from tests.browser_support import exceptions, move_slider, rerun, wait_idle


def open_tab(page, name):
    rerun(page, lambda: page.get_by_role("tab", name=name, exact=True).click())


def slider_text(page, label):
    return page.get_by_role("slider", name=label).first.get_attribute("aria-valuetext")


def choose(page, label, option):
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.click()  # opens the list; no rerun
    rerun(page, lambda: page.get_by_role("option", name=option, exact=True).click())


def test_tab_switches_keep_every_tabs_settings(server, page):
    page.goto(server.url + "/Divergences?shift=3.0")
    wait_idle(page, timeout=120_000)
    assert slider_text(page, "shift of Q") == "3.00"
    choose(page, "Q (before moving)", "mixture")
    rerun(page, lambda: move_slider(page, "samples n", 2, "ArrowLeft"))  # 500 -> 100
    assert slider_text(page, "samples n") == "100"
    table = page.locator("[data-testid='stDataFrame']").first.inner_text()
    open_tab(page, "Parallel lines")
    rerun(page, lambda: move_slider(page, "theta", 4, "ArrowLeft"))  # 0.5 -> 0.3
    assert slider_text(page, "theta") == "0.30"
    for _ in range(2):  # there and back twice: a value must survive more than one closed run
        open_tab(page, "1D: JS vs W1")
        assert slider_text(page, "shift of Q") == "3.00"
        assert slider_text(page, "samples n") == "100"
        assert page.get_by_role("combobox", name="Q (before moving)").input_value() == "mixture"
        assert page.locator("[data-testid='stDataFrame']").first.inner_text() == table  # computed from them
        assert re.search(r"shift=3\.0", page.url) and "q=mixture" in page.url and "n=100" in page.url
        open_tab(page, "Parallel lines")
        assert slider_text(page, "theta") == "0.30"
        assert "theta=0.3" in page.url and "shift=3.0" in page.url
    assert not exceptions(page)
