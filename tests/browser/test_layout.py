"""The toy lab as a lecture layout, measured from element boxes in Chromium: at 1920x1080 in
presentation mode the samples view (fresh or training) and the Train button lie inside the first
screen and the picture is at least 60% of the page's width; at 1366x768 no button's text overflows
its box, in either mode. One server for the module; screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import pytest

from bench.first_visit import wait_ready
from tests.browser_support import LIVE_PICTURES_JS, exceptions, screenshot, wait_idle

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
    wait_ready(pg)  # the samples view drawn: at the projector the figure, elsewhere a fresh run's picture
    wait_idle(pg, timeout=120_000, quiet=800)
    return ctx, pg


# The live pictures that show a frame (a fresh run's, from step 0, or a training one's), with their
# boxes and their image's drawn and shown widths.
PICTURES_JS = "() => " + LIVE_PICTURES_JS + """.map(f => {
  const r = f.getBoundingClientRect(), img = f.contentDocument.getElementById('live');
  return {top: r.top, bottom: r.bottom, natural: img.naturalWidth, shown: img.clientWidth}; })"""


def _pictures(pg, runs: int) -> list[dict]:
    """The boxes of the page's ``runs`` live pictures, once that many have shown a frame."""
    pg.wait_for_function(f"() => ({PICTURES_JS})().length === {runs}", timeout=120_000, polling=200)
    return pg.evaluate(PICTURES_JS)


@pytest.mark.parametrize("query, runs", [("", 1), ("?preset=MMGAN+saturates+early", 2)])
def test_presentation_mode_fits_the_first_screen_at_1920x1080(server, browser, query, runs):
    """A fresh run at the projector is the picture it trains in (its 18 px type: the AppTest
    test_at_the_projector_the_picture_has_18px_type_fresh_and_training), shown at its own size,
    inside the first screen with Train; one run's picture spans at least 60% of the page's width."""
    url = server.url + "/Toy_GAN_Lab" + (query + "&" if query else "?") + "present=1"
    ctx, pg = _open(browser, url, 1920, 1080)
    try:
        pictures, main = _pictures(pg, runs), pg.evaluate(BOX_JS, "[data-testid='stMain']")
        assert not exceptions(pg)
        screenshot(pg, f"layout-toy{query[:12]}-1920-present")
        train = pg.evaluate(TRAIN_JS)
        assert train and train["bottom"] <= 1080, train
        for p in pictures:
            assert p["top"] >= 0 and p["bottom"] <= 1080 and p["natural"] == p["shown"], p
        if runs == 1:  # two runs share the width
            assert pictures[0]["shown"] >= 0.6 * main["width"], (pictures, main)
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


def test_presentation_mode_live_picture_fits_the_first_screen_at_1920x1080(server, browser):
    """While it trains at the projector the samples view is the server's picture: it and Pause lie in
    the first screen, the picture spans at least 60% of the page's width (a square one: 49%), shown at
    its own size (its 18 px type, ``PRESENT_TYPE_PX``, is 18 px on the screen)."""
    ctx, pg = _open(browser, server.url + "/Toy_GAN_Lab?present=1", 1920, 1080)
    try:
        pg.get_by_role("button", name="Train").click()
        pg.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMain\"] button')]"
                             ".some(b => b.innerText.trim() === 'Pause')", timeout=120_000, polling=200)
        pg.wait_for_timeout(1500)
        screenshot(pg, "layout-toy-1920-present-training")
        (live,), main = _pictures(pg, 1), pg.evaluate(BOX_JS, "[data-testid='stMain']")
        pause = pg.evaluate(TRAIN_JS.replace("'Train'", "'Pause'"))
        assert pause and pause["bottom"] <= 1080, pause
        assert live["top"] >= 0 and live["bottom"] <= 1080, live
        assert live["shown"] >= 0.6 * main["width"], (live, main)  # the picture, not its column's frame
        assert live["natural"] == live["shown"], live
        pg.get_by_role("button", name="Pause").click()
    finally:
        ctx.close()
