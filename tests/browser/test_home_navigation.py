"""The sidebar's navigation and the server's warm-up, on a fresh server (this module's own).

The server, as it starts, warms the trainers' forkserver before anybody visits: its log says so,
and no child of the warm-up is left. The navigation names the home page "Home" (not its file's
name, "app") and lists the pages in the home page's order, also for a visitor who comes straight to
a page by a link before anybody opened the home page.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.first_visit import LAB, WARM_LINE, wait_ready
from ganviz.ui.tour import PAGES
from tests.browser_support import ROOT, exceptions, trainer_children, wait_idle
from tests.browser.test_first_visit import _forkservers

NAV = "[data-testid='stSidebarNav'] a"
# The navigation's titles come from the file names (pages/2_Toy_GAN_Lab.py: "Toy GAN Lab").
EXPECTED_NAV = ["Home"] + [Path(p).stem.split("_", 1)[1].replace("_", " ") for p, *_ in PAGES if (ROOT / p).is_file()]


def _nav(page) -> list[str]:
    return [t.strip().splitlines()[-1] for t in page.locator(NAV).all_inner_texts()]


def test_the_server_warms_its_forkserver_before_anybody_visits(server):
    log = Path(server.log_path)
    deadline = time.time() + 120
    while WARM_LINE not in log.read_text(errors="replace"):
        assert time.time() < deadline, log.read_text(errors="replace")[-2000:]
        time.sleep(0.5)
    assert len(_forkservers(server.pid)) == 1
    assert trainer_children(server.pid) == []  # nobody visited yet: the warm-up's one child has exited


def test_a_link_straight_to_the_toy_lab_shows_the_home_page_as_home_and_the_pages_in_order(server, page):
    page.goto(server.url + LAB)  # this server's first visit
    wait_ready(page)
    assert _nav(page) == EXPECTED_NAV
    page.locator(NAV).first.click()
    page.wait_for_url(server.url + "/")
    wait_idle(page)
    assert not exceptions(page), exceptions(page)
    links = page.locator("[data-testid='stMain'] [data-testid='stPageLink']").all_inner_texts()
    listed = [t.strip().splitlines()[-1] for t in links[:len(EXPECTED_NAV) - 1]]
    assert listed == [title for p, title, _ in PAGES if (ROOT / p).is_file()]
    assert _nav(page) == EXPECTED_NAV
