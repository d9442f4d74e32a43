"""Figures of the Divergences page: densities, measures against the shift, the parallel lines,
transport plans as a matrix and as arrows, and a 2D plan between two clouds.

Each builder takes data (distributions, samples, plans) and returns a small ``go.Figure``.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ganviz.plots import palette as pal

HEIGHT = 320
_MARGIN = dict(l=50, r=20, t=40, b=40)
P_COLOUR, Q_COLOUR = pal.REAL, pal.FAKE  # P the data, Q the model: the toy lab's real and generated
# Labels of the five measures, as the page names them.
LABELS = {"js": "JS", "kl_pq": "KL(P||Q)", "kl_qp": "KL(Q||P)", "tv": "TV", "w1": "W1"}
COLOURS = {"js": pal.JS, "kl_pq": pal.KL_PQ, "kl_qp": pal.KL_QP, "tv": pal.TV, "w1": pal.W1}


def _layout(fig: go.Figure, title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=14)), height=height, margin=_MARGIN,
                      uirevision="keep", legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return fig


def _curve(dist, lo: float, hi: float, n: int = 600):
    """(x, density) of a distribution with a density; for point masses (x, weight) spikes."""
    if not dist.has_density:
        a, b = dist.atoms
        xs = [a] if a == b else [a, b]
        ws = [1.0] if a == b else [0.5, 0.5]
        return xs, ws, True
    x = torch.linspace(lo, hi, n, dtype=torch.float64).unsqueeze(1)
    return x[:, 0].numpy(), dist.log_prob(x).exp().numpy(), False


def fig_densities_1d(p, q, xp=None, xq=None, lo: float | None = None, hi: float | None = None) -> go.Figure:
    """Both densities on [lo, hi] (point masses as spikes of height = weight), with the samples
    as a rug under the axis. Without lo, hi: the range of the samples, padded."""
    if lo is None or hi is None:
        both = np.concatenate([np.asarray(s, float).ravel() for s in (xp, xq) if s is not None] or [np.array([-4.0, 4.0])])
        pad = 0.1 * (both.max() - both.min()) + 0.5
        lo, hi = float(both.min() - pad), float(both.max() + pad)
    fig = go.Figure()
    for dist, samples, name, colour, row in ((p, xp, "P", P_COLOUR, -0.04), (q, xq, "Q", Q_COLOUR, -0.09)):
        x, y, atoms = _curve(dist, lo, hi)
        if atoms:
            fig.add_trace(go.Bar(x=x, y=y, width=(hi - lo) / 150, name=f"{name} (point masses)", legendgroup=name,
                                 marker_color=colour, opacity=0.8))
        else:
            fig.add_trace(go.Scatter(x=x, y=y, name=name, legendgroup=name, fill="tozeroy", line=dict(color=colour),
                                     opacity=0.6))
        if samples is not None:
            s = np.asarray(samples).ravel()[:300]  # a rug; more points add nothing on screen
            fig.add_trace(go.Scatter(x=s, y=np.full(len(s), row), mode="markers", showlegend=False, legendgroup=name,
                                     marker=dict(symbol="line-ns-open", color=colour, size=6), hoverinfo="skip"))
    fig.update_xaxes(range=[lo, hi], title_text="x")
    fig.update_yaxes(title_text="density")
    return _layout(fig, "P and Q (samples as ticks below)")


def fig_measures_vs_shift(sweep: dict[str, np.ndarray], current: float) -> go.Figure:
    """Every exact measure against the shift of Q, the current shift marked, in two panels with
    one y-axis each: the bounded JS (<= log 2, dashed line) and TV (<= 1) on the left, so their
    plateaus show; the unbounded W1 and KL on the right. Infinite KL (disjoint supports) leaves a
    gap; the right axis stops a little above the largest W1, so KL may leave the chart."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("bounded: JS ≤ log 2, TV ≤ 1", "unbounded: W1 and KL"))
    for key, label in LABELS.items():
        bounded = key in ("js", "tv")
        y = np.where(np.isfinite(sweep[key]), sweep[key], np.nan)
        note = " (gaps: infinite)" if not np.all(np.isfinite(sweep[key])) else ""
        fig.add_trace(go.Scatter(x=sweep["shift"], y=y, name=label + note,
                                 line=dict(color=COLOURS[key], dash="dot" if key.startswith("kl") else "solid",
                                           width=3 if key in ("js", "w1") else 1.5)), 1, 1 if bounded else 2)
    x0, x1 = float(np.min(sweep["shift"])), float(np.max(sweep["shift"]))
    fig.add_trace(go.Scatter(x=[x0, x1], y=[math.log(2)] * 2, mode="lines", name="log 2 (JS's largest value)",
                             line=dict(color=COLOURS["js"], dash="dash", width=1), hoverinfo="skip"), 1, 1)
    top = max(1.0, float(np.nanmax(sweep["w1"]))) * 1.15
    # Plain layout shapes: add_vline costs tens of milliseconds.
    fig.update_layout(
        shapes=[dict(type="line", xref=xr, yref=f"{yr} domain", x0=current, x1=current, y0=0, y1=1,
                     line=dict(color=pal.BLACK, width=1)) for xr, yr in (("x", "y"), ("x2", "y2"))],
        annotations=list(fig.layout.annotations) + [
            dict(xref=xr, yref=f"{yr} domain", x=current, y=1, text=f"now: {current:g}", showarrow=False,
                 yanchor="top", xanchor="left", font=dict(size=11)) for xr, yr in (("x", "y"), ("x2", "y2"))])
    fig.update_yaxes(range=[0, 1.05], dtick=0.2, title_text="JS (nats), TV", row=1, col=1)
    fig.update_yaxes(range=[0, top], title_text="W1, KL (nats)", row=1, col=2)
    fig.update_xaxes(title_text="shift of Q")
    fig = _layout(fig, "Exact measures against the shift: JS flattens at log 2, W1 keeps growing", height=360)
    fig.update_layout(margin=dict(_MARGIN, t=60, b=60), legend=dict(y=-0.22, yanchor="top", x=0, xanchor="left"))
    return fig


