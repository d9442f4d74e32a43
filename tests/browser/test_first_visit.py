"""The toy lab opened as the very first page of a fresh server (a link shared in class): it becomes
ready, as bench/first_visit.py defines it, with its picture and an enabled Train button, and its one
trainer forks from the forkserver the page started. The browser loads Streamlit's Plotly module once,
after the first view: app.py's hidden preload imports the very module the figures use, and takes no
room on the page. How fast is bench/first_visit.py's to say: no
timing is asserted here, the machine may be shared.

The module's server (conftest.py) is fresh for this module, and this is its first visit.
"""

from __future__ import annotations

from bench.first_visit import LAB, wait_ready
from tests.browser_support import children, exceptions, status_line, trainer_children


PRELOAD_HIDDEN_JS = """() => { const c = document.querySelector(".st-key-plotly_preload");
  return !!c && getComputedStyle(c.parentElement).display === "none"; }"""


def _forkservers(pid: int) -> list[int]:
    out = []
    for c in children(pid):
        try:
            with open(f"/proc/{c}/cmdline", "rb") as f:
                if b"multiprocessing.forkserver" in f.read():
                    out.append(c)
        except OSError:
            pass
    return out


def test_toy_lab_first_visit_shows_its_figure_and_train_button(server, page):
    assert trainer_children(server.pid) == [], "not a fresh server: a trainer runs already"
    page.goto(server.url + LAB)
    wait_ready(page)
    assert not exceptions(page), exceptions(page)
    assert "paused" in status_line(page), status_line(page)
    forkservers = _forkservers(server.pid)
    assert len(forkservers) == 1, forkservers
    trainers = trainer_children(server.pid)
    assert len(trainers) == 1 and trainers[0] in children(forkservers[0]), (trainers, forkservers)
    # The page's first view is a picture; the Plotly module comes after it (app.PLOTLY_LATER_MS), once.
    fetched_js = "performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/PlotlyChart.'))"
    page.wait_for_function(f"() => {fetched_js}.length > 0", timeout=60_000, polling=200)
    page.wait_for_timeout(1000)
    fetched = page.evaluate(fetched_js)
    assert len(fetched) == 1, fetched
    assert page.evaluate(PRELOAD_HIDDEN_JS), "the Plotly preload is missing or takes room on the page"
