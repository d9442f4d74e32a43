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
import io
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
    return parse_spec((folder / "spec.json").read_bytes()), parse_results((folder / "results.csv").read_bytes())


MAX_RESULTS_BYTES = 8 * 2**20  # a results table of a few thousand runs is well under 1 MB


def parse_results(data: bytes) -> list[dict]:
    """The rows of a sweep's ``results.csv`` given as bytes (a file the user uploads); a ValueError
    says what is wrong with it.

    Example:
        >>> parse_results(b"run_id,status,modes_captured\\na1,done,8\\n")
        [{'run_id': 'a1', 'status': 'done', 'modes_captured': '8'}]
    """
    if len(data) > MAX_RESULTS_BYTES:
        raise ValueError(f"the table is {len(data) / 2**20:.1f} MB; a sweep's results.csv is at most "
                         f"{MAX_RESULTS_BYTES // 2**20} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("it is not a text file: give the results.csv that python -m ganviz sweep wrote") from None
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as e:
        raise ValueError(f"it is not a CSV table ({e})") from None
    if not rows or not {"run_id", "status"} <= set(rows[0]):
        raise ValueError("it has no run_id and status columns: give the results.csv that python -m ganviz sweep "
                         "wrote (its first line names run_id, status, ...)")
    return rows


def parse_spec(data: bytes) -> dict:
    """A sweep's ``spec.json`` given as bytes; a ValueError says what is wrong with it."""
    try:
        spec = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"spec.json is not JSON ({e})") from None
    if not isinstance(spec, dict) or "dataset" not in spec:
        raise ValueError("spec.json holds no sweep: give the spec.json that python -m ganviz sweep wrote")
    return spec


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def summarise(rows: list[dict], by: list[str], measures: list[str]) -> list[dict]:
    """One entry per distinct value of the ``by`` columns, in the order they first appear: for each
    column m of ``measures`` its mean ``m`` and standard error ``m_se`` over the finished runs
    (status "done"; values that are not finite numbers left out, NaN where none is), ``trials`` (the
    finished runs), ``failed`` (the others) and ``seconds`` (their training time summed).

    Example:
        >>> rows = [{"status": "done", "g": "0.5", "q": "0.8", "seconds": "1"},
        ...         {"status": "done", "g": "0.5", "q": "0.6", "seconds": "1"},
        ...         {"status": "failed", "g": "0.7", "reason": "diverged"}]
        >>> [(e["g"], e["q"], round(e["q_se"], 2), e["trials"], e["failed"]) for e in summarise(rows, ["g"], ["q"])]
        [('0.5', 0.7, 0.1, 2, 0), ('0.7', nan, nan, 0, 1)]
    """
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) or "" for k in by), []).append(r)
    out = []
    for key, runs in groups.items():
        done = [r for r in runs if r.get("status") == "done"]
        seconds = [_num(r.get("seconds")) for r in done]
        entry = {**dict(zip(by, key)), "trials": len(done), "failed": len(runs) - len(done),
                 "seconds": sum(t for t in seconds if math.isfinite(t))}
        for m in measures:
            values = [v for v in (_num(r.get(m)) for r in done) if math.isfinite(v)]
            entry[m], entry[m + "_se"] = mean_and_se(values) if values else (math.nan, math.nan)
        out.append(entry)
    return out


def mode_table(rows: list[dict]) -> list[dict]:
    """One row per objective, in the order the objectives first appear: modes and HQ (mean and
    standard error over the finished trials), mean KL to uniform, trials, failed runs, seconds."""
    out = []
    for e in summarise(rows, ["objective"], ["modes_captured", "hq_fraction", "kl_modes"]):
        e["objective"] = e["objective"] or "?"
        e["modes"], e["modes_se"] = e.pop("modes_captured"), e.pop("modes_captured_se")
        e["hq"], e["hq_se"] = e.pop("hq_fraction"), e.pop("hq_fraction_se")
        e["kl"] = e.pop("kl_modes")
        out.append(e)
    return out


# The BEGAN gamma curve's measures (python -m ganviz sweep --kind image ... --grid began_gamma=...).
GAMMA_MEASURES = ["quality", "class_entropy", "classes_present", "pairwise_distance", "precision", "recall",
                  "density", "coverage", "digit_fid", "digit_fid_floor", "k_t"]


def gamma_table(rows: list[dict]) -> list[dict]:
    """One row per BEGAN gamma, in increasing gamma: ``GAMMA_MEASURES`` as mean and standard error
    over the seeds, ``gamma`` as a number."""
    out = summarise(rows, ["began_gamma"], GAMMA_MEASURES)
    for e in out:
        e["gamma"] = _num(e.pop("began_gamma"))
    return sorted(out, key=lambda e: e["gamma"])


# REFERENCE.md, stacked digits: modes of 1,000 / KL to uniform (None where the paper gives none).
PUBLISHED_STACKED = [
    ("DCGAN", 99.0, 3.4, "VEEGAN Table 2"),
    ("ALI", 16.0, 5.4, "VEEGAN Table 2"),
    ("Unrolled GAN", 48.7, 4.32, "VEEGAN Table 2"),
    ("VEEGAN", 150.0, 2.95, "VEEGAN Table 2"),
    ("DCGAN", 78.9, None, "PacGAN Table 2"),
    ("PacDCGAN2", 1000.0, 0.06, "PacGAN Table 2"),
]


def published_stacked() -> list[dict]:
    """The published stacked-digits rows as the page draws them (``kl`` None where not given)."""
    return [{"method": m, "modes": modes, "kl": kl, "source": src} for m, modes, kl, src in PUBLISHED_STACKED]


def stacked_table(rows: list[dict]) -> list[dict]:
    """One row per objective of a stacked-digits sweep: modes of 1,000 and KL to uniform, mean and
    standard error over the trials."""
    return summarise(rows, ["objective"], ["modes", "kl"])


# Columns of a results table that are neither a setting of the run nor a measure of it.
BOOKKEEPING = {"run_id", "status", "seed", "reason", "batched_trials"}


def settings_and_measures(columns: list[str]) -> tuple[list[str], list[str]]:
    """Split a results table's columns into the settings its runs differ by (the grid's and the
    base's changes, the objective) and the measures a run reports (``ganviz.training.sweep``'s
    summary columns), each in table order.

    Example:
        >>> settings_and_measures(["run_id", "status", "seed", "lr_d", "objective", "modes_captured", "reason"])
        (['lr_d', 'objective'], ['modes_captured'])
    """
    from ganviz.training.sweep import DIGIT_SUMMARY, STACKED_SUMMARY, SUMMARY

    known = set(SUMMARY) | set(DIGIT_SUMMARY) | set(STACKED_SUMMARY)
    measures = [c for c in columns if c in known and c != "seconds"]
    settings = [c for c in columns if c not in known and c not in BOOKKEEPING]
    return settings, measures


def sweep_command(spec: dict, folder: str) -> str:
    """The command that re-makes a sweep: its own spec.json is a spec file."""
    return f"python -m ganviz sweep {folder}/spec.json --out {folder}"
