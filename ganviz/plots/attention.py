"""Figures of SAGAN's self-attention: where one query pixel looks, overlaid on the image, for each
attention layer; the layers' gammas; the mean attention distance beside a uniform and a local map's.

Every builder takes plain data (tensors, dicts) and returns a plotly figure; none trains, none reads
session state. The maps come from ``ganviz.metrics.attention``.

Example (two panels on one 4 px image, each map 2 x 2: the query pixel (0, 3) is cell (0, 1)):
    >>> picture, m = -torch.ones(4, 4), torch.tensor([[0.125, 0.625], [0.125, 0.125]])
    >>> fig = attention_figure([("G", picture, m), ("D", picture, m)], (0, 3))
    >>> [t.type for t in fig.data][:4], float(fig.data[1].z[0][3]), fig.layout.coloraxis.cmax
    (['heatmap', 'heatmap', 'scatter', 'scatter'], 0.625, 0.625)
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ganviz.plots import palette as pal

ATTENTION = pal.RED  # the attention weight, over the image
QUERY = pal.CYAN  # the query pixel and its cell
LOCAL, UNIFORM = pal.BLUE, pal.GREY  # the two maps that attend by rule
# The digit under the map is drawn from black to this grey, not to white: red over white reads as
# pink, a weaker weight than it is.
INK = 0.8
PANEL_HEIGHT = 330


def _upsampled(m: torch.Tensor, size: int) -> np.ndarray:
    """An H x W map as a size x size picture: each cell's weight over the pixels it covers."""
    rep = size // m.shape[0]
    return np.kron(m.detach().cpu().numpy(), np.ones((rep, rep)))


