"""The toy lab as a lecture layout, measured from element boxes in Chromium: at 1920x1080 in
presentation mode the samples figure and the Train button lie inside the first screen and the
figure is at least 60% of the page's width; at 1366x768 no button's text overflows its box, in
either mode. One server for the module; screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.browser_support import exceptions, screenshot, wait_idle

BOX_JS = """(sel) => { const e = document.querySelector(sel); if (!e) return null;
  const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, width: r.width}; }"""
TRAIN_JS = """() => { const b = [...document.querySelectorAll('[data-testid="stMain"] button')]
  .find(b => b.innerText.trim() === 'Train'); if (!b) return null;
  const r = b.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, width: r.width}; }"""
CUT_JS = """() => [...document.querySelectorAll('button')].filter(b => b.offsetParent !== null &&
  [b, ...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1)).map(b => b.innerText)"""


def _open(browser, url, w, h):
    ctx = browser.new_context(viewport={"width": w, "height": h})
    pg = ctx.new_page()
    pg.set_default_timeout(120_000)
    pg.goto(url)
    wait_idle(pg, timeout=120_000, quiet=800)
    pg.wait_for_selector("[data-testid='stMain'] .js-plotly-plot")
    wait_idle(pg, timeout=120_000, quiet=800)
    return ctx, pg


@pytest.mark.parametrize("query", ["", "?preset=MMGAN+saturates+early"])
def test_presentation_mode_fits_the_first_screen_at_1920x1080(server, browser, query):
    url = server.url + "/Toy_GAN_Lab" + (query + "&" if query else "?") + "present=1"
    ctx, pg = _open(browser, url, 1920, 1080)
    try:
        assert not exceptions(pg)
        screenshot(pg, f"layout-toy{query[:12]}-1920-present")
        fig = pg.evaluate(BOX_JS, "[data-testid='stMain'] .js-plotly-plot")
        main = pg.evaluate(BOX_JS, "[data-testid='stMain']")
        train = pg.evaluate(TRAIN_JS)
        assert train and train["bottom"] <= 1080, train
        assert fig["top"] >= 0 and fig["bottom"] <= 1080, fig
        if not query:  # one run: one figure; two runs share the width
            assert fig["width"] >= 0.6 * main["width"], (fig, main)
        sizes = pg.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot text')]
          .map(t => parseFloat(getComputedStyle(t).fontSize)).filter(s => s > 0)""")
        assert sizes and min(sizes) >= 18, sorted(set(sizes))
    finally:
        ctx.close()


@pytest.mark.parametrize("present", [False, True])
def test_no_button_text_is_cut_at_1366x768(server, browser, present):
    for path in ("/", "/Toy_GAN_Lab", "/Toy_GAN_Lab?preset=MMGAN+saturates+early"):
        q = ("&" if "?" in path else "?") + "present=1" if present else ""
        ctx, pg = (_open(browser, server.url + path + q, 1366, 768) if path != "/" else (None, None))
        if pg is None:
            ctx = browser.new_context(viewport={"width": 1366, "height": 768})
            pg = ctx.new_page()
            pg.goto(server.url + path + q)
            wait_idle(pg, timeout=120_000, quiet=800)
        try:
            screenshot(pg, f"layout{path.replace('/', '_')}-1366{'-present' if present else ''}")
            assert not pg.evaluate(CUT_JS), (path, present, pg.evaluate(CUT_JS))
        finally:
            ctx.close()
