"""Figures of BEGAN runs and latent spaces: k_t, M_global and the two losses; image grids; the
gamma sweep's diversity against quality; truncation curves.

Every builder takes plain data (lists, tensors, dicts) and returns a plotly figure; none trains
or reads session state.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ganviz.plots import palette as pal

HEIGHT = 330


def _layout(fig: go.Figure, title: str, key: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.0, font=dict(size=14)), height=height,
                      margin=dict(l=50, r=10, t=40, b=35), uirevision=key, template="plotly_white",
                      legend=dict(font=dict(size=10), orientation="h", y=-0.2))
    return fig


def tile(images: torch.Tensor, cols: int, pad: int = 1) -> np.ndarray:
    """(N, C, S, S) images in [-1, 1] -> one (rows*(S+pad), cols*(S+pad)[, 3]) array in [0, 1],
    row by row, with a thin dark gutter."""
    x = ((images.detach().float().clamp(-1, 1) + 1) / 2).cpu().numpy()
    n, c, s, _ = x.shape
    rows = max(1, math.ceil(n / cols))
    out = np.zeros((rows * (s + pad) - pad, cols * (s + pad) - pad, c), dtype=np.float32) + 0.25
    for i in range(n):
        r, k = divmod(i, cols)
        out[r * (s + pad):r * (s + pad) + s, k * (s + pad):k * (s + pad) + s] = x[i].transpose(1, 2, 0)
    return out[..., 0] if c == 1 else out


def image_grid(images: torch.Tensor, cols: int = 8, title: str = "", key: str = "grid",
               height: int | None = None, labels: list[str] | None = None) -> go.Figure:
    """A grid of images (grey or RGB) as one picture; ``labels`` (one per column) go under it."""
    arr = tile(images, cols)
    if arr.ndim == 2:
        fig = go.Figure(go.Heatmap(z=arr[::-1], colorscale=pal.IMAGE_COLORSCALE, zmin=0, zmax=1, showscale=False,
                                   hoverinfo="skip"))
        fig.update_yaxes(scaleanchor="x", visible=False)
    else:
        fig = go.Figure(go.Image(z=(arr * 255).astype(np.uint8), hoverinfo="skip"))
        fig.update_yaxes(visible=False)
    s = images.shape[-1] + 1
    if labels:
        fig.update_xaxes(tickvals=[i * s + s / 2 - 1 for i in range(len(labels))], ticktext=labels,
                         showgrid=False, zeroline=False)
    else:
        fig.update_xaxes(visible=False)
    rows = arr.shape[0] / arr.shape[1]
    _layout(fig, title, key, height or int(min(520, max(140, 40 + 300 * rows))))
    fig.update_layout(margin=dict(l=5, r=5, t=30 if title else 5, b=25 if labels else 5))
    return fig


def curves_figure(curves: dict[str, list], key: str = "began_curves") -> go.Figure:
    """k_t, M_global (with the learning-rate halvings marked) and L(x), L(G(z)) over the steps."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=("k_t (in [0, 1])", "M_global = L(x) + |γ L(x) − L(G(z))|",
                                        "L(x) and L(G(z))"))
    steps = curves.get("step", [])
    fig.add_trace(go.Scatter(x=steps, y=curves.get("k_t", []), name="k_t", line=dict(color=pal.K_T)), 1, 1)
    fig.add_trace(go.Scatter(x=steps, y=curves.get("m_global", []), name="M_global",
                             line=dict(color=pal.M_GLOBAL)), 2, 1)
    fig.add_trace(go.Scatter(x=steps, y=curves.get("L_real", []), name="L(x)", line=dict(color=pal.REAL)), 3, 1)
    fig.add_trace(go.Scatter(x=steps, y=curves.get("L_fake", []), name="L(G(z))",
                             line=dict(color=pal.FAKE)), 3, 1)
    lr = curves.get("lr_g", [])
    for i in range(1, len(lr)):
        if lr[i] < lr[i - 1]:
            fig.add_vline(x=steps[i], line=dict(color=pal.REFERENCE, dash="dot", width=1), row=2, col=1)
            fig.add_annotation(x=steps[i], y=1, yref="y2 domain", text=f"lr {lr[i]:.1e}", showarrow=False,
                               font=dict(size=9, color=pal.REFERENCE), xanchor="left")
    fig.update_yaxes(title_text="k_t", row=1, col=1)
    fig.update_yaxes(type="log", dtick=1, title_text="M_global", row=2, col=1)  # one label per decade
    fig.update_yaxes(type="log", dtick=1, title_text="L (mean |v − D(v)|)", row=3, col=1)
    fig.update_xaxes(title_text="generator step", row=3, col=1)
    return _layout(fig, "", key, height=560)


