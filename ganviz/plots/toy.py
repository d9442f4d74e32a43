"""Figures of the toy GAN lab, built from ``ganviz.training.snapshot.Snapshot`` objects.

Each builder takes snapshots and returns a small ``go.Figure`` (the whole figure travels over the
websocket on every redraw): a few hundred points, a 40x40 surface, lines merged into one trace
with None breaks. ``uirevision`` keeps the user's zoom across updates.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

REAL = "#1f77b4"
FAKE = "#ff7f0e"
ARROW = "#dc143c"  # crimson
RUN_DASH = ["solid", "dash"]

# D's surface in every view (this figure, the live picture, the PNG and the GIF): one grey ramp from
# white at the frame's lowest value to SURFACE_DARK at its highest, darker = higher, opaque.
SURFACE_DARK = 115
SURFACE_COLORSCALE = [[0.0, "rgb(255,255,255)"], [1.0, f"rgb({SURFACE_DARK},{SURFACE_DARK},{SURFACE_DARK})"]]


def surface_range(surface: np.ndarray) -> tuple[float, float]:
    """(lowest, highest) value of a surface: the ends of its grey ramp and colour bar."""
    lo, hi = float(np.min(surface)), float(np.max(surface))
    return lo, (hi if hi > lo else lo + 1e-12)


def surface_grey(values, lo: float, hi: float) -> np.ndarray:
    """The grey level (0-255) of surface values on the ramp from ``lo`` (white) to ``hi`` (dark).

    Example:
        >>> surface_grey(np.array([0.0, 0.5, 1.0]), 0.0, 1.0).tolist()
        [255, 185, 115]
    """
    t = np.clip((np.asarray(values, np.float64) - lo) / (hi - lo), 0.0, 1.0)
    return np.round(255 - (255 - SURFACE_DARK) * t).astype(np.uint8)


def arrow_key(snap) -> tuple[float, float] | None:
    """The key arrow of a snapshot's arrows: (|grad_x L_G| it stands for, its length in plot
    units). The value is a round number (1, 2 or 5 times a power of ten) whose arrow is at most
    8% of the plot's width, on the snapshot's ``arrow_scale``. None without arrows."""
    scale = getattr(snap, "arrow_scale", None)
    if snap.arrows_from is None or not scale or snap.surface_x is None:
        return None
    width = float(snap.surface_x[-1] - snap.surface_x[0])
    raw = 0.08 * width / scale
    if not (raw > 0 and math.isfinite(raw)):
        return None
    power = 10 ** math.floor(math.log10(raw))
    value = max(m * power for m in (1, 2, 5) if m * power <= raw * (1 + 1e-9))
    return value, value * scale


def arrow_key_text(value: float) -> str:
    return f"= |∇ₓ L_G| of {value:.3g}"


def _merged(lines: list[np.ndarray]) -> tuple[list, list]:
    xs, ys = [], []
    for line in lines:
        xs += line[:, 0].tolist() + [None]
        ys += line[:, 1].tolist() + [None]
    return xs, ys


def samples_figure(snap, title: str = "", height: int = 520) -> go.Figure:
    """2D: D surface as a heatmap, the generator's warped noise grid, real and generated samples,
    and arrows of -grad of the G loss. 1D: the real density, a histogram of the samples and D(x)."""
    if snap.dim == 1:
        return _samples_1d(snap, title, height)
    fig = go.Figure()
    if snap.surface is not None and np.isfinite(snap.surface).all():
        lo, hi = surface_range(snap.surface)
        fig.add_trace(go.Heatmap(x=snap.surface_x, y=snap.surface_y, z=snap.surface, colorscale=SURFACE_COLORSCALE,
                                 zmin=lo, zmax=hi, showscale=True, name=snap.surface_label,
                                 colorbar=dict(title=dict(text=f"{snap.surface_label} (dark = high)", side="right"),
                                               thickness=12),
                                 hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>" + snap.surface_label + "=%{z:.3f}<extra></extra>"))
    if snap.noise_lines:
        xs, ys = _merged(snap.noise_lines)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="rgba(120,60,160,0.35)", width=1),
                                   name="G(noise grid)", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=snap.real[:, 0], y=snap.real[:, 1], mode="markers", name="real",
                               marker=dict(size=4, color=REAL, opacity=0.6)))
    finite = np.isfinite(snap.fake).all(axis=1)
    fig.add_trace(go.Scatter(x=snap.fake[finite, 0], y=snap.fake[finite, 1], mode="markers", name="generated",
                               marker=dict(size=4, color=FAKE, opacity=0.7)))
    ends = snap.arrows_to
    if ends is not None:
        segs = [np.stack([a, b]) for a, b in zip(snap.arrows_from, ends)]
        xs, ys = _merged(segs)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=ARROW, width=1.5),
                                 name="-grad of G loss", hoverinfo="skip"))
        key = arrow_key(snap)
        if key is not None:
            # The key arrow in the lower left corner: one length scale for the whole run.
            x0, y0 = float(snap.surface_x[0]), float(snap.surface_y[0])
            w = float(snap.surface_x[-1] - snap.surface_x[0])
            h = float(snap.surface_y[-1] - snap.surface_y[0])
            kx, ky = x0 + 0.04 * w, y0 + 0.05 * h
            fig.add_annotation(x=kx + key[1], y=ky, ax=kx, ay=ky, xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.5, arrowcolor=ARROW, text="")
            fig.add_annotation(x=kx + key[1], y=ky, xref="x", yref="y", text=arrow_key_text(key[0]), showarrow=False,
                               xanchor="left", xshift=4, font=dict(size=11, color="#333"), bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(title=title or None, height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                      legend=dict(orientation="h", y=-0.05), uirevision="samples")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def _samples_1d(snap, title, height) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if snap.real_density is not None:
        fig.add_trace(go.Scatter(x=snap.real_density[0], y=snap.real_density[1], name="real density",
                                 line=dict(color=REAL)), secondary_y=False)
    else:
        fig.add_trace(go.Histogram(x=snap.real[:, 0], histnorm="probability density", name="real",
                                   marker_color=REAL, opacity=0.5, nbinsx=60), secondary_y=False)
    finite = np.isfinite(snap.fake[:, 0])
    fig.add_trace(go.Histogram(x=snap.fake[finite, 0], histnorm="probability density", name="generated",
                               marker_color=FAKE, opacity=0.6, nbinsx=60), secondary_y=False)
    if snap.surface is not None:
        fig.add_trace(go.Scatter(x=snap.surface_x, y=snap.surface, name=snap.surface_label,
                                 line=dict(color="black", dash="dot")), secondary_y=True)
    fig.update_layout(title=title or None, height=height, barmode="overlay", uirevision="samples1d",
                      margin=dict(l=10, r=10, t=40 if title else 10, b=10), legend=dict(orientation="h", y=-0.1))
    fig.update_yaxes(title_text="density", secondary_y=False)
    fig.update_yaxes(title_text=snap.surface_label, secondary_y=True)
    return fig


def metrics_figure(runs: dict, height: int = 520) -> go.Figure:
    """Loss curves, W1 with its noise floor, the JS estimate with its noise floor, modes captured and
    HQ fraction, and BEGAN's k_t and M_global each on its own axis, for one or two runs (``runs``
    maps a label to a snapshot). The W1 floor is W1 between two samples of the data itself at the
    curve's n (``ganviz.metrics.divergence.w1_noise_floor``): a run cannot read below it."""
    has_modes = any(any(v == v for v in s.eval_history.get("modes", [])) for s in runs.values())
    has_k = any(any(v == v for v in s.history.get("k_t", [])) for s in runs.values())
    titles = ["losses", "W1 (EMD; dotted: noise floor)", "JS estimate (dotted: noise floor)",
              "modes captured / HQ %" if has_modes else "", "BEGAN k_t" if has_k else "",
              "BEGAN M_global" if has_k else ""]
    rows = 3
    fig = make_subplots(rows=rows, cols=2, subplot_titles=titles, vertical_spacing=0.12,
                        horizontal_spacing=0.1, specs=[[{}, {}], [{}, {"secondary_y": True}], [{}, {}]])
    floors = set()
    for i, (label, s) in enumerate(runs.items()):
        dash = RUN_DASH[i % 2]
        tag = f"{label}: " if len(runs) > 1 else ""
        h, e = s.history, s.eval_history
        fig.add_trace(go.Scatter(x=h["step"], y=h["d_loss"], name=f"{tag}D loss", line=dict(color="#2ca02c", dash=dash)), 1, 1)
        fig.add_trace(go.Scatter(x=h["step"], y=h["g_loss"], name=f"{tag}G loss", line=dict(color="#d62728", dash=dash)), 1, 1)
        fig.add_trace(go.Scatter(x=e["step"], y=e["w1"], name=f"{tag}W1", line=dict(color="#9467bd", dash=dash)), 1, 2)
        floor = getattr(s, "w1_floor", math.nan)
        if floor == floor and round(floor, 6) not in floors and e["step"]:
            floors.add(round(floor, 6))
            steps = [min(e["step"]), max(e["step"])] if len(e["step"]) > 1 else [0, max(e["step"])]
            fig.add_trace(go.Scatter(x=steps, y=[floor, floor], mode="lines", name=f"W1 noise floor ({s.dataset})",
                                     line=dict(color="#9467bd", dash="dot", width=1)), 1, 2)
        fig.add_trace(go.Scatter(x=e["step"], y=e["js"], name=f"{tag}JS", line=dict(color="#8c564b", dash=dash)), 2, 1)
        fig.add_trace(go.Scatter(x=e["step"], y=e["js_floor"], name=f"{tag}JS floor", showlegend=False,
                                 line=dict(color="#8c564b", dash="dot", width=1)), 2, 1)
        if has_modes:
            fig.add_trace(go.Scatter(x=e["step"], y=e["modes"], name=f"{tag}modes", line=dict(color="#17becf", dash=dash)),
                          2, 2, secondary_y=False)
            hq = [v * 100 if v == v else v for v in e["hq"]]
            fig.add_trace(go.Scatter(x=e["step"], y=hq, name=f"{tag}HQ %", line=dict(color="#bcbd22", dash=dash)),
                          2, 2, secondary_y=True)
        if has_k:
            fig.add_trace(go.Scatter(x=h["step"], y=h["k_t"], name=f"{tag}k_t", line=dict(color="#e377c2", dash=dash)), 3, 1)
            fig.add_trace(go.Scatter(x=h["step"], y=h["m_global"], name=f"{tag}M_global",
                                     line=dict(color="#7f7f7f", dash=dash)), 3, 2)
    fig.add_hline(y=math.log(2), line=dict(color="gray", dash="dot", width=1), row=2, col=1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), uirevision="metrics",
                      legend=dict(orientation="h", y=-0.08, font=dict(size=10)))
    fig.update_xaxes(title_text="generator step", row=3, col=1)
    if has_k:
        fig.update_xaxes(title_text="generator step", row=3, col=2)
    return fig


def d_histogram(runs: dict, height: int = 260) -> go.Figure:
    """Histogram of D(G(z)) (or the critic value / energy) on generated samples."""
    fig = go.Figure()
    label = "D(G(z))"
    for i, (name, s) in enumerate(runs.items()):
        if s.d_of_fake is None:
            continue
        label = s.surface_label.replace("(x)", "(G(z))")
        fig.add_trace(go.Histogram(x=s.d_of_fake, name=name, nbinsx=40, opacity=0.6))
    fig.update_layout(height=height, barmode="overlay", margin=dict(l=10, r=10, t=30, b=10),
                      title=dict(text=f"histogram of {label}", font=dict(size=13)), uirevision="dhist",
                      showlegend=len(runs) > 1)
    return fig
