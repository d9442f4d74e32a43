"""The server of forks that starts the trainer processes (ganviz.training.process_worker).

A module of its own, importing nothing but the standard library, so a page can start the forkserver
before it imports torch itself: ganviz.training (and with it process_worker) imports torch and POT
first (~5 s of CPU). Started that late, the forkserver's own imports (~7 s) came after the page's,
and the toy lab's first visit on a fresh server waited for both in turn; started first, they run on
two cores at once where two are free (bench/first_visit.py; on a busy shared machine the gain is
smaller: there the first visit waits for its total CPU time more than for the longest chain of it).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import sys
import threading
import types

# What a trainer process needs, imported once by the forkserver and shared by every fork.
# torch._dynamo: torch.optim imports it lazily when the first optimiser is built (~1.8 s of CPU,
# more than building the networks). Preloaded, a trainer forked from a running forkserver sent its
# first snapshot after 0.22 s instead of 2.55 s, and held 26 MiB of private memory instead of 191
# (the import wrote to pages the forks otherwise share; load 4-5 on 2 cores).
# POT ("ot") too: the library imports it where it is used (the server's pages need it late or never),
# but every trainer measures W1 with it.
FORKSERVER_PRELOAD = ["torch", "torch._dynamo", "ot", "ganviz.training.trainer", "ganviz.training.snapshot",
                      "ganviz.training.image_snapshot", "ganviz.metrics.image_quality",
                      "ganviz.training.process_worker"]
_main_lock = threading.Lock()


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
