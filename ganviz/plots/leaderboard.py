"""Figures of the leaderboard: modes captured per objective (ours, with standard errors) beside the
papers' published rows."""

from __future__ import annotations

import plotly.graph_objects as go

OURS = "#c0392b"
THEIRS = "#7f8c8d"


def modes_figure(ours: list[dict], theirs: list[dict], n_modes: int, title: str) -> go.Figure:
    """Bars of modes captured: our objectives (mean ± standard error over trials) and the published
    methods (their tables give no error for every row), on one axis from 0 to ``n_modes``."""
    fig = go.Figure()
    done = [r for r in ours if r["trials"]]
    fig.add_bar(x=[r["objective"] for r in done], y=[r["modes"] for r in done], name="ours (mean ± se)",
                marker_color=OURS, error_y=dict(type="data", array=[r["modes_se"] for r in done], visible=True),
                hovertemplate="%{x}: %{y:.1f} modes<extra></extra>")
    fig.add_bar(x=[f"{r['method']} ({r['source']})" for r in theirs], y=[r["modes"] for r in theirs],
                name="published", marker_color=THEIRS, hovertemplate="%{x}: %{y:.1f} modes<extra></extra>")
    fig.add_hline(y=n_modes, line_dash="dot", line_color="black",
                  annotation_text=f"all {n_modes} modes", annotation_position="top left")
    fig.update_layout(title=title, height=420, margin=dict(l=50, r=20, t=50, b=120), bargap=0.25,
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
                      uirevision="leaderboard")
    fig.update_yaxes(title_text="modes captured", range=[0, n_modes * 1.08])
    fig.update_xaxes(title_text="objective or method", tickangle=-35)
    return fig
