"""At a 1366x768 laptop no button label on Spectra or Latent space is cut (text wider than its box)."""

import pytest

from tests.browser_support import wait_idle

CUT_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] button')].filter(b =>
  [b, ...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1)).map(b => b.innerText)"""


@pytest.mark.parametrize("path", ["/Spectra", "/Latent_Space", "/Spectra?present=1"])
def test_no_button_label_is_cut_at_1366(server, browser, path):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    try:
        page.goto(server.url + path)
        wait_idle(page, timeout=120_000)
        page.get_by_role("button", name="↺ Reset").first.wait_for() if "Spectra" in path else None
        assert page.evaluate(CUT_JS) == []
    finally:
        ctx.close()
