"""Figures of the Latent page's BigGAN view: the truncation trade-off on N(0, I), measured.

Example:
    >>> rows = [{"threshold": t, "precision": p, "recall": r, "mean_confidence": 1.0, "class_agreement": 1.0}
    ...         for t, p, r in [(0.5, 1.0, 0.05), (2.0, 0.98, 0.8), (float("inf"), 0.95, 0.88)]]
    >>> fig = tradeoff_figure(rows, current=0.5)
    >>> [tr.name for tr in fig.data][:4], list(fig.data[1].y)
    (['precision', 'mean confidence', 'class agreement', 'recall'], [1.0, 1.0])
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganviz.plots import palette as pal
from ganviz.plots.began import _layout

# (key in the rows, name, colour, dash, panel): fidelity on the left, variety on the right
SERIES = (("precision", "precision", pal.PRECISION, "solid", 1),
          ("mean_confidence", "mean confidence", pal.QUALITY, "dot", 1),
          ("class_agreement", "class agreement", pal.CLASS_AGREEMENT, "dash", 1),
          ("recall", "recall", pal.RECALL, "solid", 2))


def tradeoff_figure(rows: list[dict], current: float | None = None, key: str = "tradeoff") -> go.Figure:
    """Precision, mean confidence and class agreement (fidelity) and recall (variety) against the
    truncation threshold on N(0, 1), one marker per measured threshold; the row without truncation
    (threshold inf) as a dotted level of the same colour, since it has no place on the axis;
    ``current`` (a finite threshold) as a vertical line. Fidelity keeps Plotly's own range (it sits
    near 1 with our classifier), recall spans [0, 1]."""
    finite = sorted((r for r in rows if math.isfinite(r["threshold"])), key=lambda r: r["threshold"])
    off = next((r for r in rows if not math.isfinite(r["threshold"])), None)
    t = [r["threshold"] for r in finite]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.09,
                        subplot_titles=("fidelity: precision, confidence, class agreement", "variety: recall"))
    for field, name, colour, dash, col in SERIES:
        if finite and finite[0].get(field) is None:  # an unconditional run has no class agreement
            continue
        fig.add_trace(go.Scatter(x=t, y=[r[field] for r in finite], mode="lines+markers", name=name,
                                 line=dict(color=colour, dash=dash)), 1, col)
        if off is not None:
            fig.add_hline(y=off[field], line=dict(color=colour, dash="dot", width=1.5), row=1, col=col)
    if off is not None:  # the legend's key to the dotted levels
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="dotted: off (no truncation)",
                                 line=dict(color=pal.REFERENCE, dash="dot")), 1, 1)
    if current is not None and math.isfinite(current):
        for col in (1, 2):
            fig.add_vline(x=current, line=dict(color=pal.REFERENCE, width=1), row=1, col=col)
    fig.update_xaxes(title_text="truncation threshold (|z_i| above it redrawn)")
    # fidelity sits near 1 on this classifier: its own scale (shown), recall on [0, 1]
    fig.update_yaxes(range=[0, 1.05], row=1, col=2)
    _layout(fig, "Truncation on N(0, 1): fidelity against variety", key, height=360)
    fig.update_layout(margin=dict(l=50, r=10, t=60, b=80), legend=dict(y=-0.3, yanchor="top"))
    return fig
