"""The leaderboard: a sweep's results summarised per objective, beside the papers' published rows.

The mode-coverage protocol (VEEGAN Sec. 5.1, PacGAN Sec. 5): each trial draws 2,500 samples;
modes captured and the high-quality fraction are averaged over trials with their standard error
s / sqrt(k); KL is the mean KL of the mode histogram to uniform. Our rows come from
``python -m ganviz sweep`` (``results.csv`` beside the ``spec.json`` that made it), so each says
how many trials and steps it rests on.

Example (two trials of one objective):
    >>> rows = [{"status": "done", "objective": "nsgan", "modes_captured": "8", "hq_fraction": "0.9",
    ...          "kl_modes": "0.1", "seconds": "10"},
    ...         {"status": "done", "objective": "nsgan", "modes_captured": "6", "hq_fraction": "0.7",
    ...          "kl_modes": "0.3", "seconds": "12"}]
    >>> r = mode_table(rows)[0]
    >>> r["objective"], r["modes"], r["modes_se"], round(r["hq"], 2), round(r["hq_se"], 2), r["trials"], r["seconds"]
    ('nsgan', 7.0, 1.0, 0.8, 0.1, 2, 22.0)
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from ganviz.metrics.modes import mean_and_se

# REFERENCE.md: modes captured / % high-quality samples, (ring8, grid25), and the source.
PUBLISHED = [
    ("GAN", (1.0, 99.3), (3.3, 0.5), "VEEGAN Table 1"),
    ("Unrolled GAN", (7.6, 35.6), (23.6, 16.0), "VEEGAN Table 1"),
    ("VEEGAN", (8.0, 52.9), (24.6, 40.0), "VEEGAN Table 1"),
    ("GAN", (6.3, 98.2), (17.3, 94.8), "PacGAN Table 1"),
    ("PacGAN2", (7.9, 95.6), (23.8, 91.3), "PacGAN Table 1"),
    ("PacGAN4", (7.8, 95.9), (24.8, 93.6), "PacGAN Table 1"),
    ("WGAN-GP", (6.8, 59.6), (24.2, 28.7), "GDPP (2019)"),
]


def published(dataset: str) -> list[dict]:
    """The published rows for ring8 or grid25 (HQ as a fraction, like ours)."""
    col = {"ring8": 1, "grid25": 2}[dataset]
    return [{"method": row[0], "modes": row[col][0], "hq": row[col][1] / 100, "source": row[3]} for row in PUBLISHED]


def read_sweep(folder: str | Path) -> tuple[dict, list[dict]]:
    """The spec and the result rows of a sweep's folder (``python -m ganviz sweep --out FOLDER``)."""
    folder = Path(folder)
    spec = json.loads((folder / "spec.json").read_text())
    with open(folder / "results.csv", newline="") as f:
        return spec, list(csv.DictReader(f))


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def mode_table(rows: list[dict]) -> list[dict]:
    """One row per objective, in the order the objectives first appear: modes and HQ (mean and
    standard error over the finished trials), mean KL to uniform, trials, failed runs, seconds."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r.get("objective") or "?", []).append(r)
    out = []
    for objective, runs in groups.items():
        done = [r for r in runs if r.get("status") == "done"]
        entry = {"objective": objective, "trials": len(done), "failed": len(runs) - len(done)}
        if done:
            entry["modes"], entry["modes_se"] = mean_and_se([_num(r["modes_captured"]) for r in done])
            entry["hq"], entry["hq_se"] = mean_and_se([_num(r["hq_fraction"]) for r in done])
            kls = [_num(r["kl_modes"]) for r in done if math.isfinite(_num(r["kl_modes"]))]
            entry["kl"] = sum(kls) / len(kls) if kls else math.nan
            entry["seconds"] = sum(_num(r["seconds"]) for r in done)
        out.append(entry)
    return out


def sweep_command(spec: dict, folder: str) -> str:
    """The command that re-makes a sweep: its own spec.json is a spec file."""
    return f"python -m ganviz sweep {folder}/spec.json --out {folder}"
