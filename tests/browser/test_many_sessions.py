"""A lecture hall in one server: 8 browser sessions train the toy lab at once, with room for only
3 trainers (GANVIZ_MAX_TRAINERS=3). The trainers take turns (ganviz.training.turns), so every
session makes progress, each showing "training" or "queued — taking turns"; closing the tabs ends
every trainer process and brings the server's thread count back to where it was, within 60 s.
With CAP + 1 tabs, the queued one trains as soon as another pauses.
"""

from __future__ import annotations

import os
import time
import urllib.request

import pytest

from ganviz.ui.common import SessionWorkers, release_workers
from tests.browser_support import (ARTIFACTS, app_tracebacks, exceptions, private_mb, screenshot, status_line,
                                   step_of, thread_count, trainer_children, wait_idle)

SESSIONS, CAP = 8, 3
SERVER_ENV = {"GANVIZ_MAX_TRAINERS": str(CAP)}


def _state(text: str) -> str:
    for s in ("queued", "training", "paused", "starting", "stopped", "finished"):
        if s in text:
            return s
    return "?"


BLANK_JS = "() => !document.querySelector(\"[data-testid='stMain'] [data-testid='stElementContainer']\")"
BLANK_SECONDS = 20.0  # a page drawing no Streamlit element this long has gone blank (below)


def _watch(page) -> None:
    """Keep the page's script errors and a renderer crash, for the failure message."""
    page.errors_seen = []
    page.on("pageerror", lambda e: page.errors_seen.append(str(e)[:400]))
    page.on("crash", lambda *_: page.errors_seen.append("the renderer crashed"))


def _recover(page, url: str) -> None:
    """Reload a page whose app went blank, as a student would, and press Train again."""
    screenshot(page, "many_sessions-blank")
    page.goto(url)
    wait_idle(page, timeout=120_000)
    page.get_by_role("button", name="Train", exact=True).click()


def _poll(pages, until, timeout: float, what: str, recovered: list | None = None) -> list[str]:
    """Status lines of every page, re-read until ``until(lines)`` holds. A page in the middle of a
    rerun shows no status line for a moment: its last one read counts.

    Twice in many runs (load 5-12 on 2 cores, 8 Chromium pages) one page went blank: no element of
    the app left in its DOM, a white screenshot, no script error, while the server and its trainer
    went on. That is the browser's, not the server's: with ``recovered`` (a list), one blank page is
    reloaded and trained again (noted there, the screenshot kept); a second one, or a page that stalls
    with its app drawn, fails."""
    deadline = time.time() + timeout
    lines = [""] * len(pages)
    blank_since: dict[int, float] = {}
    while True:
        lines = [status_line(p) or old for p, old in zip(pages, lines)]
        if until(lines):
            return lines
        if recovered is not None:
            for i, p in enumerate(pages):
                if not p.evaluate(BLANK_JS):
                    blank_since.pop(i, None)
                elif time.time() - blank_since.setdefault(i, time.time()) > BLANK_SECONDS and not recovered:
                    recovered.append((i, list(getattr(p, "errors_seen", []))))
                    _recover(p, p.url)
                    lines[i], deadline = "", max(deadline, time.time() + 90)
                    blank_since.pop(i)
        if time.time() > deadline:
            for i, p in enumerate(pages):
                screenshot(p, f"many_sessions-failed-{i}")
            # A page without a status line: what it shows instead (an alert, a spinner, a stale run).
            shown = {i: p.locator("[data-testid='stAlert'], [data-testid='stStatusWidget']").all_inner_texts()
                     for i, (p, ln) in enumerate(zip(pages, lines)) if not ln}
            blank = [i for i, p in enumerate(pages) if p.evaluate(BLANK_JS)]
            errors = {i: p.errors_seen for i, p in enumerate(pages) if getattr(p, "errors_seen", None)}
            raise AssertionError(f"{what} within {timeout:.0f} s: {[ln.replace(chr(10), ' ') for ln in lines]}; "
                                 f"pages without a status line show: {shown}; blank pages: {blank} "
                                 f"(recovered before: {recovered}); script errors: {errors}")
        time.sleep(0.3)


def _settle(server, baseline_threads: int | None, timeout: float) -> int:
    """Wait until no trainer process is left and the threads are back to ``baseline_threads``.

    The web server (Starlette on anyio) keeps a pool of worker threads that grows with the number
    of tabs; an idle worker is retired only when a later request reaches the pool 10 s on
    (anyio's WorkerThread.MAX_IDLE_TIME). So while waiting, ask for the index page now and then, as
    any later visitor would: what remains after that is what the sessions left behind.
    """
    deadline = time.time() + timeout
    t0 = time.time()
    while True:
        kids, threads = trainer_children(server.pid), thread_count(server.pid)
        if not kids and (baseline_threads is None or threads <= baseline_threads):
            return threads
        if time.time() > deadline:
            raise AssertionError(f"after {timeout:.0f} s: {len(kids)} trainer processes, {threads} threads "
                                 f"(before: {baseline_threads})")
        if time.time() - t0 > 11:
            try:
                with urllib.request.urlopen(server.url + "/", timeout=10) as r:
                    r.read()
            except OSError:
                pass  # a busy server answers late: keep waiting
        time.sleep(1.0)


