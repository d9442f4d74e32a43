"""Divergences page: server time of one slider change at n = 500, against the 300 ms budget.

Two measurements in one run:
- page: AppTest opens pages/1_Divergences.py, opens a section, then moves one slider to values
  it has not seen (so the st.cache_data caches miss and everything is recomputed and redrawn) and
  times ``.run()``; median of --repeats changes per slider. AppTest's own overhead (it polls the
  script thread) is included, so this is an upper bound on the server time of a rerun.
- parts: the pure compute and figure functions one change calls, timed alone (median).

Prints one JSON line: milliseconds per slider and per part, and each slider's ratio to 300 ms.
Run: python bench/divergence_page.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ganviz.data import transport_examples as ex  # noqa: E402
from ganviz.data.toy import ParallelLines, get_dataset  # noqa: E402
from ganviz.metrics import divergence as dv  # noqa: E402
from ganviz.metrics import transport as tr  # noqa: E402
from ganviz.plots import divergence as pdv  # noqa: E402

BUDGET_MS = 300.0
N = 500


def times_ms(f, repeats: int) -> list[float]:
    times = []
    for k in range(repeats):
        t = time.perf_counter()
        f(k)
        times.append(1000 * (time.perf_counter() - t))
    return times


def median_ms(f, repeats: int) -> float:
    return round(statistics.median(times_ms(f, repeats)), 1)


def page(repeats: int) -> dict[str, list[float]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "1_Divergences.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    # (section, setup, widget kind, key, fresh value for change k): every value is new to the caches.
    cases = [
        ("1D: JS vs W1", {}, "slider", "shift1d", lambda k: round(-5.5 + 0.25 * k, 2)),
        ("1D: JS vs W1", {}, "slider", "scale1d", lambda k: round(1.5 + 0.05 * k, 2)),
        ("Parallel lines", {}, "slider", "theta", lambda k: round(-0.9 + 0.05 * k, 2)),
        ("2D plans", {"n2d": N}, "slider", "shift2d", lambda k: round(-2.9 + 0.1 * k, 1)),
        ("2D plans", {"n2d": N, "plan2d": "Sinkhorn"}, "select_slider", "reg",
         lambda k: tr_regs()[k % len(tr_regs())]),
    ]
    out = {}
    for section, setup, kind, key, value in cases:
        at.session_state["section"] = section
        at.run()
        if "n2d" in setup:
            at.select_slider(key="n2d").set_value(setup["n2d"]).run()
        if "plan2d" in setup:
            at.radio(key="plan2d").set_value(setup["plan2d"]).run()
        if section == "1D: JS vs W1":
            assert at.select_slider(key="n1d").value == N
        if section == "Parallel lines":
            assert at.select_slider(key="n_lines").value == N

        def change(k, kind=kind, key=key, value=value):
            getattr(at, kind)(key=key).set_value(value(k)).run()
            assert not at.exception, at.exception

        reps = repeats if key != "reg" else len(tr_regs())
        out[key] = times_ms(change, reps)
    return out


def tr_regs() -> list[float]:
    # The page's reg values other than its default 0.05 (a default would be a cache hit).
    return [0.02, 0.1, 0.2, 0.5, 1.0]


def parts(repeats: int) -> dict[str, float]:
    p, q0 = get_dataset("gaussian"), get_dataset("gaussian")
    shifts = [round(-6 + 0.25 * k, 2) for k in range(49)]
    out = {
        "exact_1d": median_ms(lambda k: dv.exact_1d(p, dv.affine_1d(q0, 0.1 * k + 0.05)), repeats),
        "estimate_with_floor_1d": median_ms(lambda k: dv.estimate_with_floor(p, dv.affine_1d(q0, 1.0), N, k), repeats),
        "measures_vs_shift (scale change)": median_ms(lambda k: dv.measures_vs_shift(p, q0, shifts, 1 + 0.1 * k),
                                                      max(3, repeats // 2)),
    }
    x, y = p.sample(N, 0).numpy(), dv.affine_1d(q0, 1.0).sample(N, 1).numpy()
    sweep = dv.measures_vs_shift(p, q0, shifts, 1.0)
    out["fig_densities_1d"] = median_ms(lambda k: pdv.fig_densities_1d(p, dv.affine_1d(q0, 1.0), x, y), repeats)
    out["fig_measures_vs_shift"] = median_ms(lambda k: pdv.fig_measures_vs_shift(sweep, 1.0), repeats)
    out["estimate_parallel_lines"] = median_ms(
        lambda k: dv.estimate_with_floor(ParallelLines("a", 2, 0.0), ParallelLines("b", 2, 0.5), N, k), repeats)
    cx, cy = ex.clouds_2d("ring8", "two_moons", N)
    out["emd_2d"] = median_ms(lambda k: tr.transport_2d(cx, cy + [0.01 * k, 0]), repeats)
    out["sinkhorn_2d reg 0.05"] = median_ms(lambda k: tr.transport_2d(cx, cy + [0.01 * k, 0], 0.05), repeats)
    out["sinkhorn_2d reg 0.02"] = median_ms(lambda k: tr.transport_2d(cx, cy + [0.01 * k, 0], 0.02), repeats)
    plan = tr.transport_2d(cx, cy).plan
    out["fig_plan_2d"] = median_ms(lambda k: pdv.fig_plan_2d(cx, cy, plan, "t"), repeats)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(1)
    np.random.seed(0)
    runs = page(args.repeats)
    slider_ms = {k: round(statistics.median(v), 1) for k, v in runs.items()}
    print(json.dumps({
        "bench": "divergence_page", "n": N, "budget_ms": BUDGET_MS,
        "slider_change_ms": slider_ms,
        "slider_change_max_ms": {k: round(max(v), 1) for k, v in runs.items()},
        "ratio_to_budget": {k: round(v / BUDGET_MS, 2) for k, v in slider_ms.items()},
        "parts_ms": parts(args.repeats),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "note": "slider_change_ms = median AppTest .run() after one slider change to an uncached value "
                "(includes AppTest polling overhead); reg: all five non-default values, 0.02 the slowest; "
                "machine load at the time affects all numbers",
    }))


if __name__ == "__main__":
    main()
