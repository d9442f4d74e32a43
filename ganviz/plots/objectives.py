"""The curves behind the losses, evaluated from the objectives themselves (``ganviz.objectives``),
never re-typed: the generator's saturation (MMGAN vs NSGAN), the f-GAN family (g_f and f*), and
the hinge, least squares and Wasserstein losses against the discriminator's output.

Every loss in ``ganviz.objectives`` is a batch mean; ``_per_point`` evaluates it on batches of one
sample, so a curve is the loss of a single sample scored d.

Example:
    >>> c = saturation_curves(5)
    >>> round(float(c["nsgan"][2]), 4), round(float(c["mmgan"][2]), 4)  # D(G(z)) = 1/2: log 2 and log 1/2
    (0.6931, -0.6931)
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ganviz.objectives import F_DIVERGENCES, OBJECTIVES, DView
from ganviz.objectives.fgan import activation, conjugate
from ganviz.plots import palette as pal

HEIGHT = 330
_MARGIN = dict(l=50, r=20, t=50, b=40)


def _per_point(loss, scores: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """loss(score of one sample) and its derivative in the score, for every score.

    Each value depends on its own score only, so one backward pass through their sum gives every
    derivative. (A plain loop: torch.func's vmap costs seconds on its first call.)"""
    s = scores.detach().clone().requires_grad_(True)
    values = torch.stack([loss(s[k:k + 1]) for k in range(len(s))])
    (grad,) = torch.autograd.grad(values.sum(), s)
    return values.detach().numpy(), grad.numpy()


def saturation_curves(n: int = 199) -> dict[str, np.ndarray]:
    """Generator losses against D(G(z)) in (0, 1), with their gradients in the logit l.

    MMGAN: log(1 - D), d/dl = -D, which vanishes as D(G(z)) -> 0 (D confidently rejects the
    fakes, early in training): the generator stops learning. NSGAN: -log D, d/dl = -(1 - D),
    strongest exactly there (Goodfellow et al. 2014, Sec. 3).
    """
    d = torch.linspace(0.0, 1.0, n + 2, dtype=torch.float64)[1:-1]
    logit = torch.log(d) - torch.log1p(-d)
    out = {"d": d.numpy()}
    for name in ("mmgan", "nsgan"):
        obj = OBJECTIVES[name]()
        out[name], out[name + "_grad"] = _per_point(lambda s: obj.g_loss(DView(None), DView(None, score=s)), logit)
    return out


def fgan_curves(n: int = 201, v_max: float = 4.0) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For every f-divergence of f-GAN (Nowozin et al. 2016, Table 2): (v, g_f(v), f*(g_f(v))).

    g_f maps the discriminator's raw output v into the domain of f*, so f*(g_f(v)) is finite for
    every finite v in exact arithmetic. Computed as written it is not: the composition overflows in
    float32 from v = 17.3 for gan, js and squared Hellinger (from 89.7 for KL) and reaches -inf or
    NaN at v <= -88.7 for reverse KL and squared Hellinger; in float64 from v = 37.4 and at
    |v| >= 709.8. These curves use float64 on [-v_max, v_max] with v_max <= 30, where every value
    is finite.
    """
    if not 0 < v_max <= 30:
        raise ValueError(f"v_max must be in (0, 30] (beyond, f*(g_f(v)) overflows in float64), got {v_max!r}")
    v = torch.linspace(-v_max, v_max, n, dtype=torch.float64)
    curves = {}
    for name in F_DIVERGENCES:
        t = activation(name, v)
        curves[name] = (v.numpy(), t.numpy(), conjugate(name, t).numpy())
    return curves


# Where the *other* half of a separable D loss is exactly 0, so that the D loss of one real (or one
# fake) sample scored d is the whole loss: hinge relu(1 + f) = 0 at f = -1, relu(1 - r) = 0 at r = 1;
# least squares (a, b, c) = (0, 1, 1) is 0 at f = a = 0, r = b = 1; Wasserstein at 0.
_ZERO_HALF = {"hinge": (1.0, -1.0), "lsgan": (1.0, 0.0), "wgan": (0.0, 0.0)}


def critic_loss_curves(n: int = 201, d_max: float = 3.0) -> dict[str, dict[str, np.ndarray]]:
    """Hinge, least squares (a, b, c) = (0, 1, 1) and Wasserstein losses of one sample against the
    discriminator's output d: D's loss on a real sample, D's loss on a fake one, G's loss.

    The hinge loss is flat (no gradient) once a sample is beyond its margin; least squares
    pulls every sample to its target; Wasserstein is linear and unbounded (hence the Lipschitz
    constraint: clipping, the gradient penalty or spectral norm).
    """
    d = torch.linspace(-d_max, d_max, n, dtype=torch.float64)
    out = {}
    for name, (real0, fake0) in _ZERO_HALF.items():
        obj = OBJECTIVES[name]()
        r0, f0 = torch.tensor([real0], dtype=torch.float64), torch.tensor([fake0], dtype=torch.float64)
        out[name] = {
            "d": d.numpy(),
            "d_real": _per_point(lambda s: obj.d_loss(DView(None, score=s), DView(None, score=f0)), d)[0],
            "d_fake": _per_point(lambda s: obj.d_loss(DView(None, score=r0), DView(None, score=s)), d)[0],
            "g": _per_point(lambda s: obj.g_loss(DView(None, score=r0), DView(None, score=s)), d)[0],
        }
    return out


def fig_saturation(curves: dict[str, np.ndarray]) -> go.Figure:
    """Left: the two generator losses against D(G(z)); right: their gradients in the logit."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("generator loss", "gradient d loss / d logit"))
    styles = {"mmgan": ("MMGAN: log(1 - D)", pal.MMGAN), "nsgan": ("NSGAN: -log D", pal.NSGAN)}
    for name, (label, colour) in styles.items():
        fig.add_trace(go.Scatter(x=curves["d"], y=curves[name], name=label, line=dict(color=colour)), 1, 1)
        fig.add_trace(go.Scatter(x=curves["d"], y=curves[name + "_grad"], name=label + " gradient",
                                 line=dict(color=colour, dash="dot")), 1, 2)
    fig.add_vrect(x0=0, x1=0.1, fillcolor=pal.REFERENCE, opacity=0.15, line_width=0, row=1, col=2)
    fig.add_annotation(x=0.12, y=-0.005, xref="x2", yref="y2", xanchor="left", yanchor="top", showarrow=False,
                       text="← early training: MMGAN's gradient ≈ 0", font=dict(size=11, color=pal.MMGAN))
    fig.update_xaxes(title_text="D(G(z))", range=[0, 1])
    fig.update_yaxes(range=[-5, 5], title_text="G loss", row=1, col=1)
    fig.update_yaxes(title_text="d loss / d logit", row=1, col=2)
    fig.update_layout(height=HEIGHT, margin=_MARGIN, legend=dict(orientation="h", y=-0.2))
    return fig


def fig_fgan(curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> go.Figure:
    """Left: the output activations g_f(v); right: the conjugates f*(t) over t = g_f(v)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("activation g_f(v)", "conjugate f*(t), t = g_f(v)"))
    for k, (name, (v, t, ft)) in enumerate(curves.items()):
        colour = pal.hue(k, len(curves))
        fig.add_trace(go.Scatter(x=v, y=t, name=name, legendgroup=name, line=dict(color=colour)), 1, 1)
        fig.add_trace(go.Scatter(x=t, y=ft, name=name, legendgroup=name, showlegend=False,
                                 line=dict(color=colour)), 1, 2)
    fig.update_xaxes(title_text="v (raw output)", row=1, col=1)
    fig.update_xaxes(title_text="t", range=[-4, 2], row=1, col=2)
    fig.update_yaxes(range=[-4, 4], title_text="g_f(v)", row=1, col=1)
    fig.update_yaxes(range=[-3, 6], title_text="f*(t)", row=1, col=2)
    fig.update_layout(height=HEIGHT, margin=_MARGIN)
    return fig


def fig_critic_losses(curves: dict[str, dict[str, np.ndarray]]) -> go.Figure:
    """One panel per loss family: D's loss on a real sample, on a fake sample, and G's loss."""
    titles = {"hinge": "hinge (SNGAN)", "lsgan": "least squares (0, 1, 1)", "wgan": "Wasserstein"}
    fig = make_subplots(rows=1, cols=3, subplot_titles=[titles[k] for k in curves])
    parts = {"d_real": ("D loss, real sample", pal.REAL, "solid"), "d_fake": ("D loss, fake sample", pal.FAKE, "solid"),
             "g": ("G loss", pal.G_LOSS, "dash")}
    for col, c in enumerate(curves.values(), start=1):
        for key, (label, colour, dash) in parts.items():
            fig.add_trace(go.Scatter(x=c["d"], y=c[key], name=label, legendgroup=key, showlegend=col == 1,
                                     line=dict(color=colour, dash=dash)), 1, col)
    fig.update_xaxes(title_text="D output d")
    fig.update_yaxes(range=[-3.5, 5], title_text="loss of one sample")
    fig.update_layout(height=HEIGHT, margin=_MARGIN, legend=dict(orientation="h", y=-0.2))
    return fig
