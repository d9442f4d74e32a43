"""Background training: one worker thread per trainer, a lock around the model, a global cap.

The worker never touches the UI. It takes the lock for a short slice of steps (at most
``SLICE_SECONDS``), releases it and yields, so a reader that copies a snapshot under the same lock
waits at most one slice: training does not wait for drawing, and drawing barely waits for
training. Pausing ends the thread; resuming starts a new one, so a paused session holds no thread.

At most ``max_trainers()`` workers train at once across the process (a lecture hall of tabs on one
server); the others report the state "queued" until a slot frees.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from typing import Callable, TypeVar

from ganviz.training.trainer import Trainer, TrainingDiverged

T = TypeVar("T")
SLICE_SECONDS = 0.02


def max_trainers() -> int:
    """GANVIZ_MAX_TRAINERS, or the number of CPU cores (one thread per trainer)."""
    try:
        return max(1, int(os.environ.get("GANVIZ_MAX_TRAINERS", "")))
    except ValueError:
        return max(1, os.cpu_count() or 1)


_slots = threading.BoundedSemaphore(max_trainers())
_workers: "weakref.WeakSet[TrainerWorker]" = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    # A daemon thread inside a torch op at interpreter exit aborts the process.
    for w in list(_workers):
        w.pause()


class TrainerWorker:
    """Runs ``trainer.step()`` in a thread until paused, stopped, diverged or ``max_steps``."""

    def __init__(self, trainer: Trainer, max_steps: int | None = None):
        self.lock = threading.Lock()
        self.trainer = trainer
        self.max_steps = max_steps
        self.error: str | None = None
        self.state = "paused"  # paused | queued | running | finished | diverged
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        _workers.add(self)

    # --- control ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start (or resume) training in a new thread; no-op while one runs or after divergence."""
        if self.running or self.state == "diverged":
            return
        self._stop.clear()
        self.state = "queued"
        self._thread = threading.Thread(target=self._loop, name="ganviz-trainer", daemon=True)
        self._thread.start()

    def pause(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it to end."""
        self._stop.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)
        if self.state in ("running", "queued"):
            self.state = "paused"

    stop = pause

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def step_once(self, which: str = "both") -> None:
        """One manual step while paused: "d", "g" or "both"."""
        with self.lock:
            try:
                {"d": self.trainer.step_d, "g": self.trainer.step_g, "both": self.trainer.step}[which]()
            except TrainingDiverged as e:
                self._diverged(e)

    def replace(self, trainer: Trainer) -> None:
        """Swap in a new trainer (reset, or a structural change); the old thread is stopped."""
        self.pause()
        with self.lock:
            self.trainer = trainer
            self.error = None
            self.state = "paused"

    def update(self, **changes) -> None:
        """Change hyperparameters; they act at the next step."""
        with self.lock:
            self.trainer.update(**changes)

    def read(self, fn: Callable[[Trainer], T]) -> T:
        """Call ``fn(trainer)`` under the lock: copy what you need, do not keep references."""
        with self.lock:
            return fn(self.trainer)

    # --- the thread ---------------------------------------------------------------------------
    def _loop(self) -> None:
        while not _slots.acquire(timeout=0.2):
            if self._stop.is_set():
                return
        try:
            self.state = "running"
            while not self._stop.is_set():
                with self.lock:
                    t_end = time.perf_counter() + SLICE_SECONDS
                    try:
                        while time.perf_counter() < t_end and not self._stop.is_set():
                            if self.max_steps is not None and self.trainer.step_count >= self.max_steps:
                                self.state = "finished"
                                return
                            self.trainer.step()
                    except TrainingDiverged as e:
                        self._diverged(e)
                        return
                    except Exception as e:  # a bug must not kill the page silently
                        self._diverged(e)
                        return
                time.sleep(0)  # let a waiting reader take the lock
        finally:
            _slots.release()

    def _diverged(self, e: Exception) -> None:
        self.error = str(e) if isinstance(e, TrainingDiverged) else f"training stopped: {type(e).__name__}: {e}"
        self.state = "diverged"
        self._stop.set()