def attention_figure(panels: list[tuple[str, torch.Tensor, torch.Tensor]], query: tuple[int, int],
                     key: str = "attention", height: int = PANEL_HEIGHT) -> go.Figure:
    """One panel per (title, picture (S, S) in [-1, 1], map (H, W)): the picture in grey (black to
    ``INK``) with the query's attention map over it (transparent at 0, ``ATTENTION`` at the largest weight shown, one
    colour scale for every panel), the query pixel marked and its layer cell outlined. Rows run
    down, as in the image: a click's point is (x, y) = (col, row), in ``customdata`` too."""
    n = len(panels)
    fig = make_subplots(rows=1, cols=n, subplot_titles=[p[0] for p in panels], horizontal_spacing=0.04)
    top = max(float(m.max()) for _, _, m in panels)
    row, col = query
    for k, (_, picture, m) in enumerate(panels, start=1):
        size = picture.shape[-1]
        weights = _upsampled(m, size)
        grey = ((picture.detach().float().clamp(-1, 1) + 1) / 2).cpu().numpy()
        fig.add_trace(go.Heatmap(z=grey, colorscale=pal.IMAGE_COLORSCALE, zmin=0, zmax=1 / INK, showscale=False,
                                 hoverinfo="skip"), 1, k)
        fig.add_trace(go.Heatmap(z=weights, coloraxis="coloraxis", hoverinfo="skip"), 1, k)
        # Invisible points, one per pixel, take the clicks (a heatmap has no selectable points).
        rr, cc = np.mgrid[0:size, 0:size]
        fig.add_trace(go.Scatter(x=cc.ravel(), y=rr.ravel(), mode="markers", showlegend=False,
                                 marker=dict(size=max(4, 160 // size), opacity=0, color=QUERY),
                                 customdata=np.stack([rr.ravel(), cc.ravel(), weights.ravel()], 1),
                                 hovertemplate="pixel (%{customdata[0]}, %{customdata[1]}): attention "
                                               "%{customdata[2]:.3f}<extra></extra>"), 1, k)
        fig.add_trace(go.Scatter(x=[col], y=[row], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(symbol="x-thin", size=14, line=dict(width=3, color=QUERY))), 1, k)
        rep = size // m.shape[0]
        r0, c0 = row // rep * rep, col // rep * rep
        fig.add_shape(type="rect", x0=c0 - 0.5, x1=c0 + rep - 0.5, y0=r0 - 0.5, y1=r0 + rep - 0.5,
                      line=dict(color=QUERY, width=2), row=1, col=k)
        fig.update_xaxes(visible=False, range=[-0.5, size - 0.5], row=1, col=k)
        fig.update_yaxes(visible=False, range=[size - 0.5, -0.5], scaleanchor=f"x{k if k > 1 else ''}",
                         row=1, col=k)
    fig.update_layout(coloraxis=dict(cmin=0, cmax=top, colorscale=[[0, pal.rgba(ATTENTION, 0)],
                                                                   [1, pal.rgba(ATTENTION, 0.9)]],
                                     colorbar=dict(title=dict(text="attention", side="right"), thickness=12,
                                                   len=0.8)),
                      height=height, margin=dict(l=5, r=5, t=40, b=5), template="plotly_white", uirevision=key,
                      clickmode="event+select", dragmode=False)
    fig.update_annotations(font_size=13)
    return fig


def gamma_figure(gammas: dict[str, float], curves: dict[str, tuple[list, list]] | None = None,
                 key: str = "attention_gamma") -> go.Figure:
    """Each attention layer's gamma (its output is gamma o + x; gamma starts at 0). With ``curves``
    ({layer: (steps, gammas)}, ``ganviz.metrics.attention.gamma_curves``): a line per layer over
    training from 0 at step 0, the final value marked. Without (a history that did not log gamma):
    the final ``gammas`` as bars about 0. Layer k has colour ``LAYERS[k]`` either way.

    Example:
        >>> fig = gamma_figure({"G.ups.attention": 0.04, "D.trunk.attention": -0.12})
        >>> list(fig.data[0].y), list(fig.data[0].x)
        (['G.ups.attention', 'D.trunk.attention'], [0.04, -0.12])
        >>> fig = gamma_figure({}, {"G.a": ([0, 10, 20], [0.0, 0.01, 0.03])})
        >>> [t.mode for t in fig.data], list(fig.data[0].y), fig.layout.xaxis.title.text
        (['lines+markers'], [0.0, 0.01, 0.03], 'step')
    """
    zero = dict(color=pal.REFERENCE, width=1)
    if curves:
        fig = go.Figure([go.Scatter(x=steps, y=values, name=name, mode="lines+markers",
                                    line=dict(color=pal.LAYERS[k % len(pal.LAYERS)], width=2),
                                    marker=dict(size=[0] * (len(values) - 1) + [8]),
                                    hovertemplate=f"{name}<br>step %{{x}}: γ %{{y:+.3f}}<extra></extra>")
                         for k, (name, (steps, values)) in enumerate(curves.items())])
        fig.add_hline(y=0, line=zero, annotation_text="γ starts at 0", annotation_position="bottom right",
                      annotation_font=dict(size=12, color=pal.NOTE))
        fig.update_xaxes(title_text="step", rangemode="tozero")
        fig.update_yaxes(title_text="γ", zeroline=False)
        fig.update_layout(title=dict(text="γ of each layer over training", x=0.0, font=dict(size=14)),
                          height=300, margin=dict(l=10, r=10, t=40, b=45), template="plotly_white",
                          uirevision=key, legend=dict(orientation="h", y=-0.3, font=dict(size=12)))
        return fig
    names = list(gammas)
    fig = go.Figure(go.Bar(x=[gammas[n] for n in names], y=names, orientation="h", marker_color=pal.LAYERS[:len(names)],
                           text=[f"{gammas[n]:+.3f}" for n in names], textposition="outside", cliponaxis=False))
    reach = max([abs(v) for v in gammas.values()] + [1e-3]) * 1.6
    fig.add_vline(x=0, line=zero)
    fig.update_xaxes(title_text="γ (starts at 0)", range=[-reach, reach], zeroline=False)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(title=dict(text="γ of each layer (final)", x=0.0, font=dict(size=14)),
                      height=90 + 45 * len(names), margin=dict(l=10, r=10, t=40, b=45), template="plotly_white",
                      uirevision=key, showlegend=False)
    return fig


def distance_figure(rows: list[dict], key: str = "attention_distance") -> go.Figure:
    """Mean attention distance in pixels of each layer (``rows`` of
    ``ganviz.metrics.attention.attention_claim``) between the local 3 x 3 map's and the uniform map's.

    Example:
        >>> row = {"image": "fake", "layer": "G.ups.attention", "distance_px": 8.1, "uniform_px": 8.3, "local_px": 2.0}
        >>> [t.name for t in distance_figure([row]).data]
        ['local 3×3 map', 'the layer', 'uniform map']
    """
    labels = [f"{r['layer']} ({r['image']})" for r in rows]
    bars = [("local 3×3 map", "local_px", LOCAL), ("the layer", "distance_px", ATTENTION),
            ("uniform map", "uniform_px", UNIFORM)]
    fig = go.Figure([go.Bar(name=name, x=[r[k] for r in rows], y=labels, orientation="h", marker_color=colour,
                            text=[f"{r[k]:.1f}" for r in rows], textposition="outside", cliponaxis=False)
                     for name, k, colour in bars])
    reach = max(r[k] for r in rows for _, k, _ in bars)
    fig.update_xaxes(title_text="mean attention distance (pixels)", range=[0, reach * 1.12])
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(title=dict(text="how far the queries look", x=0.0, font=dict(size=14)), barmode="group",
                      height=120 + 60 * len(rows), margin=dict(l=10, r=10, t=40, b=80), template="plotly_white",
                      uirevision=key, legend=dict(orientation="h", y=-0.35, font=dict(size=12)))
    return fig
