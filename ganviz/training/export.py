"""Exports of a run: metrics histories as CSV, and light frames for an animation."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

LOSS_COLUMNS = ("d_loss", "g_loss", "k_t", "m_global")
EVAL_COLUMNS = ("w1", "js", "js_floor", "modes", "hq")


def history_csv(snap) -> str:
    """One row per logged step: losses (and BEGAN's k_t, M_global) every log_every steps, joined
    with the evaluation metrics (W1, JS, its floor, modes, HQ) where they were measured."""
    rows: dict[int, dict] = {}
    for cols, hist in ((LOSS_COLUMNS, snap.history), (EVAL_COLUMNS, snap.eval_history)):
        for i, step in enumerate(hist.get("step", [])):
            row = rows.setdefault(int(step), {})
            for c in cols:
                v = hist.get(c, [])[i] if i < len(hist.get(c, [])) else math.nan
                if v == v:  # skip NaN (not measured at this step)
                    row[c] = v
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=["step", *LOSS_COLUMNS, *EVAL_COLUMNS], restval="")
    w.writeheader()
    for step in sorted(rows):
        w.writerow({"step": step, **rows[step]})
    return out.getvalue()


@dataclass
class Frame:
    """What one animation frame shows: the samples and D's surface at one step."""

    step: int
    real: np.ndarray
    fake: np.ndarray
    surface: np.ndarray | None
    bounds: tuple[tuple[float, float], tuple[float, float]]


def frame_of(snap) -> Frame | None:
    """A frame from a 2D snapshot (None for 1D data or before the first finite samples)."""
    if snap.dim != 2 or snap.surface_x is None:
        return None
    bounds = ((float(snap.surface_x[0]), float(snap.surface_x[-1])), (float(snap.surface_y[0]), float(snap.surface_y[-1])))
    return Frame(snap.step, snap.real, snap.fake, snap.surface, bounds)


class FrameRecorder:
    """Keeps at most ``max_frames`` frames spanning the whole run (thinned by 2 when full, the
    newest kept). ``make`` turns what ``add`` gets into a frame with a ``step`` (or None: no frame);
    by default a toy snapshot's ``frame_of``."""

    def __init__(self, max_frames: int = 120, make=frame_of):
        self.max_frames = max_frames
        self.make = make
        self.frames: list = []

    def add(self, snap) -> None:
        f = self.make(snap)
        if f is None:
            return
        if self.frames and f.step <= self.frames[-1].step:
            if f.step < self.frames[-1].step:  # a reset: start again
                self.frames = []
            else:
                return
        self.frames.append(f)
        if len(self.frames) > self.max_frames:
            kept = self.frames[::2]
            if kept[-1] is not f:  # always keep the newest frame
                kept.append(f)
            self.frames = kept


def spectra_csv(spectra: dict) -> str:
    """Every recorded singular value as CSV, one row per (net, weight, layer, step): sigma_0, sigma_1,
    their ratio and the whole spectrum. ``spectra`` is ``SpectraRecorder.snapshot()``: {net: {"raw":
    {layer: LayerSeries}, "normalised": {...}}}; "normalised" rows are W_SN under spectral norm."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["net", "weight", "layer", "step", "sigma0", "sigma1", "sigma0_over_sigma1", "spectrum"])
    for net, kinds in spectra.items():
        for kind, layers in kinds.items():
            for layer, s in layers.items():
                for step, sigma in zip(s.steps, s.sigma):
                    s1 = float(sigma[1]) if len(sigma) > 1 else math.nan
                    w.writerow([net, kind, layer, int(step), float(sigma[0]), s1,
                                float(sigma[0]) / s1 if s1 > 0 else math.nan, " ".join(f"{v:.6g}" for v in sigma)])
    return out.getvalue()
