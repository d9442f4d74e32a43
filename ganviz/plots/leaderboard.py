"""Figures of the leaderboard: one measure per objective (ours, mean ± standard error over trials)
beside the papers' published rows, on one axis."""

from __future__ import annotations

import plotly.graph_objects as go

from ganviz.plots import palette as pal

OURS, THEIRS = pal.OURS, pal.PUBLISHED


def bar_figure(ours: list[dict], theirs: list[dict], key: str, top: float, y_title: str, title: str,
               scale: float = 1.0) -> go.Figure:
    """Bars of ``key`` (e.g. "modes", "hq"): our objectives with ``key + "_se"`` error bars and the
    published methods (their tables give no error for every row), on one axis from 0 to ``top``;
    values are multiplied by ``scale`` (100 for percentages)."""
    fig = go.Figure()
    done = [r for r in ours if r["trials"]]
    fig.add_bar(x=[r["objective"] for r in done], y=[scale * r[key] for r in done], name="ours (mean ± se)",
                marker_color=OURS, error_y=dict(type="data", array=[scale * r[key + "_se"] for r in done], visible=True),
                hovertemplate="%{x}: %{y:.1f}<extra></extra>")
    fig.add_bar(x=[f"{r['method']} ({r['source']})" for r in theirs], y=[scale * r[key] for r in theirs],
                name="published", marker_color=THEIRS, hovertemplate="%{x}: %{y:.1f}<extra></extra>")
    fig.add_hline(y=top, line_dash="dot", line_color=pal.BLACK)
    fig.update_layout(title=title, height=440, margin=dict(l=50, r=20, t=60, b=130), bargap=0.25,
                      legend=dict(orientation="h", y=1.0, x=1, xanchor="right", yanchor="bottom"),
                      uirevision="leaderboard")
    fig.update_yaxes(title_text=y_title, range=[0, top * 1.08])
    fig.update_xaxes(title_text="objective or method", tickangle=-40)
    return fig
