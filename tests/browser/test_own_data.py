"""Your own data in Chromium: a bad CSV is refused with a message and changes nothing; clicks and a
lasso on the plane draw a set, the runs train on it (step > 0), and the page's link, opened in a
fresh browser context, brings back the same points (their CSV downloads byte for byte the same)."""

from __future__ import annotations

import math
import time

from tests.browser_support import errors, exceptions, rerun, status_line, step_of, wait_idle

TOY = "/Toy_GAN_Lab"
PLANE_JS = """() => { const g = [...document.querySelectorAll('.js-plotly-plot')]
  .find(g => (g.data || []).some(t => t.name === 'plane')); if (!g) return null; g.scrollIntoView();
  const r = g.querySelector('.nsewdrag').getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; }"""
LO, HI = -2.1, 2.1  # the plane's axes while the set lies inside [-2, 2]^2 (own_data.plane_figure)


def _plane(page) -> dict:
    page.wait_for_function(PLANE_JS)
    time.sleep(0.5)  # Plotly lays the figure out after it appears
    return page.evaluate(PLANE_JS)


def _at(box: dict, x: float, y: float) -> tuple[float, float]:
    """Page pixels of the plane's data point (x, y)."""
    return box["x"] + box["w"] * (x - LO) / (HI - LO), box["y"] + box["h"] * (HI - y) / (HI - LO)


def _own_title(page) -> str:
    return next((t for t in page.locator("[data-testid='stExpander'] summary").all_inner_texts()
                 if "Your own data" in t), "")


def _csv(page) -> str:
    with page.expect_download() as dl:
        page.get_by_role("button", name="points CSV").click()
    return open(dl.value.path()).read()


def test_draw_train_and_reopen_the_link_with_the_same_points(server, browser, page):
    page.goto(server.url + TOY)
    wait_idle(page, timeout=120_000)
    page.get_by_text("Your own data: draw points or upload a CSV").click()

    # A bad file: a message naming the row and the problem, and nothing changes.
    bad = b"x,y\n" + b"0.5,0.5\n" * 5 + b"nan,1\n" + b"1,1\n" * 10
    rerun(page, lambda: page.locator("[class*='grp_own_data'] [data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}]))
    assert any("bad.csv, row 7: x is nan" in e and "Nothing was changed" in e for e in errors(page))
    assert "dataset" not in page.url and "Your own data: draw" in _own_title(page)
    # So a later run does not show it again. Its rerun waited for as a click's: one that began after a
    # plain wait_idle returned swallowed the next click's run (the test then waited for a run in vain).
    rerun(page, lambda: page.get_by_role("button", name="Remove bad.csv").click())

    # Draw: two clicks (a cloud each) and a lasso around (-1, -1).
    rerun(page, lambda: page.get_by_text("draw on the plane").click())
    for x, y in ((1.0, 1.0), (1.0, -0.5)):
        box = _plane(page)
        rerun(page, lambda: page.mouse.click(*_at(box, x, y)))
    assert "(32 points)" in _own_title(page)
    rerun(page, lambda: page.get_by_text("lasso", exact=True).click())
    box = _plane(page)

    def lasso():
        page.mouse.move(*_at(box, -0.6, -1.0))
        page.mouse.down()
        for k in range(25):
            a = 2 * math.pi * k / 24
            page.mouse.move(*_at(box, -1 + 0.4 * math.cos(a), -1 + 0.4 * math.sin(a)), steps=2)
        page.mouse.up()

    rerun(page, lasso)
    n = int(_own_title(page).split("(")[1].split()[0].replace(",", ""))
    assert n > 32 + 100, _own_title(page)  # the region was filled: ~4 points per 0.1 cell of a radius-0.4 disc
    assert "dataset=own" in page.url and "points=1" in page.url
    assert not exceptions(page)

    # Train on them until a step is taken, then pause.
    rerun(page, lambda: page.get_by_role("button", name="Train").click())
    deadline = time.time() + 120
    while (step_of(status_line(page)) or 0) < 1:
        assert time.time() < deadline, status_line(page)
        time.sleep(0.5)
    assert " on own" in status_line(page)
    page.get_by_role("button", name="Pause").click()
    wait_idle(page, timeout=60_000)
    link, drawn = page.url, _csv(page)
    assert drawn.count("\n") == n + 1

    # The copied link in a fresh context: the same set, as own, trains again.
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        fresh = ctx.new_page()
        fresh.set_default_timeout(60_000)
        fresh.goto(link)
        wait_idle(fresh, timeout=120_000)
        assert f"({n:,} points)" in _own_title(fresh) and " on own" in status_line(fresh)
        assert not errors(fresh) and not exceptions(fresh)
        assert _csv(fresh) == drawn  # the group opens by itself while the dataset is own
    finally:
        ctx.close()
