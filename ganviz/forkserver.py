"""The server of forks that starts the trainer processes (ganviz.training.process_worker).

A module of its own, importing nothing but the standard library, so that the forkserver can start
before anything imports torch: app.py's server starts it as the server starts (``wait_ready``), and
a page calls ``warm_up`` before its own imports, for a server started without it (AppTest). The
forkserver's imports (torch and POT, ~5 s of CPU) then run in their own process, beside the page's
(on two cores at once where two are free), instead of after them.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import sys
import threading
import types

# What a trainer process needs (torch, POT, the trainer's modules), imported once by the forkserver
# and shared by every fork; ganviz/forkserver_preload.py says what and why.
FORKSERVER_PRELOAD = ["ganviz.forkserver_preload"]
_main_lock = threading.Lock()


@contextlib.contextmanager
def absent(*packages: str):
    """While inside, ``import`` of these packages raises ImportError, as if they were not installed
    (a None in sys.modules); afterwards they import as before.

    >>> with absent("json"):
    ...     import json
    Traceback (most recent call last):
    ModuleNotFoundError: import of json halted; None in sys.modules
    >>> import json
    """
    saved = {name: sys.modules[name] for name in packages if name in sys.modules}
    for name in packages:
        sys.modules[name] = None
    try:
        yield
    finally:
        for name in packages:
            del sys.modules[name]
        sys.modules.update(saved)


def context():
    """On Linux, a "forkserver": a fresh single-threaded process that has imported torch once and
    forks each trainer from itself. A trainer is then up in a fraction of a second instead of
    importing torch again (~4 s of CPU: 8 trainers started at once were all up after 14 s on 2 cores
    instead of 36), and it shares torch's memory with the others (~28 MiB private memory per trainer
    in bench/run.py instead of ~470 for a spawned one). Forking the threaded server itself would be unsafe; forking this
    single-threaded server of forks is not (PyTorch's DataLoader forks its workers on Linux too).
    Elsewhere each trainer is spawned afresh."""
    if not sys.platform.startswith("linux"):
        # macOS has a forkserver, but forking a process that loaded torch (and with it Apple's
        # frameworks) is unsafe there; Windows has none.
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
    return ctx


@contextlib.contextmanager
def bare_main():
    """While a child process or the forkserver starts: a spawned child (or the forkserver, when it
    starts) re-runs the parent's __main__ file, which under Streamlit is the page script. It gets a
    bare module for that moment instead."""
    with _main_lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


_started = False


def warm_up() -> None:
    """Start the forkserver now (once per server process; a few ms here, its imports run in its own
    process), so the first trainer of this server forks from a forkserver that is already importing
    torch. Call it before importing anything heavy; a no-op where trainers are spawned."""
    global _started
    if _started or not sys.platform.startswith("linux"):
        return
    context()  # the preload list must be set before the forkserver starts
    from multiprocessing import forkserver

    with bare_main():
        forkserver.ensure_running()
    _started = True


def _exit_at_once() -> None:
    """The body of the child ``wait_ready`` starts: nothing."""


def wait_ready() -> None:
    """Start the forkserver if need be and return once it has finished its imports: a trainer started
    from then on is up in a fraction of a second. It forks one child that exits at once (the
    forkserver forks only after its imports). Elsewhere (trainers spawned) a no-op."""
    warm_up()
    if not _started:
        return
    child = context().Process(target=_exit_at_once, name="ganviz-warm-up", daemon=True)
    with bare_main():
        child.start()
    child.join()
