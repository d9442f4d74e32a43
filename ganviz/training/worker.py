"""Background training in a thread: one worker thread per trainer, a lock around the model.

The worker never touches the UI. It takes the lock for a short slice of steps (at most
``SLICE_SECONDS``), releases it and yields, so a reader that copies a snapshot under the same lock
waits at most one slice: training does not wait for drawing, and drawing barely waits for
training. Pausing ends the thread; resuming starts a new one, so a paused session holds no thread.

Every trainer of this server, these threads and the toy lab's processes alike, trains only while
it holds a slot of ``turns`` (at most ``max_trainers()`` at once: a lecture hall of tabs on one
server); the others report the state "queued" and take turns (``ganviz.training.turns``).
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from typing import Callable, TypeVar

from ganviz.training.trainer import Trainer, TrainingDiverged
from ganviz.training.turns import TurnScheduler

T = TypeVar("T")
SLICE_SECONDS = 0.02


def max_trainers() -> int:
    """GANVIZ_MAX_TRAINERS, or the number of CPU cores (one thread per trainer)."""
    try:
        return max(1, int(os.environ.get("GANVIZ_MAX_TRAINERS", "")))
    except ValueError:
        return max(1, os.cpu_count() or 1)


turns = TurnScheduler(max_trainers())  # the server's trainer slots, shared by every session and page
_workers: "weakref.WeakSet[TrainerWorker]" = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    # A daemon thread inside a torch op at interpreter exit aborts the process.
    for w in list(_workers):
        w.pause()


class TrainerWorker:
    """Runs ``trainer.step()`` in a thread, while it holds a slot of ``scheduler`` (default: the
    server's ``turns``), until paused, stopped, diverged or ``max_steps``."""

    def __init__(self, trainer: Trainer, max_steps: int | None = None, scheduler: TurnScheduler | None = None):
        self.lock = threading.Lock()
        self.trainer = trainer
        self.max_steps = max_steps
        self.error: str | None = None
        self.state = "paused"  # paused | queued | running | finished | diverged
        self._turns = scheduler if scheduler is not None else turns
        self._wanted = False  # training or waiting for a turn
        self._stop = threading.Event()  # the current thread's; each turn's thread has its own
        self._thread: threading.Thread | None = None
        _workers.add(self)

    # --- control ------------------------------------------------------------------------------
    def start(self) -> None:
        """Train when the scheduler gives it a turn: at once if a slot is free, else "queued".
        No-op while it trains or waits, or after divergence."""
        if self._wanted or self.state == "diverged":
            return
        self._wanted = True
        self.state = "queued"
        self._turns.join(self, self._turn_begins, self._turn_ends)

    def pause(self, timeout: float = 5.0) -> None:
        """Give up the slot (or the place in the queue), stop the thread and wait for it to end."""
        self._wanted = False
        self._turns.leave(self)
        self._stop.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)
        if self.state in ("running", "queued"):
            self.state = "paused"

    stop = pause

    @property
    def running(self) -> bool:
        """Training or queued to train (what the Train/Pause button shows)."""
        return self._wanted

    @property
    def sharing(self) -> int:
        """How many other trainers this one takes turns with (0 while nobody waits)."""
        return self._turns.others(self)

    # The scheduler's callbacks: under its lock, so quick (start a thread, or flag one to end).
    def _turn_begins(self) -> None:
        self._stop = stop = threading.Event()
        self.state = "running"
        self._thread = threading.Thread(target=self._loop, args=(stop,), name="ganviz-trainer", daemon=True)
        self._thread.start()

    def _turn_ends(self) -> None:
        self._stop.set()
        self.state = "queued"

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
    def _loop(self, stop: threading.Event) -> None:
        """Train in slices until ``stop`` (this turn's flag) is set, or the run ends."""
        while not stop.is_set():
            with self.lock:
                t_end = time.perf_counter() + SLICE_SECONDS
                try:
                    while time.perf_counter() < t_end and not stop.is_set():
                        if self.max_steps is not None and self.trainer.step_count >= self.max_steps:
                            self.state = "finished"
                            self._leave()
                            return
                        self.trainer.step()
                except Exception as e:  # divergence, or a bug: either must not kill the page silently
                    self._diverged(e)
                    self._leave()
                    return
            time.sleep(0)  # let a waiting reader take the lock

    def _leave(self) -> None:
        """The run ended by itself: its slot goes to the next in line."""
        self._wanted = False
        self._turns.leave(self)

    def _diverged(self, e: Exception) -> None:
        self.error = str(e) if isinstance(e, TrainingDiverged) else f"training stopped: {type(e).__name__}: {e}"
        self.state = "diverged"
        self._stop.set()