def fig_parallel_lines(theta: float, xp, xq) -> go.Figure:
    """WGAN Example 1: samples of P_0 = (0, Z) and P_theta = (theta, Z) and the two lines."""
    xp, xq = np.asarray(xp), np.asarray(xq)
    fig = go.Figure()
    for x, name, colour, at in ((xp, "P_0 = (0, Z)", P_COLOUR, 0.0), (xq, f"P_theta = ({theta:g}, Z)", Q_COLOUR, theta)):
        fig.add_trace(go.Scatter(x=[at, at], y=[0, 1], mode="lines", line=dict(color=colour, width=3), name=name,
                                 showlegend=False, legendgroup=name, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x[:300, 0], y=x[:300, 1], mode="markers", name=name, legendgroup=name,
                                 marker=dict(color=colour, size=4)))
    fig.update_xaxes(range=[-1.1, 1.1], title_text="x", zeroline=False)
    fig.update_yaxes(range=[-0.05, 1.05], title_text="y")
    return _layout(fig, "Two parallel lines, theta apart")


def fig_wgan_figure1(curve: dict[str, np.ndarray], theta: float, now: dict[str, float]) -> go.Figure:
    """WGAN's Figure 1 (Arjovsky et al. 2017) from the closed forms of Example 1: W1 = |theta|
    (left) and JS = log 2 for theta != 0, 0 at theta = 0 (right), against theta, the current
    theta marked at its values ``now``. ``curve`` is ``ganviz.metrics.divergence.parallel_lines_curve``,
    ``now`` its ``parallel_lines_exact(theta)``."""
    t = np.asarray(curve["theta"], float)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("W1(P_0, P_θ) = |θ|: a gradient everywhere", "JS(P_0, P_θ): flat, then a jump"))
    fig.add_trace(go.Scatter(x=t, y=curve["w1"], mode="lines", name="W1 (exact)",
                             line=dict(color=COLOURS["w1"], width=3)), 1, 1)
    js = np.where(t == 0, np.nan, curve["js"])  # the line breaks at 0, where JS alone is 0
    fig.add_trace(go.Scatter(x=t, y=js, mode="lines", name="JS (exact)", legendgroup="js", connectgaps=False,
                             line=dict(color=COLOURS["js"], width=3)), 1, 2)
    fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", name="JS at θ = 0", legendgroup="js", showlegend=False,
                             marker=dict(color=COLOURS["js"], size=8)), 1, 2)
    marker = dict(color=pal.BLACK, size=11, symbol="circle-open", line=dict(width=2))
    for col, k in ((1, "w1"), (2, "js")):
        fig.add_trace(go.Scatter(x=[theta], y=[now[k]], mode="markers", name=f"now: θ = {theta:g}", legendgroup="now",
                                 showlegend=col == 1, marker=marker), 1, col)
    fig.update_xaxes(title_text="θ", range=[-1.05, 1.05], dtick=0.5)
    fig.update_yaxes(title_text="W1", range=[0, 1.05], dtick=0.25, row=1, col=1)
    fig.update_yaxes(title_text="JS (nats)", range=[0, 0.8], dtick=0.2, row=1, col=2)
    fig = _layout(fig, "WGAN's Figure 1: the distances between the parallel lines against θ", height=340)
    fig.update_layout(margin=dict(_MARGIN, t=60, b=80), legend=dict(y=-0.3, yanchor="top", x=0, xanchor="left"))
    return fig


