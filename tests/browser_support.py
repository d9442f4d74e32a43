"""Start ``streamlit run app.py`` on a free port and drive Debian's Chromium with Playwright.

Shared by the browser tests (tests/browser/) and the benchmarks (bench/). Playwright cannot
download its own browser here, so it launches /usr/bin/chromium with the flags that keep it off
the network.

"Idle" is read from the attribute Streamlit's frontend puts on its root element,
``data-test-script-state`` (``notRunning`` once the script has finished); the server's threads and
child processes are read from /proc (Linux), so a test can see that closing a tab frees its trainer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements.txt)"
    return None


def require_browser() -> None:
    """Skip (on a developer's machine) or fail (in CI, where CI=true) when the browser is missing:
    CI must never pass by skipping the browser tests."""
    import pytest

    why = browser_missing()
    if why is None:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {why}")
    pytest.skip(f"browser tests skipped: {why}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict | None = None, timeout: float = 60.0, log_path: str | Path | None = None,
                     options: dict | None = None, address: str | None = "127.0.0.1"):
    """Yield a fresh ``streamlit run app.py`` (a Popen with ``.url``, ``.port``, ``.log_path``); stop it
    afterwards.

    ``options`` are extra ``--section.name value`` flags; ``address=None`` leaves the listening
    address to .streamlit/config.toml; the server's output goes to ``log_path`` (default:
    discarded), which the tests read to find tracebacks the page did not show.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if address is not None:
        cmd += ["--server.address", address]
    for k, v in (options or {}).items():
        cmd += [f"--{k}", str(v)]
    if log_path is not None:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path if log_path is not None else os.devnull, "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit did not start")
            time.sleep(0.2)
        proc.url = url
        proc.port = port
        proc.log_path = log_path
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


IDLE_JS = """(quiet) => {
  const app = document.querySelector("[data-testid='stApp']");
  const ok = app && app.dataset.testScriptState === 'notRunning'
             && app.dataset.testConnectionState === 'CONNECTED'
             && document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']");
  if (!ok) { window.__ganvizIdleSince = null; return false; }
  window.__ganvizIdleSince = window.__ganvizIdleSince || performance.now();
  return performance.now() - window.__ganvizIdleSince >= quiet;
}"""


def wait_idle(page, timeout: float = 60_000, quiet: float = 400) -> None:
    """Wait until Streamlit's script has finished and stayed finished for ``quiet`` ms (a page
    that redraws on a timer while training is never idle for long: pause it first)."""
    page.wait_for_function(IDLE_JS, arg=quiet, timeout=timeout, polling=100)


