"""Links that reproduce a scene, in Chromium: every preset loaded through the sidebar and every tour
scene opened from the home page, its address copied into a fresh browser context, finds every widget
as it was; each out-of-range or unsettable toy-lab link value shows a note naming the range, never a
traceback. One server for the module."""

from __future__ import annotations

import os
import time
import urllib.parse

import pytest

from ganviz.training.presets import PRESETS
from tests.browser_support import errors, exceptions, rerun, wait_idle

# Every widget of the page's sidebar and main block: its label and what it shows. Collapsed
# expanders keep their widgets in the page, so textContent and input values still read them.
WIDGETS_JS = """() => {
  const out = {};
  const add = (kind, el, value) => {
    const lab = el.querySelector('[data-testid="stWidgetLabel"]');
    let name = kind + ':' + (lab ? lab.textContent.trim() : '?');
    while (name in out) name += "'";
    out[name] = value;
  };
  document.querySelectorAll('[data-testid="stSelectbox"]').forEach(e => add('select', e,
      (e.querySelector('input') || {}).value || e.querySelector('[data-baseweb="select"]')?.textContent.trim()));
  document.querySelectorAll('[data-testid="stSlider"]').forEach(e => add('slider', e,
      [...e.querySelectorAll('[role="slider"]')].map(t => t.getAttribute('aria-valuenow') + '/' + t.getAttribute('aria-valuetext')).join(',')));
  document.querySelectorAll('[data-testid="stNumberInput"], [data-testid="stTextInput"]').forEach(e =>
      add('input', e, e.querySelector('input').value));
  document.querySelectorAll('[data-testid="stCheckbox"]').forEach(e =>
      add('switch', e, e.querySelector('input').checked));
  return out;
}"""

TOY = "/Toy_GAN_Lab"
# The round trips of every preset and tour scene took 1-2.5 min each here (16 of them): past the
# suite's budget, so they run on request.
ROUND_TRIPS = pytest.mark.skipif(os.environ.get("GANVIZ_SLOW_BROWSER") != "1",
                                 reason="every preset and tour scene reopened: ~25 min; set GANVIZ_SLOW_BROWSER=1")


def _widgets(page) -> dict:
    return page.evaluate(WIDGETS_JS)


def _settle(page, timeout: float = 120.0) -> None:
    """Idle with the same widgets on two looks a second apart: a heavy page (BEGAN, Spectra on a
    loaded machine) is idle between its first runs before all its widgets are drawn."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        wait_idle(page, timeout=120_000, quiet=800)
        now = (page.url, _widgets(page))
        if now == last and len(now[1]) > 1:
            return
        last = now
        time.sleep(1.0)


def _reopen(browser, url: str) -> tuple[dict, list[str]]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(url)
        _settle(pg)
        return _widgets(pg), exceptions(pg) + errors(pg)
    finally:
        ctx.close()


def _pick(page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True)).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    _settle(page)


@ROUND_TRIPS
@pytest.mark.parametrize("preset", list(PRESETS))
def test_a_loaded_preset_reopens_from_its_address(server, browser, page, preset):
    page.goto(server.url + TOY)
    _settle(page)
    _pick(page, "story", preset)
    rerun(page, lambda: page.get_by_role("button", name="Load preset").click(), timeout=120_000)
    _settle(page)
    before, url = _widgets(page), page.url
    assert "preset=" in url, url
    after, problems = _reopen(browser, url)
    assert not problems, problems
    assert after == before, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}


def _tour():
    import app
    return [(i, page, label) for i, (page, label, _) in enumerate(app.TOUR)]


@ROUND_TRIPS
@pytest.mark.parametrize("index,path,label", _tour(), ids=lambda v: str(v)[:12])
def test_a_tour_scene_reopens_from_its_address(server, browser, page, index, path, label):
    page.goto(server.url + "/")
    _settle(page)
    rerun(page, lambda: page.get_by_role("link", name=label).click(), timeout=120_000)
    _settle(page)
    assert not exceptions(page)
    before, url = _widgets(page), page.url
    assert len(before) >= 2, before
    after, problems = _reopen(browser, url)
    assert not [p for p in problems if "exception" in p.lower() or "Traceback" in p], problems
    assert after == before, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}


BAD_VALUES = [  # (key=value, what its note says); grouped below into a few links, one page load each
    ("n_critic=11", "1 to 10"), ("latent_dim=99", "1 to 16"), ("g_depth=50", "1 to 6"), ("r1_gamma=100", "0 to 10"),
    ("beta1=0.995", "0 to 0.99"), ("g_ema=0.9995", "0 to 0.999"), ("label_smoothing=0.1", "0.5 to 1"),
    ("g_width=100000", "16, 32, 64, 128, 256, 512"), ("seed=-1", "0 to 1,000,000"),
    ("threads=4", "not settable from a link"), ("eval_samples=9", "not settable from a link"),
    ("lr_g=abc", "must be a number"),
]
BAD_LINKS = [
    ("&".join(q for q, _ in BAD_VALUES), BAD_VALUES),
    ("objective=wgan-gp&gp_lambda=1000", [("gp_lambda=1000", "0 to 20")]),
    ("objective=wgan&clip_c=5", [("clip_c=5", "0.001 to 0.1")]),
    ("compare=1&b.n_critic=50", [("b.n_critic=50", "1 to 10")]),
]


def test_each_bad_link_value_gives_a_note_not_a_traceback(server, browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        for query, expected in BAD_LINKS:
            pg = ctx.new_page()  # a new tab: a new session, so the link is read as on arrival
            pg.goto(f"{server.url}{TOY}?{query}")
            _settle(pg)
            assert not exceptions(pg), (query, exceptions(pg))
            notes = pg.locator("[data-testid='stAlertContentWarning']").all_inner_texts()
            assert pg.get_by_role("button", name="Train").count() == 1, query
            for value, words in expected:
                name = value.split("=")[0].removeprefix("b.")
                assert any(name in n and words in n for n in " ".join(notes).split("\n")), (value, notes)
            pg.close()
    finally:
        ctx.close()