def fig_plan_matrix(gamma, a, b, title: str = "plan gamma", positions=None) -> go.Figure:
    """The plan as a heatmap with its mass in each cell; row sums (= P) on the right margin and
    column sums (= Q) on the bottom margin, so the constraints can be read off. Rows and columns
    are labelled by ``positions`` (default 1, 2, ...)."""
    g = np.asarray(gamma, float)
    n, m = g.shape
    names = [f"{v:g}" for v in positions] if positions is not None else None
    rows, cols = g.sum(axis=1), g.sum(axis=0)
    text = [[f"{v:.2f}" if abs(v) > 1e-9 else "" for v in r] for r in g]
    fig = go.Figure(go.Heatmap(z=g, x=list(range(1, m + 1)), y=list(range(1, n + 1)), text=text,
                               texttemplate="%{text}", colorscale=pal.COUNTS_COLORSCALE, showscale=False, zmin=0,
                               hovertemplate="from P at %{y} to Q at %{x}: %{z:.3f}<extra></extra>"))
    notes = [dict(x=m + 0.75, y=0.3, text="row sums = P", xanchor="left", font=dict(size=11, color=pal.REFERENCE)),
             dict(x=0.5, y=n + 0.85, text="column sums = Q", xanchor="right", font=dict(size=11, color=pal.REFERENCE))]
    for i in range(n):
        ok = abs(rows[i] - a[i]) < 1e-6
        notes.append(dict(x=m + 0.75, y=i + 1, text=f"{rows[i]:.2f}" + ("" if ok else f" ≠ {a[i]:.2f}"),
                          xanchor="left", font=dict(color=pal.BLACK if ok else pal.WARN)))
    for j in range(m):
        ok = abs(cols[j] - b[j]) < 1e-6
        notes.append(dict(x=j + 1, y=n + 0.85, text=f"{cols[j]:.2f}" + ("" if ok else f"≠{b[j]:.2f}"),
                          font=dict(color=pal.BLACK if ok else pal.WARN)))
    # One layout update for all notes: add_annotation one by one re-validates the layout each time.
    fig.update_layout(annotations=[dict(showarrow=False, **k) for k in notes])
    fig.update_xaxes(title_text="to Q at position", range=[0.5 - 1.3, m + 1.6], tickvals=list(range(1, m + 1)),
                     ticktext=names[:m] if names else None)
    fig.update_yaxes(title_text="from P at position", autorange="reversed", range=[n + 1.2, 0.3],
                     tickvals=list(range(1, n + 1)), ticktext=names[:n] if names else None)
    return _layout(fig, title, height=340)


