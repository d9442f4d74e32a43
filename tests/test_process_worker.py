import threading
import time

import pytest

from ganviz.training import TrainConfig, Trainer, snapshot
from ganviz.training import process_worker as pw
from ganviz.training.checkpoint import from_bytes

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


def test_divergence_is_reported_and_frees_the_slot(monkeypatch):
    monkeypatch.setattr(pw, "_slots", threading.BoundedSemaphore(1))
    bad = TrainConfig(batch=64, eval_samples=300, eval_every=10, optimizer="sgd", lr_g=10.0, lr_d=10.0)
    w = pw.ProcessWorker(Trainer, bad, snapshot.take)
    try:
        w.start()
        wait(lambda: w.state == "diverged")
        assert "diverged" in w.snapshot().error and not w.running
        assert pw._slots.acquire(blocking=False)  # the slot came back
        pw._slots.release()
    finally:
        w.stop()


def test_a_second_trainer_queues_while_the_cap_is_taken(monkeypatch):
    monkeypatch.setattr(pw, "_slots", threading.BoundedSemaphore(1))
    a = pw.ProcessWorker(Trainer, TrainConfig(**SMALL), snapshot.take)
    b = pw.ProcessWorker(Trainer, TrainConfig(**SMALL), snapshot.take)
    try:
        a.start()
        b.start()
        assert b.state == "queued"
        time.sleep(0.5)
        assert b.snapshot().step == 0
        a.pause()
        wait(lambda: b.state == "running")
        wait(lambda: b.snapshot().step > 0)
    finally:
        a.stop()
        b.stop()


def test_stop_ends_the_process_and_its_reader_thread():
    before = threading.active_count()
    w = pw.ProcessWorker(Trainer, TrainConfig(**SMALL), snapshot.take)
    w.snapshot()
    w.start()
    w.stop()
    assert not w.alive
    assert threading.active_count() == before
