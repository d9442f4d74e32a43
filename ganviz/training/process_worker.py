"""A trainer in its own process, so drawing never slows training.

Why a process and not a thread: small CPU torch ops hold the GIL, and building and sending plotly
figures is Python-heavy, so a training thread inside the Streamlit server lost a large share of
its speed while the page redrew 4 times a second (bench/live_training.py measures this). The child
process trains on its own core; the server only reads the snapshots it pushes.

Protocol over one ``multiprocessing`` pipe (both ends are ours; a browser's bytes cross it only as a
checkpoint the child reads with ``checkpoint.from_bytes``, which never unpickles):
parent -> child: (seq, command), one of the command types below (``Start``, ``Pause``, ``Step``,
``Update``, ``Replace``, ``Load``, ``Save``, ``Stop``); seq numbers the commands.
child -> parent: ("snapshot", (seq, snapshot)), ("saved", (seq, bytes)), ("refused", (seq, message)) for
a checkpoint it could not load (the run it had goes on), where seq is the last
command handled, so the parent can wait for the answer to its own command; the snapshot is the
lab's own type (``take_snapshot``'s).
The child pushes a snapshot every ``PUSH_SECONDS`` while training and after every command.

At most ``max_trainers()`` children train at once in this server (a lecture hall of tabs); the
others show the state "queued" and take turns with them (``ganviz.training.turns``: a trainer that
has trained for a turn while others wait pauses and goes to the back of the queue).
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

from ganviz import forkserver
from ganviz.training.turns import TurnScheduler
from ganviz.training.worker import SLICE_SECONDS, turns  # the server's trainer slots, threads' too

# Each snapshot pushed becomes a frame of the page's live picture (ganviz.ui.live_frames): ~5 a second
# (4.2-4.4 drawn, bench/live_training.py). A snapshot costs the trainer ~7.6 ms: ~4% of its time.
PUSH_SECONDS = 0.18
_mp = forkserver.context()  # see there: a forkserver on Linux, spawn elsewhere
_workers: "weakref.WeakSet[ProcessWorker]" = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for w in list(_workers):
        w.stop()


# --- the commands the parent sends --------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    """Train (the parent's turn scheduler says when)."""


@dataclass(frozen=True)
class Pause:
    """Stop training after the current slice."""


@dataclass(frozen=True)
class Step:
    """One manual step while paused: a D step, a G step or both."""

    which: str = "both"

    def __post_init__(self):
        if self.which not in ("d", "g", "both"):
            raise ValueError(f"a step is 'd', 'g' or 'both', not {self.which!r}")


@dataclass(frozen=True)
class Update:
    """Live changes (``Trainer.update``): they act at the next step."""

    changes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Replace:
    """A new run of ``config`` (reset, or a structural change), on ``data`` where the page opened it."""

    config: Any
    max_steps: int | None = None
    data: Any = None


@dataclass(frozen=True)
class Load:
    """Continue from the bytes of a checkpoint (held to the upload limits), on ``data`` where the page
    opened the run's images by name."""

    data_bytes: bytes
    max_steps: int | None = None
    data: Any = None


@dataclass(frozen=True)
class Save:
    """Answer with the checkpoint's bytes."""


@dataclass(frozen=True)
class Stop:
    """End the child."""


def _build(make_trainer: Callable, config, data):
    return make_trainer(config) if data is None else make_trainer(config, data)


def _child(conn, make_trainer: Callable, config, max_steps, take_snapshot: Callable, data=None) -> None:
    """The child's loop: obey commands, train in slices while running, push snapshots."""
    from ganviz.training.trainer import TrainingDiverged, claim_process  # imported in the child

    trainer = _build(make_trainer, config, data)
    claim_process(trainer.config.threads)  # this process is the trainer's: its threads, no denormals
    state, error = "paused", None
    last_push = 0.0
    done = 0  # sequence number of the last command handled (the parent waits on it)

    def push():
        nonlocal last_push
        conn.send(("snapshot", (done, take_snapshot(trainer, state, error))))
        last_push = time.perf_counter()

    def fail(e: Exception):
        nonlocal state, error
        error = str(e) if isinstance(e, TrainingDiverged) else f"training stopped: {type(e).__name__}: {e}"
        state = "diverged"

    push()
    while True:
        try:
            timeout = 0 if state == "running" else None
            while conn.poll(timeout):
                done, command = conn.recv()
                match command:
                    case Stop():
                        return
                    case Start() if state != "diverged":
                        state = "running"
                    case Pause() if state == "running":
                        state = "paused"
                    case Step(which) if state != "diverged":
                        {"d": trainer.step_d, "g": trainer.step_g, "both": trainer.step}[which]()
                    case Update(changes):
                        trainer.update(**changes)
                    case Replace(new, steps, images):
                        trainer, max_steps, state, error = _build(make_trainer, new, images), steps, "paused", None
                    case Load(data_bytes, steps, images):
                        from ganviz.training.checkpoint import CheckpointError, from_bytes
                        opened = None if images is None else (lambda c: images)
                        try:
                            trainer = from_bytes(data_bytes, open_data=opened)
                        except CheckpointError as e:  # e.g. weights that do not fit: the run goes on as it was
                            conn.send(("refused", (done, str(e))))
                        else:
                            max_steps, state, error = steps, "paused", None
                    case Save():
                        from ganviz.training.checkpoint import to_bytes
                        conn.send(("saved", (done, to_bytes(trainer))))
                push()
                timeout = 0
            if state == "running":
                t_end = time.perf_counter() + SLICE_SECONDS
                while time.perf_counter() < t_end:
                    if max_steps is not None and trainer.step_count >= max_steps:
                        state = "finished"
                        push()
                        break
                    trainer.step()
                if time.perf_counter() - last_push > PUSH_SECONDS:
                    push()
        except (EOFError, BrokenPipeError, KeyboardInterrupt):
            return  # the parent went away
        except Exception as e:  # divergence, or a bad update: report it, keep the process alive
            fail(e)
            try:
                push()
            except (EOFError, BrokenPipeError):
                return


class ProcessWorker:
    """Trains ``make_trainer(config)`` in a child process; the page reads ``snapshot``: the lab's
    snapshot type, with ``state`` and ``error`` (every lab's page reads its run this way).

    ``make_trainer`` and ``take_snapshot(trainer, state, error)`` must be importable module-level
    functions (the child starts from a forkserver or is spawned; see ``ganviz.forkserver``). It trains
    only while it holds a slot of ``scheduler`` (default: the server's ``turns``).
    """

    def __init__(self, make_trainer: Callable, config, take_snapshot: Callable, max_steps: int | None = None,
                 scheduler: TurnScheduler | None = None, data=None):
        self._turns = scheduler if scheduler is not None else turns
        self._conn, child_conn = _mp.Pipe()
        self.config = config
        self.max_steps = max_steps
        self._proc = _mp.Process(target=_child, args=(child_conn, make_trainer, config, max_steps, take_snapshot, data),
                                 daemon=True, name="ganviz-trainer")
        with forkserver.bare_main():
            self._proc.start()
        child_conn.close()
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._latest = None
        self._seq = 0  # commands sent
        self._acked = 0  # commands the child has answered
        self._saved: bytes | None = None
        self._refused: dict[int, str] = {}  # a Load's seq -> why the child could not load it
        self._want_running = False
        # Called with each new snapshot in the reader thread (the page's live picture is drawn there,
        # ganviz.ui.live_frames): quick, and never calling back into this worker's commands.
        self.on_snapshot: Callable | None = None
        self._reader = threading.Thread(target=self._read_loop, name="ganviz-trainer-reader", daemon=True)
        self._reader.start()
        _workers.add(self)

    # --- the pipe -----------------------------------------------------------------------------
    def _send(self, command) -> int:
        with self._send_lock:
            self._seq += 1
            try:
                self._conn.send((self._seq, command))
            except (OSError, BrokenPipeError):
                pass
            return self._seq

    def _read_loop(self) -> None:
        while True:
            try:
                kind, payload = self._conn.recv()
            except (EOFError, OSError):
                break
            seq, payload = payload
            with self._cond:
                self._acked = max(self._acked, seq)
                if kind == "snapshot":
                    self._latest = payload
                    if payload.state in ("finished", "diverged"):
                        self._want_running = False
                        self._turns.leave(self)
                elif kind == "saved":
                    self._saved = payload
                elif kind == "refused":
                    self._refused[seq] = payload
                self._cond.notify_all()
            hook = self.on_snapshot
            if kind == "snapshot" and hook is not None:
                try:
                    hook(payload)  # outside the lock: readers of ``snapshot`` never wait for it
                except Exception:  # a watcher's bug must not end the reader (the page would freeze)
                    import traceback
                    traceback.print_exc()
        with self._send_lock:  # by the only thread that reads it (see stop), and never mid-send
            self._conn.close()
        with self._cond:
            self._want_running = False
            self._turns.leave(self)
            self._cond.notify_all()

    # The scheduler's callbacks (run under its lock: they only send one message).
    def _turn_begins(self) -> None:
        self._send(Start())

    def _turn_ends(self) -> None:
        self._send(Pause())

    # --- control ------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._proc.is_alive()

    @property
    def running(self) -> bool:
        """Training or queued to train (what the Train/Pause button shows)."""
        return self._want_running

    @property
    def state(self) -> str:
        """starting | queued | running | paused | finished | diverged."""
        if self._turns.waiting(self):
            return "queued"
        if self._latest is None:
            return "starting"
        if self._latest.state == "paused" and self._want_running:
            return "running"  # its turn began; the child has not yet answered the "start"
        return self._latest.state

    @property
    def sharing(self) -> int:
        """How many other trainers this one takes turns with (0 while nobody waits)."""
        return self._turns.others(self)

    def snapshot(self, timeout: float = 30.0):
        """The latest snapshot (waits for the first, which comes once the child built its trainer)."""
        with self._cond:
            self._cond.wait_for(lambda: self._latest is not None or not self.alive, timeout)
            return self._latest

    def _wait(self, seq: int, timeout: float = 30.0):
        """Wait until the child has answered command ``seq``; return the latest snapshot."""
        with self._cond:
            self._cond.wait_for(lambda: self._acked >= seq or not self.alive, timeout)
            return self._latest

    def start(self) -> None:
        """Train when the scheduler gives it a turn: at once if a slot is free, else it is "queued"."""
        if self._want_running:
            return
        self._want_running = True
        self._turns.join(self, self._turn_begins, self._turn_ends)

    def pause(self) -> None:
        """Stop training; its slot (or place in the queue) goes at once."""
        self._want_running = False
        self._turns.leave(self)
        self._wait(self._send(Pause()), timeout=10)

    def step_once(self, which: str = "both") -> None:
        self._wait(self._send(Step(which)))

    def update(self, **changes) -> None:
        self.config = self.config.replace(**changes)
        seq = self._send(Update(changes))
        if self._latest is not None:  # a child that is up answers within a slice: the next snapshot shows it
            self._wait(seq, timeout=2)

    def replace(self, config, max_steps: int | None = None, data=None) -> None:
        """A new run of ``config`` (paused), on ``data`` (an ImageSet the page opened) if given."""
        if self._want_running:
            self.pause()
        self.config, self.max_steps = config, max_steps
        self._wait(self._send(Replace(config, max_steps, data)))

    def load(self, data: bytes, config, max_steps: int | None = None, images=None) -> None:
        """Continue from a checkpoint (check it first: ``checkpoint.check_bytes``); ``config`` is
        its recipe's config, ``images`` the run's images where the page opened them by name. Weights
        that do not fit their recipe raise CheckpointError, and the run it had goes on (paused)."""
        from ganviz.training.checkpoint import CheckpointError

        if self._want_running:
            self.pause()
        seq = self._send(Load(data, max_steps, images))
        self._wait(seq)
        with self._cond:
            refused = self._refused.pop(seq, None)
        if refused is not None:
            raise CheckpointError(refused)
        self.config, self.max_steps = config, max_steps

    def checkpoint_bytes(self, timeout: float = 30.0) -> bytes | None:
        """The safetensors bytes of the current model (ganviz.training.checkpoint format)."""
        with self._cond:
            self._saved = None
        self._wait(self._send(Save()), timeout)
        return self._saved

    def stop(self) -> None:
        """End the child process and the reader thread."""
        self._want_running = False
        self._turns.leave(self)
        self._send(Stop())
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        # The child is gone, so the reader meets the end of the pipe, closes our end and returns. Only
        # the reader closes it: closed by this thread under a reader still in recv(), the reader died
        # with a TypeError (8 tabs closed at once).
        self._reader.join(5)
