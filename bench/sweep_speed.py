"""Trials per hour of one config, measured in one run: one after another (the Trainer), on a local
Ray (one run per worker), and on Ray with batched trials (ganviz.training.batched, a grid point's
trials split over the workers). Prints one JSON line with the three rates and their ratios.

Each trial trains the recipe's steps for the data set (``recipes.default_steps``: ring8 4,000) unless
--steps says otherwise: with few steps Ray's start-up is most of a sweep (at 500 steps local Ray ran
at 0.97x the sequential trials; at 4,000, 1.93x).

Run: python bench/sweep_speed.py [--trials 10] [--steps N] [--dataset ring8]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAY_AUTH_MODE", "disabled")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--steps", type=int, default=None, help="steps per trial (default: the recipe's)")
    ap.add_argument("--dataset", default="ring8")
    args = ap.parse_args()

    import torch

    from ganviz.training.recipes import default_steps
    from ganviz.training.sweep import SweepSpec, run_sweep, train_run

    torch.set_num_threads(1)
    args.steps = args.steps or default_steps(args.dataset)
    spec = SweepSpec(dataset=args.dataset, steps=args.steps, trials=args.trials).validate()
    out = {"trials": args.trials, "steps": args.steps, "dataset": args.dataset, "cpus": os.cpu_count(),
           "load_average_1min_start": round(os.getloadavg()[0], 1)}
    t0 = time.perf_counter()
    for run in spec.runs():
        train_run(run)
    seconds = {"sequential": time.perf_counter() - t0}
    for name, batch in (("ray", False), ("ray_batched", True)):
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()  # Ray's start-up counts: a sweep pays it too
            run_sweep(spec, folder, batch=batch)
            seconds[name] = time.perf_counter() - t0
    out["trials_per_hour"] = {k: round(3600 * args.trials / v, 1) for k, v in seconds.items()}
    out["vs_sequential"] = {k: round(seconds["sequential"] / v, 2) for k, v in seconds.items() if k != "sequential"}
    out["load_average_1min_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
