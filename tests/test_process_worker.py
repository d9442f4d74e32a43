import doctest
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ganviz import forkserver
from ganviz.training import TrainConfig, Trainer, snapshot, turns
from ganviz.training import process_worker as pw
from ganviz.training.checkpoint import from_bytes
from ganviz.training.turns import TurnScheduler

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(g_width=32, d_width=32, batch=64, eval_samples=300, eval_every=20)


def wait(cond, timeout=120):
    deadline = time.time() + timeout
    while not cond():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def worker():
    w = pw.ProcessWorker(Trainer, TrainConfig(**SMALL), snapshot.take)
    yield w
    w.stop()


def test_start_pause_step_update_replace(worker):
    assert worker.snapshot().step == 0 and worker.state == "paused"
    worker.start()
    wait(lambda: worker.snapshot().step > 10)
    assert worker.state == "running"
    worker.pause()
    n = worker.snapshot().step
    time.sleep(0.5)
    assert worker.snapshot().step == n and worker.state == "paused"
    worker.step_once("d")
    assert worker.snapshot().d_steps == n + 1  # default n_critic = 1
    worker.update(lr_g=5e-4)
    assert worker.config.lr_g == 5e-4
    worker.replace(TrainConfig(**SMALL, dataset="grid25"))
    s = worker.snapshot()
    assert s.step == 0 and s.dataset == "grid25"
    model = from_bytes(worker.checkpoint_bytes())
    assert model.config.dataset == "grid25"


def test_divergence_is_reported_and_frees_the_slot():
    slots = TurnScheduler(1)
    bad = TrainConfig(batch=64, eval_samples=300, eval_every=10, optimizer="sgd", lr_g=10.0, lr_d=10.0)
    w = pw.ProcessWorker(Trainer, bad, snapshot.take, scheduler=slots)
    try:
        w.start()
        wait(lambda: w.state == "diverged")
        assert "diverged" in w.snapshot().error and not w.running
        assert not slots.holding(w) and slots.join("next", lambda: None, lambda: None)  # the slot came back
    finally:
        w.stop()


# --- fair turns (ganviz.training.turns) --------------------------------------------------------
class Client:
    """Counts its turns, as the scheduler's callbacks report them."""

    def __init__(self, slots: TurnScheduler, name: str):
        self.slots, self.name, self.turns, self.ends, self.on = slots, name, 0, 0, False

    def join(self) -> bool:
        return self.slots.join(self.name, self.begin, self.end)

    def begin(self):
        self.turns, self.on = self.turns + 1, True

    def end(self):
        self.ends, self.on = self.ends + 1, False


def test_turns_rotate_in_order_and_a_leaver_goes_at_once():
    slots = TurnScheduler(1, turn=0.05)
    a, b, c = (Client(slots, n) for n in "abc")
    assert a.join() and not b.join() and not c.join()
    assert slots.others("a") == 2 and slots.waiting("c")
    wait(lambda: min(x.turns for x in (a, b, c)) >= 3, timeout=10)  # everyone trains, again and again
    assert sum(x.on for x in (a, b, c)) == 1  # never more holders than slots
    slots.leave("b")  # paused: out of the queue or off its slot at once, with no callback
    assert not slots.waiting("b") and not slots.holding("b")
    n = b.turns
    time.sleep(0.3)
    assert b.turns == n and min(a.turns, c.turns) > 3
    slots.leave("a")
    slots.leave("c")
    wait(lambda: slots._thread is None, timeout=5)  # nobody waits: the rotation thread ends


def test_with_nobody_waiting_nobody_is_interrupted():
    slots = TurnScheduler(2, turn=0.05)
    a, b = Client(slots, "a"), Client(slots, "b")
    assert a.join() and b.join()  # two slots: both train, nobody waits
    time.sleep(0.3)  # six turns
    assert (a.ends, b.ends) == (0, 0) and slots.others("a") == 0 and slots._thread is None
    c = Client(slots, "c")
    assert c.join() and a.ends >= 1  # someone waits: the longest holder, a, past its turn, gives way at once
    wait(lambda: b.ends >= 1 and a.turns >= 2, timeout=5)  # b was past its turn too: a's turn again
    for x in "abc":
        slots.leave(x)


