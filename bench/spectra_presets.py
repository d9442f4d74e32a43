"""Measure the Spectra page's presets: modes captured and sigma_0 of every layer over the steps.

    python bench/spectra_presets.py --steps 4000 --seeds 0 1

For each preset and seed it prints, every 100 steps, the modes captured, the HQ fraction
and sigma_0 of the largest layer of G and of D, then a summary: mean modes, the collapse events
(an evaluation after step 1000 with at most half the modes or fewer than 10% HQ samples) with D's largest
sigma_0 at each, and sigma_0 of each layer at the end against its start.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganviz.plots.spectra import short_name  # noqa: E402
from ganviz.training import TrainingDiverged  # noqa: E402
from ganviz.training.presets_spectra import PRESETS, new_trainer, preset_config, recorder_of  # noqa: E402


def run(name: str, seed: int, steps: int) -> None:
    t = new_trainer(preset_config(name, seed=seed), every=100)
    t0 = time.perf_counter()
    try:
        t.train(steps)
    except TrainingDiverged as e:
        print(f"{name} seed {seed}: diverged: {e}")
    rec = recorder_of(t)
    g, d = rec.series("G"), rec.series("D")
    ev = {r["step"]: r for r in t.eval_history.rows}
    print(f"\n{name} (seed {seed}), {time.perf_counter() - t0:.0f} s")
    print(" step  modes    hq  max sigma_0 G  max sigma_0 D")
    for i, step in enumerate(rec.steps):
        r = ev.get(step, {})
        sg = max(s.sigma0[i] for s in g.values())
        sd = max(s.sigma0[i] for s in d.values())
        print(f"{step:5d}  {r.get('modes', '-'):>5}  {r.get('hq', float('nan')):4.2f}  {sg:13.2f}  {sd:13.2f}")
    modes = np.array([r["modes"] for r in t.eval_history.rows], dtype=float)
    hq = np.array([r["hq"] for r in t.eval_history.rows])
    d_max = {step: max(s.sigma0[i] for s in d.values()) for i, step in enumerate(rec.steps)}
    events = [r["step"] for r in t.eval_history.rows if r["step"] > 1000 and (r["modes"] <= r["n_modes"] / 2 or r["hq"] < 0.1)]
    print(f"SUMMARY {name} seed {seed}: modes mean {modes.mean():.2f} min {modes.min():.0f} "
          f"(last half mean {modes[len(modes) // 2:].mean():.2f}), hq mean {hq.mean():.2f}; "
          f"{len(events)} collapse events after step 1000 at " + ", ".join(f"{e} (D sigma_0 {d_max.get(e, float('nan')):.1f})" for e in events))
    for net, series in (("G", g), ("D", d)):
        print(f"  {net}: " + ", ".join(f"{short_name(n)} {s.sigma0[0]:.2f}->{s.sigma0[-1]:.2f}" for n, s in series.items()))
    for n, s in rec.series("D", normalised=True).items():
        print(f"  D W_SN {n}: sigma_0 max {s.sigma0.max():.3f} at the end {s.sigma0[-1]:.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--presets", nargs="+", default=list(PRESETS))
    args = p.parse_args()
    torch.set_num_threads(1)
    for name in args.presets:
        for seed in args.seeds:
            run(name, seed, args.steps)


if __name__ == "__main__":
    main()
