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
RUN_DASH = ["solid", "dash"]


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
    if snap.surface is not None:
        fig.add_trace(go.Heatmap(x=snap.surface_x, y=snap.surface_y, z=snap.surface, colorscale="Greys",
                                 reversescale=True, opacity=0.55, showscale=True, name=snap.surface_label,
                                 colorbar=dict(title=dict(text=snap.surface_label, side="right"), thickness=12),
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
    if snap.arrows_from is not None:
        segs = [np.stack([a, b]) for a, b in zip(snap.arrows_from, snap.arrows_to)]
        xs, ys = _merged(segs)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="crimson", width=1.5),
                                   name="-grad of G loss", hoverinfo="skip"))
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
    """Loss curves, W1, the JS estimate with its noise floor, modes captured and HQ fraction, and
    BEGAN's k_t and M_global, for one or two runs (``runs`` maps a label to a snapshot)."""
    has_modes = any(any(v == v for v in s.eval_history.get("modes", [])) for s in runs.values())
    has_k = any(any(v == v for v in s.history.get("k_t", [])) for s in runs.values())
    titles = ["losses", "W1 (EMD)", "JS estimate (dotted: noise floor)",
              "modes captured / HQ %" if has_modes else "", "BEGAN k_t / M_global" if has_k else ""]
    rows = 3
    fig = make_subplots(rows=rows, cols=2, subplot_titles=titles[:5] + [""], vertical_spacing=0.12,
                        horizontal_spacing=0.1, specs=[[{}, {}], [{}, {"secondary_y": True}], [{}, {}]])
    for i, (label, s) in enumerate(runs.items()):
        dash = RUN_DASH[i % 2]
        tag = f"{label}: " if len(runs) > 1 else ""
        h, e = s.history, s.eval_history
        fig.add_trace(go.Scatter(x=h["step"], y=h["d_loss"], name=f"{tag}D loss", line=dict(color="#2ca02c", dash=dash)), 1, 1)
        fig.add_trace(go.Scatter(x=h["step"], y=h["g_loss"], name=f"{tag}G loss", line=dict(color="#d62728", dash=dash)), 1, 1)
        fig.add_trace(go.Scatter(x=e["step"], y=e["w1"], name=f"{tag}W1", line=dict(color="#9467bd", dash=dash)), 1, 2)
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
                                     line=dict(color="#7f7f7f", dash=dash)), 3, 1)
    fig.add_hline(y=math.log(2), line=dict(color="gray", dash="dot", width=1), row=2, col=1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), uirevision="metrics",
                      legend=dict(orientation="h", y=-0.08, font=dict(size=10)))
    fig.update_xaxes(title_text="generator step", row=3, col=1)
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
