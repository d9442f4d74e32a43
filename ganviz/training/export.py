"""Exports of a toy run: the metrics history as CSV, and light frames for an animation."""

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
    newest kept)."""

    def __init__(self, max_frames: int = 120):
        self.max_frames = max_frames
        self.frames: list[Frame] = []

    def add(self, snap) -> None:
        if self.frames and snap.step <= self.frames[-1].step:
            if snap.step < self.frames[-1].step:  # a reset: start again
                self.frames = []
            else:
                return
        f = frame_of(snap)
        if f is None:
            return
        self.frames.append(f)
        if len(self.frames) > self.max_frames:
            kept = self.frames[::2]
            if kept[-1] is not f:  # always keep the newest frame
                kept.append(f)
            self.frames = kept
