"""All of ganviz's speed figures, measured in one run (issue 7). Prints one JSON line.

1. trainer: our toy Trainer's steps/s at 1 and 2 threads against the baseline commit's trainer and a
   plain PyTorch loop of the same model, batch and optimiser at 1 and 2 threads
   (bench/trainer_speed.py; ratio > 1: ours is faster).
2. live: the toy lab's steps/s while its page redraws in Chromium against the same recipe trained
   headless (bench/live_training.py; ratio 1: drawing costs training nothing).
3. divergence_page: server time of one slider change on the Divergences page at n = 500
   (bench/divergence_page.py, AppTest; the median over the page's sliders, and each slider).
4. first_page: the toy lab's first visit on a fresh ``streamlit run app.py``, opened directly, in
   seconds until its figure and an enabled Train button show (budget 4 s; opened as the server answers, it
   waits for what app.py warms at server start: the trainers' forkserver, the page's imports), the same page in a second tab (the browser's
   and the page's own time, the floor under it), the toy lab opened ``first_visit.SETTLE_S`` s after
   the server answered (its warm-up at start done: the first student after the lecturer), and home
   then the toy lab (bench/first_visit.py). Both first visits are printed against the 4 s budget.
5. memory: peak memory per toy-lab session while 2 tabs train: resident (RSS: counts torch's
   shared libraries again in every process) and private (USS: what the session really adds),
   each as (peak of server + trainer processes - the server with no session) / tabs.

The machine this runs on may be shared: the 1-minute load average is printed beside the figures.
Run: python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import divergence_page, first_visit, live_training, trainer_speed  # noqa: E402
from tests.browser_support import (launch, private_mb, rss_mb, status_line, step_of,  # noqa: E402
                                   streamlit_server, trainer_children, wait_idle)


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def trainer(steps: int, blocks: int) -> dict:
    """Ours, the baseline commit's trainer and the plain loop, each at its thread counts (idle)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        baseline = trainer_speed.baseline_tree(trainer_speed.BASELINE, Path(tmp))
        return trainer_speed.measure(steps, blocks, baseline)


def live(seconds: float) -> dict:
    return live_training.measure(seconds)


def divergence(repeats: int) -> dict:
    runs = divergence_page.page(repeats)
    per = {k: round(statistics.median(v), 1) for k, v in runs.items()}
    return {"n": divergence_page.N, "median_ms": round(statistics.median([t for v in runs.values() for t in v]), 1),
            "per_slider_ms": per, "budget_ms": divergence_page.BUDGET_MS}


def _vm(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def first_page(repeats: int) -> dict:
    fv = first_visit.measure(repeats, settle=first_visit.SETTLE_S)
    runs = fv["direct_runs"]
    return {"toy_lab_direct_s": fv["toy_lab_direct_s"], "budget_s": fv["budget_s"],
            "within_budget": fv["toy_lab_direct_s"] <= fv["budget_s"],
            "toy_lab_settled_s": fv["toy_lab_settled_s"], "settle_s": fv["settle_s"],
            "within_budget_settled": fv["toy_lab_settled_s"] <= fv["budget_s"], "settled_runs": fv["settled_runs"],
            "second_session_s": statistics.median(r["second_session_s"] for r in runs),
            "load_1min": [r["load_1min"] for r in runs], "direct_runs": runs,
            "home_s": fv["via_home"]["home_s"], "toy_lab_after_home_s": fv["via_home"]["toy_lab_s"],
            "load_1min_via_home": fv["via_home"]["load_1min"]}


def memory(sessions: int, train_seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        with streamlit_server() as server:
            # One visit first, so "the server alone" has imported what a session needs.
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server.url + "/Toy_GAN_Lab")
            wait_idle(page)
            page.close()
            time.sleep(2)
            server_alone, server_alone_private = _vm(server.pid, "VmRSS"), private_mb([server.pid])

            contexts = [browser.new_context() for _ in range(sessions)]
            pages = [c.new_page() for c in contexts]
            for pg in pages:
                pg.goto(server.url + "/Toy_GAN_Lab")
            for pg in pages:
                wait_idle(pg, timeout=120_000)
                pg.get_by_role("button", name="Train", exact=True).click()
            peak, peak_private, peak_child = 0.0, 0.0, 0.0
            t_end = time.time() + train_seconds
            while time.time() < t_end:
                kids = trainer_children(server.pid)
                peak = max(peak, rss_mb([server.pid] + kids))
                peak_private = max(peak_private, private_mb([server.pid] + kids))
                peak_child = max([peak_child] + [private_mb([k]) for k in kids])
                time.sleep(0.5)
            steps = [step_of(status_line(pg)) or 0 for pg in pages]
            server_peak = _vm(server.pid, "VmHWM")
            for c in contexts:
                c.close()
        browser.close()
    return {"sessions": sessions, "server_alone_rss_mb": round(server_alone),
            "per_session_rss_mb": round((peak - server_alone) / sessions),
            "per_session_private_mb": round((peak_private - server_alone_private) / sessions),
            "trainer_process_private_mb": round(peak_child), "server_peak_rss_mb": round(server_peak),
            "steps_reached": steps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter measurements (a smoke run)")
    args = ap.parse_args()
    q = args.quick
    out = {"load_average_1min_start": _load(), "cpus": os.cpu_count()}
    out["first_page"] = first_page(1 if q else 3)
    out["memory"] = memory(sessions=2, train_seconds=5 if q else 10)
    out["trainer"] = trainer(100 if q else 200, 2 if q else 3)
    out["live"] = live(5 if q else 15)
    out["divergence_page"] = divergence(2 if q else 5)
    out["load_average_1min_end"] = _load()
    print(first_visit.summary(out["first_page"]["direct_runs"]), file=sys.stderr)
    print(first_visit.settled_summary(out["first_page"]), file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
