"""Figures of singular value spectra over training (BigGAN's Fig. 3 and its companions).

Each builder takes recorded spectra (``ganviz.metrics.spectra.LayerSeries`` by layer name) and
returns a plotly figure; none trains or reads session state.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganviz.metrics.spectra import LayerSeries
from ganviz.plots import palette as pal

COLORS = pal.LAYERS
HEIGHT = 330


def short_name(name: str) -> str:
    """``body.0.parametrizations.weight.original`` -> ``body.0.weight`` (the layer, as users know it)."""
    return name.replace(".parametrizations.weight.original", ".weight")


_LAYER = re.compile(r"^(body\.\d+|head)\.weight$")


def _kind(shape: tuple[int, ...]) -> str:
    """A layer's kind from its weight's own shape: (out, in, kh, kw) is a conv, (out, in) linear."""
    if len(shape) == 4:
        return f"conv {shape[2]}×{shape[3]}, {shape[1]}→{shape[0]}"
    return f"linear {shape[1]}→{shape[0]}" if len(shape) == 2 else ""


def layer_names(names, net: str = "") -> dict[str, str]:
    """Each weight's name as a lecture says it.

    - The toy MLP's linear layers in forward order: "G layer 1", "G layer 2", ..., the last "(output)";
      any other weight by its short name.
    - A conv net (``names`` a dict of ``LayerSeries`` of which one has a 4-d ``weight_shape``): every
      weight in forward order with its kind, "G layer 2: conv 3×3, 64→32"; the last "(output)".

    Example:
        >>> layer_names(["body.0.weight", "body.2.parametrizations.weight.original", "head.weight"], "D")
        {'body.0.weight': 'D layer 1', 'body.2.parametrizations.weight.original': 'D layer 2', 'head.weight': 'D layer 3 (output)'}
        >>> s = lambda *shape: LayerSeries(np.arange(1), np.ones((1, 1)), "svdvals", (1, 1), shape)
        >>> list(layer_names({"fc.weight": s(512, 32), "out.weight": s(1, 16, 3, 3)}, "G").values())
        ['G layer 1: linear 32→512', 'G layer 2: conv 3×3, 16→1 (output)']
    """
    prefix = f"{net} " if net else ""
    series = names if isinstance(names, dict) else {}
    names = list(names)
    if any(isinstance(v, LayerSeries) and len(v.weight_shape) == 4 for v in series.values()):
        out = {}
        for k, n in enumerate(names, 1):
            kind = _kind(series[n].weight_shape) if isinstance(series[n], LayerSeries) else ""
            out[n] = f"{prefix}layer {k}" + (f": {kind}" if kind else "") + (" (output)" if k == len(names) else "")
        return out
    layers = [n for n in names if _LAYER.match(short_name(n))]
    out = {}
    for n in names:
        if n in layers:
            k = layers.index(n) + 1
            out[n] = f"{prefix}layer {k}" + (" (output)" if short_name(n) == "head.weight" else "")
        else:
            out[n] = prefix + short_name(n)
    return out


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
                  modes: tuple[list, list, int] | None = None, log_y: bool = True, key: str = "sigma0",
                  net: str = "", counted: str = "modes") -> go.Figure:
    """sigma_0 of each layer over the steps (solid: raw W; dotted: W_SN where spectral norm is on).

    ``modes`` = (steps, count, most possible) adds a panel above with the count, so that a collapse
    and the growth of sigma_0 before it line up on one time axis: the modes captured of a toy
    mixture (``counted`` "modes"), or the digit classes present among the samples ("classes").
    """
    rows = 2 if modes is not None else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[0.3, 0.7] if rows == 2 else [1.0])
    row = rows
    if modes is not None:
        steps, captured, n_modes = modes
        name = "modes captured" if counted == "modes" else f"{counted} present"
        fig.add_trace(go.Scatter(x=list(steps), y=list(captured), mode="lines+markers", name=name,
                                 line=dict(color=pal.BLACK), marker=dict(size=4)), row=1, col=1)
        fig.update_yaxes(title_text=counted, range=[0, n_modes + 0.5], dtick=1 if n_modes <= 8 else 5, row=1, col=1)
    labels = layer_names(raw, net)
    colour = {name: COLORS[i % len(COLORS)] for i, name in enumerate(raw)}
    for name, s in raw.items():
        fig.add_trace(go.Scatter(x=s.steps, y=s.sigma0, mode="lines", name=labels[name], legendgroup=name,
                                 line=dict(color=colour[name])), row=row, col=1)
    sn_labels = layer_names(normalised or {}, net)
    for i, (name, s) in enumerate((normalised or {}).items()):
        # W_SN of a layer in that layer's colour: its raw weight is recorded under the parametrisation's name
        match = next((r for r in raw if short_name(r) == short_name(name)), None)
        fig.add_trace(go.Scatter(x=s.steps, y=s.sigma0, mode="lines", name=f"{labels.get(match, sn_labels[name])} (W_SN)",
                                 line=dict(color=colour.get(match, COLORS[i % len(COLORS)]), dash="dot")),
                      row=row, col=1)
    _layout(fig, title, key, "")
    if rows == 2:
        fig.update_xaxes(title_text="", row=1, col=1)  # the shared step axis: titled once, under the bottom panel
        fig.update_yaxes(title_text=counted, row=1, col=1)
    fig.update_yaxes(title_text="σ₀", type="log" if log_y else "linear", row=row, col=1)
    fig.update_layout(height=HEIGHT + (120 if rows == 2 else 0))
    return fig


def ratio_figure(raw: dict[str, LayerSeries], title: str, key: str = "ratio", net: str = "") -> go.Figure:
    """sigma_0 / sigma_1 of each layer over the steps: a weight whose top direction runs away from
    the rest has a growing ratio."""
    fig = go.Figure()
    labels = layer_names(raw, net)
    for i, (name, s) in enumerate(raw.items()):
        r = s.ratio01
        if not np.isfinite(r).any():
            continue  # rank-one layers (the head) have no sigma_1
        fig.add_trace(go.Scatter(x=s.steps, y=r, mode="lines", name=labels[name],
                                 line=dict(color=COLORS[i % len(COLORS)])))
    return _layout(fig, title, key, "σ₀ / σ₁", log_y=True)


def spectrum_heatmap(series: LayerSeries, title: str, key: str = "heatmap") -> go.Figure:
    """The whole spectrum of one layer over the steps: x the step, y the index i of sigma_i
    (0 = largest, at the top), colour log10 sigma_i."""
    z = np.log10(np.clip(series.sigma.T, 1e-12, None))
    fig = go.Figure(go.Heatmap(
        x=series.steps, y=np.arange(series.sigma.shape[1]), z=z, colorscale=pal.SPECTRUM_COLORSCALE,
        colorbar=dict(title="log10 σ", thickness=12, tickformat=".2~f", nticks=5),  # short labels: no cut "2.93e-1…"
        hovertemplate="step %{x}<br>σ_%{y}<br>log10 σ = %{z:.3f}<extra></extra>",
    ))
    fig = _layout(fig, title, key, "i of σᵢ")
    fig.update_yaxes(autorange="reversed")
    return fig
