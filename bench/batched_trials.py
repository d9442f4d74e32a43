"""Batched trials against sequential unbatched Trainers, measured in one run on one torch thread.

For K = 1, 4, 10 seeds of the default ring8 recipe (NSGAN + R1 0.3, EMA, linear lr decay, 3 x 128
MLPs, batch 256): the K trials one after another with ``Trainer`` (as a sweep worker runs them),
then as one batched model (``ganviz.training.batched.train_trials``). Both are timed end to end
(set-up, training, the final summary) and by their training time alone; printed as trial-steps per
second (K * steps / seconds) and the ratio batched / sequential. The machine may be shared, so the
load average is printed before and after each K. Run: python bench/batched_trials.py [--steps 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.training.batched import train_trials  # noqa: E402
from ganviz.training.recipes import recipe  # noqa: E402
from ganviz.training.trainer import Trainer  # noqa: E402


def sequential(cfg, seeds, steps) -> tuple[float, float]:
    """(end-to-end seconds, training seconds) of the trials one after another."""
    t0, train = time.perf_counter(), 0.0
    for s in seeds:
        t = Trainer(cfg.replace(seed=s))
        t.train(steps)
        t.summary()
        train += t.train_seconds
    return time.perf_counter() - t0, train


def batched(cfg, seeds, steps) -> tuple[float, float]:
    t0 = time.perf_counter()
    rows = train_trials(cfg, seeds, steps)
    return time.perf_counter() - t0, sum(r["seconds"] for r in rows)


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200, help="generator steps per trial")
    ap.add_argument("--trials", type=int, nargs="+", default=[1, 4, 10], help="values of K")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    cfg = recipe("ring8", steps=1500)  # the default run's schedule; only `steps` of it are trained
    batched(cfg, [0], 5)  # first-call costs (imports, allocator, OT solver) out of the timings
    sequential(cfg, [0], 5)
    print(f"ring8 default recipe, {args.steps} steps per trial, 1 torch thread, cpu count {os.cpu_count()}")
    print(f"{'K':>3} {'seq s':>8} {'batch s':>8} {'seq tr-st/s':>12} {'batch tr-st/s':>14} "
          f"{'ratio':>6} {'ratio(train)':>13}  load before -> after")
    for k in args.trials:
        seeds = list(range(k))
        before = load()
        seq_all, seq_train = sequential(cfg, seeds, args.steps)
        bat_all, bat_train = batched(cfg, seeds, args.steps)
        work = k * args.steps
        print(f"{k:>3} {seq_all:>8.2f} {bat_all:>8.2f} {work / seq_all:>12.1f} {work / bat_all:>14.1f} "
              f"{seq_all / bat_all:>6.2f} {seq_train / bat_train:>13.2f}  {before} -> {load()}", flush=True)


if __name__ == "__main__":
    main()