def _open_in(server, contexts):
    """One page per context on the toy lab, opened one after the other: each waits until its
    trainer process is up (it imports torch). Opened all at once, 8 processes loading torch and 8
    pages polling for them starved each other on 2 cores (wait_idle ran past 180 s)."""
    pages = []
    for c in contexts:
        p = c.new_page()
        _watch(p)
        p.set_default_timeout(60_000)
        p.goto(server.url + "/Toy_GAN_Lab")
        wait_idle(p, timeout=120_000)
        pages.append(p)
    return pages


def test_eight_sessions_all_make_progress_and_free_their_workers(server, browser):
    t_start = time.time()
    # Warm up: one session opens the lab and closes, so the baseline counts the server's lasting
    # threads (its thread pools) but no session's.
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(server.url + "/Toy_GAN_Lab")
    wait_idle(page)
    ctx.close()
    _settle(server, None, 60)
    time.sleep(1.0)
    baseline = thread_count(server.pid)

    t_open0 = time.time()
    contexts = [browser.new_context(viewport={"width": 1100, "height": 800}) for _ in range(SESSIONS)]
    try:
        pages = _open_in(server, contexts)
        t_open = time.time()
        kids = trainer_children(server.pid)
        assert len(kids) == SESSIONS  # one trainer process per session

        for p in pages:
            p.get_by_role("button", name="Train", exact=True).click()
        # Every session makes progress (its step grows from 0) while the trainers take turns: each
        # shows training, or queued while it waits for its turn.
        said_turns = set()

        def all_progress(lines):
            said_turns.update(i for i, x in enumerate(lines) if "taking turns with" in x)
            return all(_state(x) in ("training", "queued") and (step_of(x) or 0) > 0 for x in lines)

        recovered = []
        lines = _poll(pages, all_progress, 120, "every session making progress, training or queued", recovered)
        t_progress = time.time()
        assert said_turns, "no session said that it takes turns"
        threads, memory = thread_count(server.pid), private_mb(kids) / SESSIONS
        queued = [i for i, x in enumerate(lines) if _state(x) == "queued"]
        if queued:
            screenshot(pages[queued[0]], "many_sessions-queued")
        for p in pages:
            assert not exceptions(p), exceptions(p)
    finally:
        for c in contexts:
            c.close()
    t_closed = time.time()
    threads_after = _settle(server, baseline, 60)
    released = time.time() - t_closed
    errors = app_tracebacks((ARTIFACTS / "streamlit-test_many_sessions.log").read_text(errors="replace"))
    assert not errors, errors[0][-3000:]
    print(f"\n{SESSIONS} sessions, {CAP} trainers at once: opened in {t_open - t_open0:.0f} s, all made progress "
          f"{t_progress - t_open:.0f} s after Train; while training: {threads} server threads, "
          f"{memory:.0f} MiB private memory per trainer process; closed: released in {released:.1f} s, "
          f"threads {threads_after} (baseline {baseline}); whole test {time.time() - t_start:.0f} s; "
          f"blank pages reloaded: {recovered or 'none'}")


@pytest.mark.skipif(os.environ.get("GANVIZ_SLOW_BROWSER") != "1",
                    reason="~50 s; the rule is tested on real trainer processes in "
                           "tests/test_process_worker.py::test_three_trainer_processes_share_one_slot and the "
                           "queued badge above; set GANVIZ_SLOW_BROWSER=1")
def test_a_queued_session_trains_when_another_pauses(server, browser):
    """CAP + 1 sessions: the one left without a slot waits, visibly, and trains once one pauses."""
    contexts = [browser.new_context(viewport={"width": 1100, "height": 800}) for _ in range(CAP + 1)]
    try:
        pages = _open_in(server, contexts)
        for p in pages:
            p.get_by_role("button", name="Train", exact=True).click()
        # One waits. (The trainers also take turns every few seconds: a page read in the middle of a
        # turn change may still show the old state, so wait for a moment when they agree.)
        lines = _poll(pages, lambda ls: all(_state(x) == "queued" or (_state(x) == "training" and step_of(x))
                                            for x in ls) and [_state(x) for x in ls].count("queued") == 1,
                      90, "every session training or queued, one of them queued")
        states = [_state(x) for x in lines]
        waiting, first = states.index("queued"), states.index("training")
        before = step_of(lines[waiting]) or 0
        pages[first].get_by_role("button", name="Pause", exact=True).click()
        _poll(pages, lambda ls: _state(ls[waiting]) == "training" and (step_of(ls[waiting]) or 0) > before
              and _state(ls[first]) == "paused", 60, "the queued session trains after another paused")
        for p in pages:
            assert not exceptions(p), exceptions(p)
    finally:
        for c in contexts:
            c.close()
    _settle(server, None, 60)


def test_release_returns_at_once_and_stops_every_worker():
    """Streamlit calls on_release on its event loop: it must not wait for trainers to exit."""
    stopped = []

    class SlowToStop:
        def stop(self):
            time.sleep(0.5)
            stopped.append(self)

    sw = SessionWorkers()
    workers = [sw.put("a", SlowToStop()), sw.put("b", SlowToStop())]
    t0 = time.perf_counter()
    thread = release_workers(sw)
    assert time.perf_counter() - t0 < 0.2 and not stopped
    thread.join(5)
    assert stopped == workers
