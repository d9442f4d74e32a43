"""Figures of the toy GAN lab, built from ``ganviz.training.snapshot.Snapshot`` objects.

Each builder takes snapshots and returns a small ``go.Figure`` (the whole figure travels over the
websocket on every redraw): a few hundred points, a 40x40 surface, lines merged into one trace
with None breaks. ``uirevision`` keeps the user's zoom across updates. Colours come from
``ganviz.plots.palette``, as in the Pillow picture of the samples view (``ganviz.plots.samples_view``:
the live picture, the PNG and the GIF), so a quantity has one colour in every view.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganviz.plots import palette as pal
from ganviz.plots.palette import (ARROW, D_STAR, FAKE, REAL, SURFACE_COLORSCALE, SURFACE_DARK,  # noqa: F401
                                  surface_grey, surface_range)
from ganviz.plots.samples_view import arrow_key, arrow_key_text  # the key arrow of every view

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
    if snap.surface is not None and np.isfinite(snap.surface).all():
        lo, hi = surface_range(snap.surface)
        fig.add_trace(go.Heatmap(x=snap.surface_x, y=snap.surface_y, z=snap.surface, colorscale=SURFACE_COLORSCALE,
                                 zmin=lo, zmax=hi, showscale=True, name=snap.surface_label,
                                 colorbar=dict(title=dict(text=f"{snap.surface_label} (dark = high)", side="right"),
                                               thickness=12),
                                 hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>" + snap.surface_label + "=%{z:.3f}<extra></extra>"))
    if snap.noise_lines:
        xs, ys = _merged(snap.noise_lines)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=pal.rgba(pal.NOISE_GRID, pal.NOISE_GRID_OPACITY), width=1),
                                   name="G(noise grid)", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=snap.real[:, 0], y=snap.real[:, 1], mode="markers", name="real",
                               marker=dict(size=4, color=REAL, opacity=pal.REAL_OPACITY)))
    finite = np.isfinite(snap.fake).all(axis=1)
    fig.add_trace(go.Scatter(x=snap.fake[finite, 0], y=snap.fake[finite, 1], mode="markers", name="generated",
                               marker=dict(size=4, color=FAKE, opacity=pal.FAKE_OPACITY)))
    ends = snap.arrows_to
    if ends is not None:
        segs = [np.stack([a, b]) for a, b in zip(snap.arrows_from, ends)]
        xs, ys = _merged(segs)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=ARROW, width=1.5),
                                 name="-grad of G loss", hoverinfo="skip"))
        key = arrow_key(snap)
        if key is not None:
            # The key arrow in the lower left corner: one length scale for the whole run.
            x0, y0 = float(snap.surface_x[0]), float(snap.surface_y[0])
            w = float(snap.surface_x[-1] - snap.surface_x[0])
            h = float(snap.surface_y[-1] - snap.surface_y[0])
            kx, ky = x0 + 0.04 * w, y0 + 0.05 * h
            fig.add_annotation(x=kx + key[1], y=ky, ax=kx, ay=ky, xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.5, arrowcolor=ARROW, text="")
            fig.add_annotation(x=kx + key[1], y=ky, xref="x", yref="y", text=arrow_key_text(key[0]), showarrow=False,
                               xanchor="left", xshift=4, font=dict(size=11, color=pal.TEXT), bgcolor=pal.rgba((pal.PAPER,) * 3, 0.8))
    fig.update_layout(title=title or None, height=height, uirevision="samples")
    _legend_below(fig, height, sum(1 for t in fig.data if t.showlegend is not False), top=40 if title else 10)
    fig.update_xaxes(title_text="x₁", title_standoff=2)
    fig.update_yaxes(scaleanchor="x", scaleratio=1, title_text="x₂", title_standoff=2)
    return fig


def _samples_1d(snap, title, height) -> go.Figure:
    """1D: top, the real density, the generated samples' histogram and their KDE; below, on its own
    axis, the learned D(x) and (for D = sigmoid(logit)) the optimal D*(x) = p_data / (p_data + p_g)
    of Goodfellow et al. (2014, Fig. 1), p_g the KDE stated on the figure."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, row_heights=[0.58, 0.42])
    if snap.real_density is not None:
        fig.add_trace(go.Scatter(x=snap.real_density[0], y=snap.real_density[1], name="real density p_data",
                                 line=dict(color=REAL)), 1, 1)
    else:
        fig.add_trace(go.Histogram(x=snap.real[:, 0], histnorm="probability density", name="real",
                                   marker_color=REAL, opacity=0.5, nbinsx=60), 1, 1)
    finite = np.isfinite(snap.fake[:, 0])
    fig.add_trace(go.Histogram(x=snap.fake[finite, 0], histnorm="probability density", name="generated",
                               marker_color=FAKE, opacity=0.6, nbinsx=60), 1, 1)
    if snap.fake_density is not None:
        fig.add_trace(go.Scatter(x=snap.surface_x, y=snap.fake_density, name="p_g (KDE of generated)",
                                 line=dict(color=FAKE, dash="dash")), 1, 1)
    if snap.surface is not None:
        fig.add_trace(go.Scatter(x=snap.surface_x, y=snap.surface, name=f"learned {snap.surface_label}",
                                 line=dict(color=pal.D_LEARNED)), 2, 1)
    if snap.d_star is not None:
        fig.add_trace(go.Scatter(x=snap.surface_x, y=snap.d_star, name="optimal D*(x) = p_data / (p_data + p_g)",
                                 line=dict(color=D_STAR, dash="dash")), 2, 1)
        fig.add_annotation(xref="x2 domain", yref="y2 domain", x=0.0, y=1.0, xanchor="left", yanchor="bottom",
                           showarrow=False, text=snap.d_star_note, font=dict(size=10, color=pal.NOTE))
        fig.update_yaxes(range=[-0.02, 1.02], dtick=0.25, row=2, col=1)
    fig.update_layout(title=title or None, height=height, barmode="overlay", uirevision="samples1d",
                      margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                      legend=dict(orientation="h", y=-0.12, yanchor="top"))
    fig.update_yaxes(title_text="density", row=1, col=1)
    fig.update_yaxes(title_text=snap.surface_label, row=2, col=1)
    fig.update_xaxes(title_text="x", row=1, col=1)
    fig.update_xaxes(title_text="x", row=2, col=1)
    return fig


