"""Figures of the image lab, built from ``ganviz.training.image_snapshot.ImageSnapshot`` objects.

One quantity per colour (``ganviz.plots.palette``), one y-axis per chart, every axis titled:
the losses; the measures over steps (quality side: mean confidence and precision; diversity side:
recall and coverage, all in [0, 1]); digit FID with its real-vs-real floor; the class histogram.

Example:
    >>> rows = [{"step": 0, "quality": 0.3, "precision": 0.0, "recall": 0.0, "coverage": 0.0, "digit_fid": 900.0},
    ...         {"step": 100, "quality": 0.8, "precision": 0.5, "recall": 0.6, "coverage": 0.3, "digit_fid": 300.0}]
    >>> [t.name for t in measures_figure(rows).data]
    ['mean confidence', 'precision', 'recall', 'coverage']
    >>> measures_figure(rows[1:]).layout.xaxis.range  # judged once: one judging period either side
    (0, 200)
    >>> fid_figure(rows[1:], floor=120.0).data[1].x  # and the real-vs-real floor spans it
    (0, 200)
"""

from __future__ import annotations

import plotly.graph_objects as go

from ganviz.plots import palette as pal

HEIGHT = 300
SIDES = {"quality": ("mean confidence", pal.QUALITY), "precision": ("precision", pal.PRECISION),
         "recall": ("recall", pal.RECALL), "coverage": ("coverage", pal.COVERAGE)}


def _layout(fig: go.Figure, title: str, key: str, x_title: str = "generator step") -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.0, font=dict(size=14)), height=HEIGHT, template="plotly_white",
                      margin=dict(l=55, r=10, t=40, b=40), uirevision=key,
                      legend=dict(orientation="h", y=-0.3, font=dict(size=12)))
    fig.update_xaxes(title_text=x_title)
    return fig


def _judged_steps(fig: go.Figure, steps: list[int], every: int = 100) -> tuple[int, int] | None:
    """Whole-step ticks; a run judged once (a shipped run as it opens) gets a window of one judging
    period ``every`` either side, not Plotly's fractional ticks around its one point. Returns the
    steps the x axis spans (None without steps)."""
    fig.update_xaxes(tickformat=",d")
    if not steps:
        return None
    lo, hi = min(steps), max(steps)
    if lo == hi:
        lo, hi = lo - every, hi + every
        fig.update_xaxes(range=[lo, hi], dtick=every)
    return lo, hi


def losses_figure(history: dict[str, list], key: str = "image_losses") -> go.Figure:
    steps = history.get("step", [])
    fig = go.Figure([go.Scatter(x=steps, y=history.get("d_loss", []), name="D loss", line=dict(color=pal.D_LOSS)),
                     go.Scatter(x=steps, y=history.get("g_loss", []), name="G loss", line=dict(color=pal.G_LOSS))])
    fig.update_yaxes(title_text="loss")
    return _layout(fig, "losses", key)


def measures_figure(rows: list[dict], key: str = "image_measures") -> go.Figure:
    """Quality (mean confidence, precision) and diversity (recall, coverage) of the samples, k = 5."""
    steps = [r["step"] for r in rows]
    fig = go.Figure([go.Scatter(x=steps, y=[r[k] for r in rows], name=label, mode="lines+markers",
                                line=dict(color=colour)) for k, (label, colour) in SIDES.items()])
    fig.update_yaxes(title_text="fraction", range=[0, 1.02], dtick=0.2)
    _judged_steps(fig, steps)
    return _layout(fig, "quality and diversity of 256 samples", key)


def fid_figure(rows: list[dict], floor: float, key: str = "image_fid") -> go.Figure:
    """Digit FID (the Fréchet distance on our classifier's features, not Inception FID) over steps,
    with the value two halves of the real digits give at the same n (dotted)."""
    steps = [r["step"] for r in rows]
    fig = go.Figure([go.Scatter(x=steps, y=[r["digit_fid"] for r in rows], name="digit FID", mode="lines+markers",
                                line=dict(color=pal.DIGIT_FID))])
    span = _judged_steps(fig, steps)
    if span:  # across the whole axis: with one judged step, a line from it to itself was not drawn
        fig.add_trace(go.Scatter(x=list(span), y=[floor, floor], name="real vs real (floor)",
                                 mode="lines", line=dict(color=pal.REFERENCE, dash="dot")))
    fig.update_yaxes(title_text="digit FID (log)", type="log")
    return _layout(fig, "digit FID (our classifier's features; not Inception FID)", key)


def classes_figure(shares: list[float], key: str = "image_classes") -> go.Figure:
    """The share of samples the classifier puts in each digit class: a collapse shows as few bars."""
    fig = go.Figure(go.Bar(x=[str(d) for d in range(len(shares))], y=shares, marker_color=pal.FAKE,
                           name="samples"))
    fig.add_hline(y=0.1, line=dict(color=pal.REFERENCE, dash="dot"), annotation_text="uniform 0.1",
                  annotation_position="top left")
    fig.update_yaxes(title_text="share of samples", range=[0, max([0.3, *shares]) * 1.05])
    return _layout(fig, "classes of 256 samples", key, x_title="digit class (our classifier)")