def sweep_figure(rows: list[dict], key: str = "sweep") -> go.Figure:
    """Diversity against quality (mean classifier confidence), one point per gamma, joined in gamma
    order: class entropy (left) and mean pairwise distance (right), each on its own axis."""
    rows = sorted(rows, key=lambda r: r["gamma"])
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14,
                        subplot_titles=("class entropy", "mean pairwise distance"))
    q = [r["quality"] for r in rows]
    labels = [f"γ={r['gamma']:g}" for r in rows]
    fig.add_trace(go.Scatter(x=q, y=[r["class_entropy"] for r in rows], mode="lines+markers+text", text=labels,
                             textposition="top center", name="class entropy (nats)",
                             marker=dict(size=10, color=pal.CLASS_ENTROPY)), 1, 1)
    fig.add_trace(go.Scatter(x=q, y=[r["pairwise_distance"] for r in rows], mode="lines+markers+text", text=labels,
                             textposition="top center", name="mean pairwise distance",
                             marker=dict(size=8, symbol="diamond", color=pal.PAIRWISE_DISTANCE), line=dict(dash="dot")), 1, 2)
    fig.add_trace(go.Scatter(x=[min(q, default=0), max(q, default=1)], y=[math.log(10)] * 2, mode="lines",
                             name="log 10: all ten digits equally often", line=dict(color=pal.REFERENCE, dash="dash", width=1)),
                  1, 1)
    fig.update_xaxes(title_text="quality: mean classifier confidence")
    fig.update_yaxes(title_text="class entropy (nats)", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="pairwise distance", rangemode="tozero", row=1, col=2)
    return _layout(fig, "Diversity against quality across γ", key)


def truncation_figure(rows: list[dict], key: str = "truncation") -> go.Figure:
    """Quality, class entropy and pairwise distance against the truncation threshold (1 = no
    truncation), each in its own panel."""
    rows = sorted(rows, key=lambda r: r["threshold"])
    t = [r["threshold"] for r in rows]
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.1,
                        subplot_titles=("fidelity", "diversity: classes", "diversity: spread"))
    fig.add_trace(go.Scatter(x=t, y=[r["quality"] for r in rows], mode="lines+markers", name="quality (confidence)",
                             line=dict(color=pal.QUALITY)), 1, 1)
    fig.add_trace(go.Scatter(x=t, y=[r["class_entropy"] for r in rows], mode="lines+markers",
                             name="class entropy (nats)", line=dict(color=pal.CLASS_ENTROPY)), 1, 2)
    fig.add_trace(go.Scatter(x=t, y=[r["pairwise_distance"] for r in rows], mode="lines+markers",
                             name="pairwise distance", line=dict(color=pal.PAIRWISE_DISTANCE, dash="dot")), 1, 3)
    fig.update_xaxes(title_text="truncation threshold")
    fig.update_yaxes(title_text="mean confidence", row=1, col=1)
    fig.update_yaxes(title_text="class entropy (nats)", rangemode="tozero", row=1, col=2)
    fig.update_yaxes(title_text="pairwise distance", rangemode="tozero", row=1, col=3)
    fig = _layout(fig, "Truncation (|z_i| above the threshold is redrawn): fidelity against diversity", key, height=360)
    fig.update_layout(margin=dict(l=50, r=10, t=50, b=80), legend=dict(y=-0.3, yanchor="top"))
    return fig


def path_norm_figure(paths: dict[str, torch.Tensor], key: str = "norms") -> go.Figure:
    """||z|| along each interpolation path (slerp keeps it; a straight line dips in the middle)."""
    fig = go.Figure()
    for name, z in paths.items():
        fig.add_trace(go.Scatter(y=z.norm(dim=1).tolist(), mode="lines+markers", name=name))
    fig.update_yaxes(title_text="‖z‖")
    fig.update_xaxes(title_text="step along the path")
    _layout(fig, "‖z‖ along the path", key, height=290)
    # below the axis title: above the plot, the legend sat on the title in this narrow column
    fig.update_layout(margin=dict(l=50, r=10, t=40, b=80),
                      legend=dict(orientation="h", y=-0.42, yanchor="top", x=0.5, xanchor="center"))
    return fig
