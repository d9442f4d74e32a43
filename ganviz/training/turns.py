"""Fair turns for trainers: at most ``slots`` train at once, the others wait and take turns.

The rule:

1. A trainer that asks to train (``join``) gets a free slot at once; when none is free it waits
   at the back of a FIFO queue.
2. While someone waits, a trainer that has held its slot for ``turn`` seconds gives it to the
   longest-waiting one and goes to the back of the queue itself. With ``w`` waiting and ``s``
   slots, every trainer therefore trains at least once per ``ceil(w / s) + 1`` turns.
3. With nobody waiting, nobody is interrupted: a holder keeps its slot as long as it likes.
4. ``leave`` (pause, stop, reset, a closed tab, a finished or diverged run) takes a trainer out of
   the queue, or frees its slot for the next in line, at once.

A trainer is handed its turn by callbacks: ``on_turn()`` when it gets a slot, ``off_turn()`` when
it gives one up in rule 2 (never after ``leave``). They run under the scheduler's lock, so a
``leave`` can never slip between the decision and the callback (a paused trainer started again);
they must be quick and must not call the scheduler (sending one message down a pipe is right).

One daemon thread does the rotation of rule 2, and it lives only while someone waits: an idle
server holds no thread for it.

Example (cap 1: b waits until a pauses; the turn-taking itself is tested in tests/test_process_worker.py):

>>> t = TurnScheduler(slots=1, turn=60.0)
>>> log = []
>>> t.join("a", lambda: log.append("a on"), lambda: log.append("a off"))
True
>>> t.join("b", lambda: log.append("b on"), lambda: log.append("b off"))
False
>>> t.waiting("b"), t.others("b")
(True, 1)
>>> t.leave("a"); log
['a on', 'b on']
>>> t.holding("b"), t.others("b")
(True, 0)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

# A turn long enough that a student sees their run move (hundreds of steps, several new pictures
# at 5 polls a second) and that switching (one pipe message each way, ~ms) costs nothing, and short
# enough that in a lecture hall (8 tabs, 3 slots) everyone trains again within ~10 s of waiting.
TURN_SECONDS = 5.0


class TurnScheduler:
    """At most ``slots`` holders at once; waiting ones take turns of ``turn`` seconds (module docstring)."""

    def __init__(self, slots: int, turn: float = TURN_SECONDS):
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        self.slots, self.turn = slots, turn
        self._cond = threading.Condition()
        self._queue: dict[Hashable, tuple[Callable, Callable]] = {}  # FIFO: dicts keep insertion order
        self._holders: dict[Hashable, tuple[float, Callable, Callable]] = {}  # key -> (since, on, off)
        self._thread: threading.Thread | None = None

    def join(self, key: Hashable, on_turn: Callable[[], None], off_turn: Callable[[], None]) -> bool:
        """Ask to train; True when ``key`` holds a slot now (``on_turn`` has run), False when it waits.
        Joining again while holding or waiting changes nothing."""
        with self._cond:
            if key not in self._holders and key not in self._queue:
                self._queue[key] = (on_turn, off_turn)
                self._rotate()
                if self._queue and self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="ganviz-turns", daemon=True)
                    self._thread.start()
                self._cond.notify_all()
            return key in self._holders

    def leave(self, key: Hashable) -> None:
        """Out of the queue, or the slot to the next in line, at once (no callback for ``key``)."""
        with self._cond:
            self._queue.pop(key, None)
            if self._holders.pop(key, None) is not None:
                self._rotate()
            self._cond.notify_all()

    def holding(self, key: Hashable) -> bool:
        with self._cond:
            return key in self._holders

    def waiting(self, key: Hashable) -> bool:
        with self._cond:
            return key in self._queue

    def others(self, key: Hashable) -> int:
        """How many other trainers ``key`` is taking turns with (0 while nobody waits)."""
        with self._cond:
            if not self._queue or (key not in self._queue and key not in self._holders):
                return 0
            return len(self._queue) + len(self._holders) - 1

    def rotate(self) -> None:
        """Apply the rule now (the thread does this when a turn ends; tests call it directly)."""
        with self._cond:
            self._rotate()

    def _rotate(self) -> None:
        """Fill free slots from the queue's head; while the queue is not empty, move holders whose
        turn is over to its back (the longest holder first). Call under ``_cond``."""
        now = time.monotonic()
        while self._queue:
            if len(self._holders) >= self.slots:
                key, (since, on, off) = min(self._holders.items(), key=lambda kv: kv[1][0])
                if now - since < self.turn:
                    return
                del self._holders[key]
                off()
                self._queue[key] = (on, off)
            key = next(iter(self._queue))
            on, off = self._queue.pop(key)
            self._holders[key] = (now, on, off)
            on()

    def _run(self) -> None:
        """Rotate whenever the oldest holder's turn ends; end when nobody waits."""
        with self._cond:
            while True:
                self._rotate()
                if not self._queue:
                    self._thread = None
                    return
                # The queue is not empty, so every slot is held: sleep until the oldest turn ends.
                ends = min(since for since, _, _ in self._holders.values()) + self.turn
                self._cond.wait(max(ends - time.monotonic(), 0.01))
