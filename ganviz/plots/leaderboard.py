"""Figures of the leaderboard: one measure per objective (ours, mean ± standard error over trials)
beside the papers' published rows, on one axis; BEGAN's gamma curve, each measure against gamma
with its standard error over the seeds, one panel per kind of number.

Example:
    >>> rows = [{"gamma": g, "trials": 3, "quality": 0.9 - g / 2, "precision": 0.8 - g / 2, "recall": g,
    ...          "coverage": g / 2, "class_entropy": 2.0, "digit_fid": 200.0, "digit_fid_floor": 78.0,
    ...          **{f"{m}_se": 0.01 for m in ("quality", "precision", "recall", "coverage", "class_entropy",
    ...                                      "digit_fid")}} for g in (0.3, 0.5)]
    >>> [t.name for t in gamma_figure(rows).data][:4]
    ['mean confidence', 'precision', 'recall', 'coverage']
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganviz.plots import palette as pal

OURS, THEIRS = pal.OURS, pal.PUBLISHED


def bar_figure(ours: list[dict], theirs: list[dict], key: str, top: float, y_title: str, title: str,
               scale: float = 1.0, line: float | None = None) -> go.Figure:
    """Bars of ``key`` (e.g. "modes", "hq"): our objectives with ``key + "_se"`` error bars and the
    published methods (their tables give no error for every row; a row without ``key`` is left
    out), on one axis from 0 to ``top``, with a dotted line at ``top`` (all modes) or at ``line`` (a
    reference the title names); values are multiplied by ``scale`` (100 for percentages)."""
    fig = go.Figure()
    done = [r for r in ours if r["trials"] and math.isfinite(r[key])]
    theirs = [r for r in theirs if r.get(key) is not None]
    fig.add_bar(x=[r["objective"] for r in done], y=[scale * r[key] for r in done], name="ours (mean ± se)",
                marker_color=OURS, error_y=dict(type="data", array=[scale * r[key + "_se"] for r in done], visible=True),
                hovertemplate="%{x}: %{y:.1f}<extra></extra>")
    fig.add_bar(x=[f"{r['method']} ({r['source']})" for r in theirs], y=[scale * r[key] for r in theirs],
                name="published", marker_color=THEIRS, hovertemplate="%{x}: %{y:.1f}<extra></extra>")
    fig.add_hline(y=top if line is None else line, line_dash="dot", line_color=pal.BLACK)
    fig.update_layout(title=title, height=440, margin=dict(l=50, r=20, t=60, b=130), bargap=0.25,
                      legend=dict(orientation="h", y=1.0, x=1, xanchor="right", yanchor="bottom"),
                      uirevision="leaderboard")
    fig.update_yaxes(title_text=y_title, range=[0, top * 1.08])
    fig.update_xaxes(title_text="objective or method", tickangle=-40)
    return fig


# The gamma curve's panels: fractions in [0, 1] (quality side: confidence, precision; diversity side:
# recall, coverage, coloured as in the image lab), class entropy in nats, digit FID on a log axis.
FRACTIONS = {"quality": ("mean confidence", pal.QUALITY), "precision": ("precision", pal.PRECISION),
             "recall": ("recall", pal.RECALL), "coverage": ("coverage", pal.COVERAGE)}


FID_TICKS = [50, 100, 200, 500, 1000, 2000, 5000]  # a log axis's own minor labels read "2", "3" for 2,000, 3,000


def gamma_figure(rows: list[dict], key: str = "gamma_curve") -> go.Figure:
    """BEGAN's diversity ratio gamma against what the digit classifier measures of its samples,
    mean ± standard error over the seeds (``ganviz.metrics.leaderboard.gamma_table``)."""
    rows = [r for r in rows if r["trials"]]
    g = [r["gamma"] for r in rows]
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08,
                        subplot_titles=("quality and diversity (fractions)", "class entropy",
                                        "digit FID (not Inception FID)"))

    def line(m: str, name: str, colour: str, col: int, dash: str | None = None) -> None:
        fig.add_trace(go.Scatter(x=g, y=[r[m] for r in rows], name=name, mode="lines+markers",
                                 line=dict(color=colour, dash=dash),
                                 error_y=dict(type="data", array=[r[m + "_se"] for r in rows], visible=True)), 1, col)

    for m, (name, colour) in FRACTIONS.items():
        line(m, name, colour, 1)
    line("class_entropy", "class entropy (nats)", pal.CLASS_ENTROPY, 2)
    line("digit_fid", "digit FID", pal.DIGIT_FID, 3)
    if g:
        fig.add_trace(go.Scatter(x=[min(g), max(g)], y=[math.log(10)] * 2, mode="lines", name="log 10: all ten digits",
                                 line=dict(color=pal.REFERENCE, dash="dash", width=1)), 1, 2)
        floor = rows[0].get("digit_fid_floor")
        if floor is not None and math.isfinite(floor):
            fig.add_trace(go.Scatter(x=[min(g), max(g)], y=[floor] * 2, mode="lines", name="digit FID real vs real",
                                     line=dict(color=pal.REFERENCE, dash="dot")), 1, 3)
    fig.update_xaxes(title_text="γ (diversity ratio)", dtick=0.1)
    fig.update_yaxes(title_text="fraction", range=[0, 1.02], dtick=0.2, row=1, col=1)
    fig.update_yaxes(title_text="nats", rangemode="tozero", row=1, col=2)
    fig.update_yaxes(title_text="digit FID (log)", type="log", tickvals=FID_TICKS, row=1, col=3)
    fig.update_layout(title="BEGAN's γ: what the digit classifier measures of the samples (mean ± se over seeds)",
                      height=420, margin=dict(l=50, r=20, t=70, b=60), uirevision=key,
                      legend=dict(orientation="h", y=-0.2, yanchor="top"))
    return fig
