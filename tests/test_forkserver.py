"""The trainers' forkserver (ganviz.forkserver): once ``wait_ready`` returns, a child forked from it
has the trainer's modules already (multiprocessing drops a preload that fails to import without a
word: every trainer would then import torch and POT itself), POT without scikit-learn and networkx,
POT still measures W1 right, and the default data set's W1 noise floor (a first snapshot draws it)
is already computed, to the value computed afresh."""

from __future__ import annotations

import sys

import pytest

from ganviz import forkserver

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="trainers fork from a forkserver on Linux only")


def _report(queue) -> None:
    """In the forked child: what it holds before importing anything, then W1 of a shifted cloud, and
    the W1 floors it had cached and ring8's."""
    held = sorted(m for m in ("torch._dynamo", "ot", "ganviz.training.trainer", "ganviz.training.process_worker",
                              "sklearn", "networkx") if m in sys.modules)
    import numpy as np

    from ganviz.metrics.divergence import w1
    from ganviz.training import snapshot

    x = np.random.default_rng(0).normal(size=(200, 2))
    cached = snapshot.w1_noise_floor_of.cache_info().currsize
    queue.put((held, w1(x, x + [3.0, 4.0]), cached, snapshot.w1_floor("ring8")))


def test_a_child_of_the_ready_forkserver_holds_the_trainer_modules_and_measures_w1():
    forkserver.wait_ready()
    ctx = forkserver.context()
    queue = ctx.Queue()
    child = ctx.Process(target=_report, args=(queue,))
    with forkserver.bare_main():
        child.start()
    held, w, cached, floor = queue.get(timeout=60)
    child.join(10)
    assert held == ["ganviz.training.process_worker", "ganviz.training.trainer", "ot", "torch._dynamo"]
    assert w == pytest.approx(5.0)  # every point moved by (3, 4): the optimal plan moves each by 5
    from ganviz.data.toy import get_dataset
    from ganviz.metrics.divergence import w1_noise_floor
    from ganviz.training.config import TrainConfig

    assert TrainConfig().dataset == "ring8" and cached == 1  # ring8's, computed by the forkserver
    assert floor == w1_noise_floor(get_dataset("ring8"), 500)  # the same five W1s as a fresh process's
