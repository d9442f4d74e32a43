"""Figures of singular value spectra over training (BigGAN's Fig. 3 and its companions).

Each builder takes recorded spectra (``ganviz.metrics.spectra.LayerSeries`` by layer name) and
returns a plotly figure; none trains or reads session state.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from ganviz.metrics.spectra import LayerSeries

COLORS = qualitative.Plotly
HEIGHT = 330


def short_name(name: str) -> str:
    """``body.0.parametrizations.weight.original`` -> ``body.0.weight`` (the layer, as users know it)."""
    return name.replace(".parametrizations.weight.original", ".weight")


def _layout(fig: go.Figure, title: str, key: str, ytitle: str, log_y: bool = False) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.0, font=dict(size=14)), height=HEIGHT, margin=dict(l=50, r=10, t=40, b=40),
        uirevision=key,  # zoom survives the live updates
        legend=dict(font=dict(size=10), orientation="h", y=-0.22), template="plotly_white",
    )
    fig.update_xaxes(title_text="generator step")
    fig.update_yaxes(title_text=ytitle, type="log" if log_y else "linear")
    return fig


def sigma0_figure(raw: dict[str, LayerSeries], title: str, *, normalised: dict[str, LayerSeries] | None = None,
                  modes: tuple[list, list, int] | None = None, log_y: bool = True, key: str = "sigma0") -> go.Figure:
    """sigma_0 of each layer over the steps (solid: raw W; dotted: W_SN where spectral norm is on).

    ``modes`` = (steps, modes captured, number of modes) adds a panel above with the mode count, so
    that a collapse and the growth of sigma_0 before it line up on one time axis.
    """
    rows = 2 if modes is not None else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[0.3, 0.7] if rows == 2 else [1.0])
    row = rows
    if modes is not None:
        steps, captured, n_modes = modes
        fig.add_trace(go.Scatter(x=list(steps), y=list(captured), mode="lines+markers", name="modes captured",
                                 line=dict(color="black"), marker=dict(size=4)), row=1, col=1)
        fig.update_yaxes(title_text="modes", range=[0, n_modes + 0.5], row=1, col=1)
    for i, (name, s) in enumerate(raw.items()):
        fig.add_trace(go.Scatter(x=s.steps, y=s.sigma0, mode="lines", name=short_name(name),
                                 line=dict(color=COLORS[i % len(COLORS)])), row=row, col=1)
    for i, (name, s) in enumerate((normalised or {}).items()):
        fig.add_trace(go.Scatter(x=s.steps, y=s.sigma0, mode="lines", name=f"{name} (W_SN)",
                                 line=dict(color=COLORS[i % len(COLORS)], dash="dot")), row=row, col=1)
    _layout(fig, title, key, "")
    fig.update_yaxes(title_text="sigma_0", type="log" if log_y else "linear", row=row, col=1)
    fig.update_xaxes(title_text="", row=1, col=1) if rows == 2 else None
    fig.update_layout(height=HEIGHT + (120 if rows == 2 else 0))
    return fig


def ratio_figure(raw: dict[str, LayerSeries], title: str, key: str = "ratio") -> go.Figure:
    """sigma_0 / sigma_1 of each layer over the steps: a weight whose top direction runs away from
    the rest has a growing ratio."""
    fig = go.Figure()
    for i, (name, s) in enumerate(raw.items()):
        r = s.ratio01
        if not np.isfinite(r).any():
            continue  # rank-one layers (the head) have no sigma_1
        fig.add_trace(go.Scatter(x=s.steps, y=r, mode="lines", name=short_name(name),
                                 line=dict(color=COLORS[i % len(COLORS)])))
    return _layout(fig, title, key, "sigma_0 / sigma_1", log_y=True)


def spectrum_heatmap(series: LayerSeries, title: str, key: str = "heatmap") -> go.Figure:
    """The whole spectrum of one layer over the steps: x the step, y the index i of sigma_i
    (0 = largest, at the top), colour log10 sigma_i."""
    z = np.log10(np.clip(series.sigma.T, 1e-12, None))
    fig = go.Figure(go.Heatmap(
        x=series.steps, y=np.arange(series.sigma.shape[1]), z=z, colorscale="Viridis",
        colorbar=dict(title="log10 σ", thickness=12),
        hovertemplate="step %{x}<br>σ_%{y}<br>log10 σ = %{z:.3f}<extra></extra>",
    ))
    fig = _layout(fig, title, key, "index i of sigma_i")
    fig.update_yaxes(autorange="reversed")
    return fig