STEP = "generator step"
ROW_PX = 175  # one row of metric panels


def _legend_below(fig: go.Figure, height: int, entries: int, top: int = 30, per_row: int = 4) -> None:
    """A horizontal legend under the bottom axis title (not on it): its top edge 48 px below the
    plot area, and the bottom margin tall enough for its rows."""
    rows = max(1, math.ceil(entries / per_row))
    bottom = 52 + 20 * rows
    plot = max(1, height - top - bottom)
    fig.update_layout(margin=dict(l=10, r=10, t=top, b=bottom),
                      legend=dict(orientation="h", x=0, xanchor="left", y=-48 / plot, yanchor="top", font=dict(size=10)))


def metrics_figure(runs: dict, height: int = 520, large: bool = False) -> go.Figure:
    """Loss curves, W1 with its noise floor, the JS estimate with its noise floor and its largest
    value log 2, modes captured, HQ fraction, and BEGAN's k_t and M_global, each on its own axis,
    for one or two runs (``runs`` maps a label to a snapshot). The W1 floor is W1 between two
    samples of the data itself at the curve's n (``ganviz.metrics.divergence.w1_noise_floor``): a
    run cannot read below it. ``height`` is that of three rows of panels; more panels, more rows.
    ``large``: laid out for a projector's 18 px type (more room between rows, for a row's x-axis
    titles and the next row's panel titles; half as many ticks on the JS and modes axes)."""
    has_modes = any(any(v == v for v in s.eval_history.get("modes", [])) for s in runs.values())
    has_k = any(any(v == v for v in s.history.get("k_t", [])) for s in runs.values())
    panels = [("losses", "loss"), ("W1 (EMD) and its noise floor", "W1"), ("JS estimate and its noise floor", "JS (nats)")]
    if has_modes:
        panels += [("modes captured", "modes"), ("high-quality samples", "HQ (%)")]
    if has_k:
        panels += [("BEGAN k_t", "k_t"), ("BEGAN M_global", "M_global")]
    rows = math.ceil(len(panels) / 2)
    height = int(height * rows / 3)
    cell = {name: (1 + i // 2, 1 + i % 2) for i, (name, _) in enumerate(panels)}
    fig = make_subplots(rows=rows, cols=2, subplot_titles=[p[0] for p in panels], vertical_spacing=min(0.3, (150 if large else 95) / height),
                        horizontal_spacing=0.12)
    at = {key: cell[name] for key, name in (("loss", "losses"), ("w1", panels[1][0]), ("js", panels[2][0]),
                                             ("modes", "modes captured"), ("hq", "high-quality samples"),
                                             ("k_t", "BEGAN k_t"), ("m", "BEGAN M_global")) if name in cell}
    floors = set()
    steps_all = [x for s in runs.values() for x in s.eval_history.get("step", [])]
    span = [min(steps_all), max(steps_all)] if len(set(steps_all)) > 1 else [0, max(steps_all, default=1) or 1]
    for i, (label, s) in enumerate(runs.items()):
        dash = RUN_DASH[i % 2]
        tag = f"{label}: " if len(runs) > 1 else ""
        h, e = s.history, s.eval_history
        fig.add_trace(go.Scatter(x=h["step"], y=h["d_loss"], name=f"{tag}D loss", line=dict(color=pal.D_LOSS, dash=dash)), *at["loss"])
        fig.add_trace(go.Scatter(x=h["step"], y=h["g_loss"], name=f"{tag}G loss", line=dict(color=pal.G_LOSS, dash=dash)), *at["loss"])
        fig.add_trace(go.Scatter(x=e["step"], y=e["w1"], name=f"{tag}W1", line=dict(color=pal.W1, dash=dash)), *at["w1"])
        floor = getattr(s, "w1_floor", math.nan)
        if floor == floor and round(floor, 6) not in floors and e["step"]:
            floors.add(round(floor, 6))
            fig.add_trace(go.Scatter(x=span, y=[floor, floor], mode="lines", name=f"W1 noise floor ({s.dataset})",
                                     line=dict(color=pal.W1, dash="dot", width=1)), *at["w1"])
        fig.add_trace(go.Scatter(x=e["step"], y=e["js"], name=f"{tag}JS", line=dict(color=pal.JS, dash=dash)), *at["js"])
        fig.add_trace(go.Scatter(x=e["step"], y=e["js_floor"], name=f"{tag}JS noise floor",
                                 line=dict(color=pal.JS, dash="dot", width=1)), *at["js"])
        if has_modes:
            fig.add_trace(go.Scatter(x=e["step"], y=e["modes"], name=f"{tag}modes", line=dict(color=pal.MODES, dash=dash)),
                          *at["modes"])
            hq = [v * 100 if v == v else v for v in e["hq"]]
            fig.add_trace(go.Scatter(x=e["step"], y=hq, name=f"{tag}HQ %", line=dict(color=pal.HQ, dash=dash)),
                          *at["hq"])
        if has_k:
            fig.add_trace(go.Scatter(x=h["step"], y=h["k_t"], name=f"{tag}k_t", line=dict(color=pal.K_T, dash=dash)),
                          *at["k_t"])
            fig.add_trace(go.Scatter(x=h["step"], y=h["m_global"], name=f"{tag}M_global",
                                     line=dict(color=pal.M_GLOBAL, dash=dash)), *at["m"])
    fig.add_trace(go.Scatter(x=span, y=[math.log(2)] * 2, mode="lines", name="log 2 (JS's largest value)",
                             line=dict(color=pal.REFERENCE, dash="dot", width=1)), *at["js"])
    for name, (r, c) in cell.items():
        fig.update_xaxes(title_text=STEP, title_standoff=4, row=r, col=c)
        fig.update_yaxes(title_text=dict(panels)[name], title_standoff=4, row=r, col=c)
    fig.update_yaxes(range=[0, 0.75], dtick=0.2 if large else 0.1, row=at["js"][0], col=at["js"][1])
    if has_modes:
        n_modes = max([s.last_eval.get("n_modes", 0) for s in runs.values()] + [1])
        fig.update_yaxes(range=[0, n_modes + 0.5], dtick=(1 if n_modes <= 10 else 5) * (2 if large else 1), row=at["modes"][0], col=at["modes"][1])
        fig.update_yaxes(range=[0, 102], dtick=25, row=at["hq"][0], col=at["hq"][1])
    if has_k:
        fig.update_yaxes(range=[0, 1.02], dtick=0.25, row=at["k_t"][0], col=at["k_t"][1])
    fig.update_layout(height=height, uirevision="metrics")
    _legend_below(fig, height, sum(1 for t in fig.data if t.showlegend is not False))
    return fig


def d_histogram(runs: dict, height: int = 260) -> go.Figure:
    """Histogram of D(G(z)) (or the critic value / energy) on generated samples, on bins shared by
    every run (over all runs' range: a run whose values sit in a narrow band is not squashed into
    one bar of the other's bins). For WGAN-GP runs a second panel: the histogram of
    ||grad f(x_hat)|| at the interpolates x_hat = eps x + (1 - eps) G(z), the number the gradient
    penalty lambda E[(||grad f(x_hat)|| - 1)^2] pulls to 1 (Gulrajani et al. 2017)."""
    gp = [s.gp_grad_norms for s in runs.values() if getattr(s, "gp_grad_norms", None) is not None]
    rows = 2 if gp else 1
    fig = make_subplots(rows=rows, cols=1, vertical_spacing=0.28 if gp else 0.1,
                        subplot_titles=None)
    label = "D(G(z))"
    values = {n: np.asarray(s.d_of_fake, float) for n, s in runs.items() if s.d_of_fake is not None}
    for name, s in runs.items():
        if s.d_of_fake is not None:
            label = s.surface_label.replace("(x)", "(G(z))")
    _shared_bins(fig, values, 1, "generated samples")
    if gp:
        norms = {n: np.asarray(s.gp_grad_norms, float) for n, s in runs.items()
                 if getattr(s, "gp_grad_norms", None) is not None}
        _shared_bins(fig, norms, 2, "interpolates", legendgroup_suffix=" ‖∇f(x̂)‖")
        fig.add_vline(x=1.0, line=dict(color=pal.BLACK, dash="dash", width=1), row=2, col=1,
                      annotation_text="1: the penalty's target", annotation_font_size=10)
        fig.update_xaxes(title_text="‖∇f(x̂)‖ at x̂ = εx + (1 − ε)G(z)", row=2, col=1)
        fig.update_yaxes(title_text="interpolates", row=2, col=1)
    fig.update_xaxes(title_text=label, row=1, col=1)
    fig.update_yaxes(title_text="generated samples", row=1, col=1)
    title = f"histogram of {label}" + (" and of WGAN-GP's ‖∇f(x̂)‖" if gp else "")
    fig.update_layout(height=height * rows, barmode="overlay", margin=dict(l=10, r=10, t=30, b=10),
                      title=dict(text=title, font=dict(size=13)), uirevision="dhist",
                      showlegend=len(runs) > 1, legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"))
    return fig


HIST_BINS = 40


def _shared_bins(fig: go.Figure, values: dict[str, np.ndarray], row: int, what: str, legendgroup_suffix: str = "") -> None:
    """One histogram per run on HIST_BINS bins spanning every run's finite values."""
    finite = {n: v[np.isfinite(v)] for n, v in values.items()}
    both = np.concatenate([v for v in finite.values() if len(v)] or [np.zeros(1)])
    lo, hi = float(both.min()), float(both.max())
    size = (hi - lo) / HIST_BINS if hi > lo else 1e-3 * (abs(lo) + 1)
    for i, (name, v) in enumerate(finite.items()):
        fig.add_trace(go.Histogram(x=v, name=f"{name}{legendgroup_suffix}", legendgroup=name, showlegend=row == 1,
                                   xbins=dict(start=lo, end=hi + size * 1e-6, size=size), autobinx=False,
                                   marker=dict(color=FAKE, opacity=0.65 if i == 0 else 0.45,
                                               pattern=dict(shape="" if i == 0 else "/")),
                                   hovertemplate=f"{name}: %{{y}} {what} in %{{x}}<extra></extra>"), row, 1)