def fig_plan_arrows(positions, a, b, gamma, title: str = "where the earth moves") -> go.Figure:
    """P as bars on top, Q as bars hanging below, and one arrow per moved mass gamma_ij from
    position i of P to position j of Q (width = mass; the masses listed above each bar of P)."""
    x = np.asarray(positions, float)
    g = np.asarray(gamma, float)
    top, bottom = 1.0, 0.0
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=a, base=top, name="P", marker_color=P_COLOUR, width=0.5))
    fig.add_trace(go.Bar(x=x, y=-np.asarray(b, float), base=bottom, name="Q", marker_color=Q_COLOUR, width=0.5))
    big = max(float(g.max()), 1e-9)
    notes = []
    for i, j in zip(*np.nonzero(g > 1e-9)):
        notes.append(dict(x=x[j], y=bottom, ax=x[i], ay=top, axref="x", ayref="y", showarrow=True, arrowhead=2,
                          arrowwidth=1 + 5 * g[i, j] / big, arrowcolor=pal.rgba(pal.PLAN, 0.7)))
    # Above each bar of P, the list of its moves: labels on the arrows themselves collide.
    for i in range(len(x)):
        moves = [f"→{x[j]:g}: {g[i, j]:.2f}" for j in np.nonzero(g[i] > 1e-9)[0]]
        if moves:
            notes.append(dict(x=x[i], y=top + a[i] + 0.03, text="<br>".join(moves), showarrow=False,
                              yanchor="bottom", font=dict(size=10)))
    fig.update_layout(annotations=notes)
    fig.update_xaxes(title_text="position", tickvals=x)
    fig.update_yaxes(showticklabels=False, range=[-1.05, 2.5], title_text="mass: P above, Q below")
    return _layout(fig, title, height=340)


def fig_plan_2d(x, y, plan=None, title: str = "") -> go.Figure:
    """Two clouds and a plan between them as segments x_i -> y_j: one segment per matched pair
    for an exact plan (a permutation when both clouds have n equal weights); for a blurred plan
    the heaviest cells in three shades (darker = more mass), at most 3,000 segments."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    fig = go.Figure()
    if plan is not None:
        p = np.asarray(plan, float)
        flat = np.argsort(p, axis=None)[::-1][:3000]
        keep = flat[p.ravel()[flat] > p.max() * 1e-2]
        ii, jj = np.unravel_index(keep, p.shape)
        w = p[ii, jj] / p.max()
        for lo, hi, alpha in ((0.5, 1.01, 0.8), (0.15, 0.5, 0.35), (0.0, 0.15, 0.12)):
            sel = (w >= lo) & (w < hi)
            if not sel.any():
                continue
            seg_x = np.column_stack([x[ii[sel], 0], y[jj[sel], 0], np.full(sel.sum(), np.nan)]).ravel()
            seg_y = np.column_stack([x[ii[sel], 1], y[jj[sel], 1], np.full(sel.sum(), np.nan)]).ravel()
            fig.add_trace(go.Scattergl(x=seg_x, y=seg_y, mode="lines", line=dict(color=pal.rgba(pal.PLAN, alpha),
                                       width=1), hoverinfo="skip", name="plan: P → Q (darker = more mass)",
                                       legendgroup="plan", showlegend=not any(t.legendgroup == "plan" for t in fig.data)))
    fig.add_trace(go.Scattergl(x=x[:, 0], y=x[:, 1], mode="markers", name="P", marker=dict(color=P_COLOUR, size=4)))
    fig.add_trace(go.Scattergl(x=y[:, 0], y=y[:, 1], mode="markers", name="Q", marker=dict(color=Q_COLOUR, size=4)))
    fig.update_xaxes(title_text="x₁")
    fig.update_yaxes(scaleanchor="x", scaleratio=1, title_text="x₂")
    return _layout(fig, title, height=460)
