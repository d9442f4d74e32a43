"""Do the toy lab's presets tell their story? Trains each preset's runs headless and prints, per
run, modes captured and HQ over the steps, W1, the mean |grad_x| of the G loss at the samples
(saturation), and BEGAN's k_t and M_global. Run: python bench/presets.py [--steps 2000] [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.training import Trainer, TrainingDiverged, snapshot  # noqa: E402
from ganviz.training.presets import PRESETS, preset_configs  # noqa: E402


def g_grad_norm(t: Trainer, n: int = 256) -> float:
    """Mean |grad_x L_G| per sample at the first ``n`` fixed evaluation codes, in data units (what the
    arrows draw: ``ganviz.training.snapshot.push``)."""
    return snapshot.mean_push(t, t.sample(z=t.eval_z[:n]))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("names", nargs="*", default=list(PRESETS))
    p.add_argument("--steps", type=int, default=2000)
    args = p.parse_args()
    every = max(args.steps // 8, 1)
    for name in args.names:
        for label, cfg in preset_configs(name):
            t = Trainer(cfg.replace(eval_every=every))
            rows, t0 = [], time.perf_counter()
            try:
                for _ in range(args.steps // every):
                    t.train(every)
                    e, st = t.last_eval, t.objective.state()
                    rows.append({"step": t.step_count, "modes": e.get("modes"), "hq": round(e.get("hq", 0), 3),
                                 "w1": round(e["w1"], 3), "grad": round(g_grad_norm(t), 3),
                                 **{k: round(v, 4) for k, v in st.items() if k in ("k_t", "m_global")}})
            except TrainingDiverged as e:
                rows.append({"diverged": str(e)})
            print(json.dumps({"preset": name, "run": label, "objective": cfg.objective,
                              "seconds": round(time.perf_counter() - t0, 1), "trace": rows}), flush=True)


if __name__ == "__main__":
    main()
