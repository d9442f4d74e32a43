"""Relative steps/s of toy recipe configs on a loaded machine, for the time-to-quality figures in
ganviz/training/recipes.py.

A sweep row's ``seconds`` is wall time on a shared machine, inflated by whatever else runs. Here
every config's trainer lives in one process (one thread) and they train in turn, BLOCK steps each
(default 5), ROUNDS times, so each config sees the same load; a config's rate is the median, 90th
and 98th percentile of its block rates, and the ratio of two configs' rates is what carries over
to an idle machine (the idle seconds of a config = steps / (ratio x the default's idle steps/s)).

    BLOCK=5 python bench/recipe_rates.py ring8 150 "" "d_width=64"

Each argument after ROUNDS is one config: space-separated KEY=VALUE changes to the default recipe.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.training import Trainer
from ganviz.training.config import parse_value
from ganviz.training.recipes import recipe

torch.set_num_threads(1)
dataset, rounds = sys.argv[1], int(sys.argv[2])
block = int(os.environ.get("BLOCK", 5))
configs = [{k: parse_value(v) for k, v in (p.split("=", 1) for p in arg.split())} for arg in sys.argv[3:]]
trainers = [Trainer(recipe(dataset, None, steps=10**6, eval_every=10**9, **c)) for c in configs]
for t in trainers:
    t.train(30)  # warm-up
rates = [[] for _ in trainers]
for _ in range(rounds):
    for t, r in zip(trainers, rates):
        start = time.perf_counter()
        t.train(block)
        r.append(block / (time.perf_counter() - start))
for c, r in zip(configs, rates):
    r.sort()
    print(json.dumps({"set": c, "median": round(statistics.median(r), 1), "p90": round(r[int(0.9 * (len(r) - 1))], 1),
                      "p98": round(r[int(0.98 * (len(r) - 1))], 1)}))
print("load average", open("/proc/loadavg").read().split()[:3])
