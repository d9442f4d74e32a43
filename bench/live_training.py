"""Live training against headless: steps/s of the toy lab's trainer while the page redraws in
Chromium, against the same recipe trained headless (as ``python -m ganviz train`` does), in one run.

Prints one JSON line: headless steps/s, live steps/s, their ratio, and the page's redraws per
second (counted in the browser as changes of the status line, which is redrawn with each figure
update). Run: python bench/live_training.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playwright.sync_api import sync_playwright  # noqa: E402

from ganviz.training import Trainer  # noqa: E402
from ganviz.ui.toy_controls import default_config  # noqa: E402
from tests.browser_support import launch, streamlit_server, wait_idle  # noqa: E402

STATUS_JS = """() => { const m = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
  .map(e => e.innerText).find(t => t.startsWith('A: ')); return m || ''; }"""


def headless_rate(seconds: float) -> float:
    t = Trainer(default_config())
    t.train(50)  # warm-up
    n0, t0 = t.step_count, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t.step()
    return (t.step_count - n0) / (time.perf_counter() - t0)


def live_rate(seconds: float) -> tuple[float, float]:
    with streamlit_server() as server, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url + "/Toy_GAN_Lab")
        wait_idle(page)
        page.get_by_role("button", name="Train").click()
        page.wait_for_timeout(3000)  # warm-up
        seen, changes = None, 0
        first = last = None
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            text = page.evaluate(STATUS_JS)
            m = re.search(r"step (\d+)", text)
            if m:
                step = int(m.group(1))
                if first is None:
                    first = (step, time.perf_counter())
                last = (step, time.perf_counter())
                if text != seen:
                    changes += 1
                    seen = text
            page.wait_for_timeout(20)
        elapsed = time.perf_counter() - t0
        browser.close()
    steps_per_s = (last[0] - first[0]) / (last[1] - first[1])
    return steps_per_s, changes / elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=20.0)
    args = p.parse_args()
    headless = headless_rate(args.seconds)
    live, redraws = live_rate(args.seconds)
    print(json.dumps({"headless_steps_per_s": round(headless, 1), "live_steps_per_s": round(live, 1),
                      "ratio": round(live / headless, 3), "redraws_per_s": round(redraws, 2)}))


if __name__ == "__main__":
    main()