def test_three_trainer_processes_share_one_slot():
    """Cap 1, three real trainers, turns of 0.3 s: all make progress; a paused one leaves the
    queue; the one left alone keeps training past its turn."""
    slots = TurnScheduler(1, turn=0.3)
    ws = [pw.ProcessWorker(Trainer, TrainConfig(**SMALL), snapshot.take, scheduler=slots) for _ in range(3)]
    a, b, c = ws
    try:
        for w in ws:
            w.snapshot()  # every child is up (each imports torch: seconds on a busy machine)
        for w in ws:
            w.start()
        assert [w.state for w in ws].count("queued") == 2 and b.sharing == 2
        wait(lambda: all(w.snapshot().step > 0 for w in ws), timeout=60)
        assert all(w.running for w in ws)
        b.pause()
        assert b.state == "paused" and not slots.waiting(b) and not slots.holding(b) and a.sharing == 1
        n_a, n_b, n_c = (w.snapshot().step for w in ws)
        wait(lambda: a.snapshot().step > n_a and c.snapshot().step > n_c, timeout=60)
        assert b.snapshot().step == n_b
        a.pause()
        wait(lambda: c.state == "running" and slots.holding(c))
        n_c = c.snapshot().step
        time.sleep(1.0)  # three turns with nobody waiting
        assert slots.holding(c) and c.state == "running" and c.sharing == 0
        wait(lambda: c.snapshot().step > n_c)
    finally:
        for w in ws:
            w.stop()


def test_stop_ends_the_process_and_its_reader_thread():
    before = threading.active_count()
    w = pw.ProcessWorker(Trainer, TrainConfig(**SMALL), snapshot.take)
    w.snapshot()
    w.start()
    w.stop()
    assert not w.alive
    assert threading.active_count() == before


def test_turns_doctest():
    assert doctest.testmod(turns).failed == 0


def test_the_badge_says_who_takes_turns():
    from ganviz.ui.common import state_badge

    assert "taking turns with 7 other runs" in state_badge("queued", 7)
    assert "training" in state_badge("running", 1) and "1 other run " in state_badge("running", 1)
    assert state_badge("running", 0) == state_badge("running")  # nobody waits: no word about turns


def test_stopping_many_training_workers_at_once_raises_in_no_thread(monkeypatch):
    """Tabs closed together stop their trainers together: no reader thread may die in recv() on a
    pipe end that stop() closed under it (a TypeError in the server's log, 8 tabs at once)."""
    errors = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    slots = TurnScheduler(6)
    workers = [pw.ProcessWorker(Trainer, TrainConfig(**SMALL), snapshot.take, scheduler=slots) for _ in range(6)]
    for w in workers:
        w.start()
    wait(lambda: all(w.snapshot().step > 5 for w in workers))
    stoppers = [threading.Thread(target=w.stop) for w in workers]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join(30)
    assert not errors, errors
    assert not any(w.alive for w in workers) and all(w._conn.closed for w in workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="trainers fork from a forkserver on Linux only")
def test_warm_up_starts_the_forkserver_that_trainers_then_fork_from():
    """The page's warm_up and a later ProcessWorker share one forkserver (started once, not twice)."""
    from multiprocessing import forkserver as mp_forkserver

    forkserver.warm_up()
    server_pid = mp_forkserver._forkserver._forkserver_pid
    assert server_pid is not None
    forkserver.warm_up()  # a second page run: nothing new
    assert mp_forkserver._forkserver._forkserver_pid == server_pid
    w = pw.ProcessWorker(Trainer, TrainConfig(**SMALL), snapshot.take)
    try:
        assert w.snapshot() is not None
        with open(f"/proc/{w._proc.pid}/stat") as f:
            stat = f.read()
        assert int(stat[stat.rfind(")") + 2:].split()[1]) == server_pid  # the trainer's parent
    finally:
        w.stop()


def test_the_forkserver_preload_holds_all_a_new_trainer_imports():
    """A forked trainer imports nothing of its own before its first snapshot, nor in its first steps:
    what it would import is imported once, in the forkserver (torch.optim's lazy torch._dynamo import
    cost every new trainer ~1.8 s of CPU). Run in a fresh interpreter: this one has imported more."""
    code = f"""
import importlib, sys
for m in {forkserver.FORKSERVER_PRELOAD!r}:
    importlib.import_module(m)
from ganviz.training import TrainConfig, Trainer, snapshot
before = set(sys.modules)
t = Trainer(TrainConfig(**{SMALL!r}))
snapshot.take(t, "paused", None)
for _ in range(25):
    t.step()
snapshot.take(t, "running", None)
print(sorted(set(sys.modules) - before))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