WATCH_RUNS_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__ganvizRuns = 0;
  if (window.__ganvizObserver) window.__ganvizObserver.disconnect();
  // Any change of the script's state counts: a short run's start and end can reach this callback in
  // one batch of records, after which the state it sees is the one it saw before.
  window.__ganvizObserver = new MutationObserver((records) => { window.__ganvizRuns += records.length; });
  window.__ganvizObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def rerun(page, action, timeout: float = 60_000, lost_after: float = 20_000) -> None:
    """Do ``action()`` (a click, a key press), wait until the script it triggers has started and
    then until the page is idle: on a busy machine a rerun can start later than ``wait_idle`` looks.

    Under load Streamlit rarely loses a click: the page stays idle, the script's state never changes
    (2 in ~45 runs of test_bad_input's diverged scene on 2 busy cores; the Train button was there and
    enabled). An action that started nothing in ``lost_after`` ms is done once more, as a user would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = ("() => window.__ganvizRuns > 0 || document.querySelector(\"[data-testid='stApp']\")"
               ".dataset.testScriptState !== 'notRunning'")
    page.evaluate(WATCH_RUNS_JS)
    action()
    # A click during a run (a page that redraws on a timer) can join that run: the state then never
    # turns to "running" again, it already is. Callers check the click's effect afterwards.
    try:
        page.wait_for_function(started, timeout=lost_after, polling=50)
    except PlaywrightTimeout:
        print(f"no rerun {lost_after / 1000:.0f} s after the action: doing it again")
        action()
        page.wait_for_function(started, timeout=timeout, polling=50)
    wait_idle(page, timeout)


# The toy lab's live pictures (ganviz.ui.live_frames) that have shown a frame, and the first of them
# (or undefined): JavaScript expressions, for the page's readiness (bench/first_visit.py) and the
# layout tests.
LIVE_PICTURES_JS = ("[...document.querySelectorAll(\"[data-testid='stMain'] iframe\")].filter(f => {"
                    " try { return (f.contentWindow.__ganvizLive || {}).frames > 0; } catch (e) { return false; } })")
LIVE_PICTURE_JS = LIVE_PICTURES_JS + "[0]"


def exceptions(page) -> list[str]:
    """Texts of the exception boxes Streamlit shows on the page (empty when there is none)."""
    return page.locator("[data-testid='stException']").all_inner_texts()


def errors(page) -> list[str]:
    """Texts of st.error / st.warning boxes."""
    return page.locator("[data-testid='stAlertContentError'], [data-testid='stAlertContentWarning']").all_inner_texts()


FIGURES_JS = "() => [...document.querySelectorAll('.js-plotly-plot')].map(g => JSON.stringify(g.data || null))"


def figures(page) -> list[str]:
    """One digest per plotly figure on the page, of the data it draws (equal digests: same figure)."""
    return [hashlib.sha1(s.encode()).hexdigest()[:12] for s in page.evaluate(FIGURES_JS)]


def move_slider(page, label: str, presses: int = 1, key: str = "ArrowRight") -> str:
    """Move the slider named ``label`` with the keyboard (as a user would); return its shown value."""
    thumb = page.get_by_role("slider", name=label).first
    thumb.focus()
    for _ in range(presses):
        thumb.press(key)
    return thumb.get_attribute("aria-valuetext") or thumb.inner_text()


def screenshot(page, name: str) -> Path:
    """Save a screenshot under artifacts/screenshots/ (kept by CI as a test artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path))  # Streamlit scrolls inside its main block: the viewport is the page
    return path


STATUS_JS = """(prefix) => { const m = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
  .map(e => e.innerText).find(t => t.startsWith(prefix)); return m || ''; }"""


def status_line(page, prefix: str = "A: ") -> str:
    """The toy lab's status line of a run ("A: nsgan on ring8 · step 120 · ... ● training")."""
    return page.evaluate(STATUS_JS, prefix)


def step_of(text: str) -> int | None:
    m = re.search(r"step\s*\**(\d[\d,]*)", text)
    return int(m.group(1).replace(",", "")) if m else None


# --- the server's threads and child processes (Linux /proc) ------------------------------------
def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def trainer_children(pid: int) -> list[int]:
    """The server's trainer processes: its multiprocessing spawn children, and the children of its
    forkserver (ganviz.training.process_worker forks trainers from one). Neither the resource-tracker
    process nor the forkserver, which multiprocessing keeps for the server's lifetime, is counted."""
    out = []
    for c in children(pid):
        try:
            with open(f"/proc/{c}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in cmd:
            out.append(c)
        elif b"multiprocessing.forkserver" in cmd:
            out.extend(children(c))
    return out


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes together, in MiB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def private_mb(pids: list[int]) -> float:
    """Memory these processes hold alone (USS: private pages; shared libraries such as torch's,
    mapped by every process, are not counted again for each), in MiB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += sum(int(line.split()[1]) for line in f
                             if line.startswith(("Private_Clean:", "Private_Dirty:")))
        except OSError:
            pass
    return total / 1024


def app_tracebacks(log: str) -> list[str]:
    """The tracebacks in a server log that pass through ganviz's own files (app.py, pages/,
    ganviz/). Streamlit's web server also logs a traceback of its own when a tab closes while its
    websocket is still opening; that one is the server's noise, not the app's error."""
    chunks = log.split("Traceback (most recent call last):")[1:]
    return [c for c in chunks if str(ROOT) in c]


def dump_json(name: str, data) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_text(json.dumps(data, indent=1))
    return path
