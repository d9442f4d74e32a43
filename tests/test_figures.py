"""Every figure a page builds reads right: one y-axis per panel, a title on every axis that shows
ticks, every drawn line in the legend (or labelled on the chart), histograms of two runs on shared
bins, layers named as in a lecture; and the toy lab's D* and WGAN-GP gradient norms are the
library's numbers."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from ganviz.data import transport_examples as ex
from ganviz.data.toy import ParallelLines, get_dataset
from ganviz.metrics import divergence as dv
from ganviz.metrics import optimal_d
from ganviz.metrics import transport as tr
from ganviz.metrics.spectra import LayerSeries
from ganviz.plots import began as pbg
from ganviz.plots import divergence as pdv
from ganviz.plots import objectives as pob
from ganviz.plots import spectra as psp
from ganviz.plots import toy as pty
from ganviz.training import snapshot
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer


def _trainer(steps=20, **kw):
    t = Trainer(TrainConfig(**kw))
    for _ in range(steps):
        t.step()
    t.evaluate()
    return t


@pytest.fixture(scope="module")
def snaps():
    return {name: snapshot.take(_trainer(**kw)) for name, kw in {
        "nsgan_2d": dict(), "nsgan_1d": dict(dataset="mixture"), "wgan_gp": dict(objective="wgan-gp"),
        "began": dict(objective="began"), "wgan_1d": dict(dataset="gaussian", objective="wgan")}.items()}


def _series(n_layers=3, steps=5):
    rng = np.random.default_rng(0)
    names = [f"body.{2 * i}.weight" for i in range(n_layers - 1)] + ["head.weight"]
    return {n: LayerSeries(list(range(0, 10 * steps, 10)), np.sort(rng.random((steps, 4)) + 0.1, axis=1)[:, ::-1],
                           "exact", (4, 4)) for n in names}


def all_figures(snaps) -> dict[str, go.Figure]:
    """One of every figure the pages build, from real data."""
    p, q = get_dataset("gaussian"), dv.affine_1d(get_dataset("mixture"), 2.0, 1.0)
    est_x = np.random.default_rng(0).normal(size=50)
    a, b = ex.EXAMPLES[list(ex.EXAMPLES)[0]]
    plan = tr.north_west_corner(a, b)
    x2, y2 = ex.clouds_2d("ring8", "two_moons", 50, 0.0)
    res = tr.transport_2d(x2, y2, None)
    lines = dv.estimation_samples(ParallelLines("P_0", 2, 0.0), ParallelLines("P_theta", 2, 0.5), 50)
    sat, fgan, critic = pob.saturation_curves(21), pob.fgan_curves(21), pob.critic_loss_curves(21)
    curve = {"step": list(range(0, 50, 10)), "k_t": [0.0, 0.1, 0.2, 0.2, 0.3], "m_global": [1, 0.5, 0.3, 0.2, 0.1],
             "L_real": [0.5, 0.4, 0.3, 0.2, 0.1], "L_fake": [0.4, 0.3, 0.2, 0.1, 0.05], "lr_g": [1e-4] * 4 + [5e-5]}
    rows = [dict(gamma=g, quality=0.5 + g / 2, class_entropy=1 + g, pairwise_distance=3 + g) for g in (0.3, 0.5, 0.7)]
    trunc = [dict(threshold=t, quality=0.9 - t / 4, class_entropy=1 + t, pairwise_distance=2 + t) for t in (0.5, 1.0, 2.0)]
    raw = _series()
    two = {"A": snaps["nsgan_2d"], "B": snaps["wgan_gp"]}
    return {
        "toy samples 2D": pty.samples_figure(snaps["nsgan_2d"]),
        "toy samples 1D": pty.samples_figure(snaps["nsgan_1d"]),
        "toy samples 1D critic": pty.samples_figure(snaps["wgan_1d"]),
        "toy metrics": pty.metrics_figure({"A": snaps["nsgan_2d"]}),
        "toy metrics compare": pty.metrics_figure(two),
        "toy metrics BEGAN": pty.metrics_figure({"A": snaps["began"]}),
        "toy D hist": pty.d_histogram({"A": snaps["nsgan_2d"]}),
        "toy D hist compare": pty.d_histogram(two),
        "toy D hist WGAN-GP": pty.d_histogram({"A": snaps["wgan_gp"]}),
        "div densities": pdv.fig_densities_1d(p, q, xp=est_x, xq=est_x + 2),
        "div sweep": pdv.fig_measures_vs_shift(dv.measures_vs_shift(p, get_dataset("mixture"), [-2.0, 0.0, 2.0]), 0.0),
        "div lines": pdv.fig_parallel_lines(0.5, lines[0].numpy(), lines[1].numpy()),
        "div WGAN figure 1": pdv.fig_wgan_figure1(dv.parallel_lines_curve(np.linspace(-1, 1, 41)), 0.5,
                                                  dv.parallel_lines_exact(0.5)),
        "div plan matrix": pdv.fig_plan_matrix(plan, a, b, "plan", ex.EXAMPLE_POSITIONS),
        "div plan arrows": pdv.fig_plan_arrows(ex.EXAMPLE_POSITIONS, a, b, plan),
        "div plan 2D": pdv.fig_plan_2d(x2, y2, res.plan, "plan"),
        "obj saturation": pob.fig_saturation(sat),
        "obj fgan": pob.fig_fgan(fgan),
        "obj critic": pob.fig_critic_losses(critic),
        "spectra sigma0": psp.sigma0_figure(raw, "σ₀", modes=([0, 10, 20], [3, 5, 8], 8), net="D"),
        "spectra ratio": psp.ratio_figure(raw, "ratio", net="D"),
        "spectra heatmap": psp.spectrum_heatmap(raw["body.0.weight"], "heat"),
        "began curves": pbg.curves_figure(curve),
        "began sweep": pbg.sweep_figure(rows),
        "latent truncation": pbg.truncation_figure(trunc),
        "latent norms": pbg.path_norm_figure({"linear": torch.randn(5, 4), "slerp": torch.randn(5, 4)}),
    }


@pytest.fixture(scope="module")
def figures(snaps):
    return all_figures(snaps)


def _axes(fig, letter):
    return {k: v for k, v in fig.layout.to_plotly_json().items() if k.startswith(letter + "axis")}


def _used_axes(fig):
    """(x axis names, y axis names) that carry at least one trace ('xaxis', 'xaxis2', ...)."""
    xs, ys = set(), set()
    for t in fig.data:
        x, y = getattr(t, "xaxis", None) or "x", getattr(t, "yaxis", None) or "y"
        xs.add("xaxis" + x[1:]), ys.add("yaxis" + y[1:])
    return xs, ys


def test_one_y_axis_per_panel(figures):
    for name, fig in figures.items():
        for key, ax in _axes(fig, "y").items():
            assert not ax.get("overlaying"), f"{name}: {key} overlays {ax['overlaying']} (a second y-axis)"


def test_every_axis_with_ticks_has_a_title(figures):
    for name, fig in figures.items():
        xs, ys = _used_axes(fig)
        layout = fig.layout.to_plotly_json()
        for key in sorted(xs | ys):
            ax = layout.get(key, {})
            if ax.get("visible") is False or (ax.get("matches") and ax.get("showticklabels") is False):
                continue  # hidden (an image), or a shared axis titled under the bottom panel
            assert (ax.get("title") or {}).get("text"), f"{name}: {key} has no title"


def _lines(fig):
    return [t for t in fig.data if t.type in ("scatter", "scattergl") and "lines" in (t.mode or "lines")
            and t.x is not None and len(t.x) > 1]


def test_every_line_is_in_the_legend(figures):
    for name, fig in figures.items():
        shown = {t.legendgroup for t in fig.data if t.showlegend is not False and t.legendgroup}
        for t in _lines(fig):
            assert t.showlegend is not False or t.legendgroup in shown, f"{name}: line {t.name!r} not in the legend"
            assert t.name, f"{name}: a line without a name"
        if len(fig.data) > 1 and fig.layout.showlegend is not False:
            names = [t.name for t in fig.data if t.showlegend is not False and t.type != "heatmap"]
            assert len(names) == len(set(names)), f"{name}: two legend entries read alike: {names}"
        # a line drawn as a layout shape is labelled on the chart (at its x) instead
        notes = [a for a in fig.layout.annotations]
        for s in fig.layout.shapes:
            if s.type == "line" and s.x0 == s.x1:
                assert any(a.x == s.x0 for a in notes), f"{name}: an unlabelled vertical line at {s.x0}"
            elif s.type == "line":
                assert any(a.y == s.y0 for a in notes), f"{name}: an unlabelled horizontal line at {s.y0}"


def test_modes_and_hq_have_round_fixed_axes(snaps):
    fig = pty.metrics_figure({"A": snaps["nsgan_2d"]})
    layout = fig.layout.to_plotly_json()
    by_title = {(a.get("title") or {}).get("text"): a for k, a in layout.items() if k.startswith("yaxis")}
    assert by_title["modes"]["range"] == [0, 8.5] and by_title["modes"]["dtick"] == 1
    assert by_title["HQ (%)"]["range"][0] == 0 and by_title["HQ (%)"]["dtick"] == 25  # at HQ 0%: still 0-100
    js = [t for t in fig.data if t.name == "log 2 (JS's largest value)"]
    assert len(js) == 1 and js[0].y[0] == pytest.approx(math.log(2))
    assert any(t.name == "JS noise floor" and t.showlegend is not False for t in fig.data)


def test_compare_histograms_share_their_bins(snaps):
    a, b = snaps["nsgan_2d"], snaps["wgan_gp"]
    fig = pty.d_histogram({"A": a, "B": b})
    hists = [t for t in fig.data if t.type == "histogram" and t.yaxis in (None, "y")]
    assert len(hists) == 2
    bins = {(t.xbins.start, t.xbins.size) for t in hists}
    assert len(bins) == 1  # one set of bins for both runs
    (start, size), = bins
    lo = min(float(np.min(a.d_of_fake)), float(np.min(b.d_of_fake)))
    hi = max(float(np.max(a.d_of_fake)), float(np.max(b.d_of_fake)))
    assert start == pytest.approx(lo) and size == pytest.approx((hi - lo) / pty.HIST_BINS)
    # the run with the narrow range spreads over several bins, not one
    narrow = min((a, b), key=lambda s: np.ptp(s.d_of_fake))
    assert len(np.unique(np.floor((narrow.d_of_fake - start) / size))) > 3


def test_spectra_legends_name_layers_as_a_lecture_does():
    raw = _series()
    sn = {"body.0.weight": raw["body.0.weight"]}
    raw_sn = {"body.0.parametrizations.weight.original": raw["body.0.weight"], "head.weight": raw["head.weight"]}
    names = [t.name for t in psp.sigma0_figure(raw, "", net="G").data]
    assert names == ["G layer 1", "G layer 2", "G layer 3 (output)"]
    names = [t.name for t in psp.sigma0_figure(raw_sn, "", normalised=sn, net="D").data]
    assert names == ["D layer 1", "D layer 2 (output)", "D layer 1 (W_SN)"]
    assert [t.name for t in psp.ratio_figure(raw, "", net="D").data] == ["D layer 1", "D layer 2", "D layer 3 (output)"]


def test_wgan_figure1_is_the_closed_form():
    curve = dv.parallel_lines_curve(np.linspace(-1, 1, 41))
    fig = pdv.fig_wgan_figure1(curve, -0.25, dv.parallel_lines_exact(-0.25))
    w1, js = fig.data[0], fig.data[1]
    assert np.allclose(w1.y, np.abs(w1.x))
    js_y = np.asarray(js.y, float)
    assert np.all(np.isnan(js_y[np.asarray(js.x) == 0])) and np.allclose(js_y[np.asarray(js.x) != 0], math.log(2))
    now = [t for t in fig.data if t.legendgroup == "now"]
    assert [(t.x[0], t.y[0]) for t in now] == [(-0.25, 0.25), (-0.25, pytest.approx(math.log(2)))]


# --- D* and the gradient norms -------------------------------------------------------------------
def test_kde_and_optimal_discriminator_against_closed_forms():
    rng = np.random.default_rng(0)
    x = rng.normal(size=4000)
    grid = np.linspace(-3, 3, 61)
    p_hat, h = optimal_d.gaussian_kde(x, grid)
    assert h == pytest.approx(0.9 * min(x.std(ddof=1), np.subtract(*np.percentile(x, [75, 25])) / 1.34) * 4000 ** -0.2)
    assert np.max(np.abs(p_hat - np.exp(-grid ** 2 / 2) / math.sqrt(2 * math.pi))) < 0.04  # N(0, 1), 4000 draws
    wide = np.linspace(-8, 8, 3201)
    assert np.trapezoid(optimal_d.gaussian_kde(x, wide)[0], wide) == pytest.approx(1.0, abs=1e-6)
    p_data = np.exp(-(grid - 1) ** 2 / 2) / math.sqrt(2 * math.pi)  # N(1, 1) against N(0, 1): D* = sigmoid(x - 1/2)
    d_star = optimal_d.optimal_discriminator(p_data, np.exp(-grid ** 2 / 2) / math.sqrt(2 * math.pi))
    assert np.allclose(d_star, 1 / (1 + np.exp(-(grid - 0.5))))


def test_snapshot_d_star_is_the_formula_on_the_snapshots_own_samples(snaps):
    s = snaps["nsgan_1d"]
    p_g, h = optimal_d.gaussian_kde(s.fake[:, 0], s.surface_x)
    assert np.allclose(s.fake_density, p_g)
    assert np.allclose(s.d_star, s.real_density[1] / (s.real_density[1] + p_g), equal_nan=True)
    assert f"{h:.3g}" in s.d_star_note and "KDE" in s.d_star_note and "Silverman" in s.d_star_note
    fig = pty.samples_figure(s)
    d_star = [t for t in fig.data if t.name.startswith("optimal D*")]
    assert len(d_star) == 1 and d_star[0].yaxis == "y2"  # beside the learned D, on D's axis
    assert [t for t in fig.data if t.name == "learned D(x)"][0].yaxis == "y2"
    assert any(s.d_star_note == a.text for a in fig.layout.annotations)  # the estimator and h on the figure
    assert snaps["wgan_1d"].d_star is None  # a critic has no D* of this form


def test_snapshot_gradient_norms_are_the_penalty_s():
    t = _trainer(steps=5, objective="wgan-gp")
    s = snapshot.take(t)
    real, fake = t.to_model(torch.from_numpy(s.real)), t.to_model(torch.from_numpy(s.fake))
    eps = torch.rand(len(real), 1, generator=torch.Generator().manual_seed(t.step_count))
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(t._score(x_hat).sum(), x_hat)
    assert np.allclose(s.gp_grad_norms, g.norm(dim=1).detach().numpy(), rtol=1e-4, atol=1e-6)
    again = snapshot.take(t)  # watching does not change it, and draws nothing from the trainer's generator
    assert np.array_equal(again.gp_grad_norms, s.gp_grad_norms)
    fig = pty.d_histogram({"A": s})
    assert any(tr_.type == "histogram" and tr_.yaxis == "y2" and np.array_equal(tr_.x, s.gp_grad_norms)
               for tr_ in fig.data)
    assert snapshot.take(_trainer(steps=2)).gp_grad_norms is None  # only for WGAN-GP


def _colour(trace):
    """A trace's drawn colour: its line's, else its marker's."""
    line = getattr(trace, "line", None)
    colour = getattr(line, "color", None) if line is not None else None
    return colour or trace.marker.color


def _by_name(figures, fig_name: str, trace_name: str) -> str:
    fig = figures[fig_name]
    hits = [_colour(t) for t in fig.data if (t.name or "").strip() == trace_name]
    assert hits, (fig_name, trace_name, [t.name for t in fig.data])
    return hits[0]


def test_one_quantity_has_one_colour_in_every_figure(figures):
    """The palette's colour of a quantity, wherever a figure draws it (ganviz.plots.palette)."""
    from ganviz.plots import palette as pal

    same = {
        pal.REAL: [("toy samples 2D", "real"), ("toy samples 1D", "real density p_data"), ("div densities", "P"),
                   ("began curves", "L(x)")],
        pal.FAKE: [("toy samples 2D", "generated"), ("toy samples 1D", "generated"), ("div densities", "Q"),
                   ("began curves", "L(G(z))"), ("obj critic", "D loss, fake sample")],
        pal.W1: [("toy metrics", "W1"), ("div WGAN figure 1", "W1 (exact)")],
        pal.JS: [("toy metrics", "JS"), ("div WGAN figure 1", "JS (exact)")],
        pal.G_LOSS: [("toy metrics", "G loss"), ("obj critic", "G loss")],
        pal.D_LOSS: [("toy metrics", "D loss")],
        pal.K_T: [("toy metrics BEGAN", "k_t"), ("began curves", "k_t")],
        pal.M_GLOBAL: [("toy metrics BEGAN", "M_global"), ("began curves", "M_global")],
        pal.ARROW: [("toy samples 2D", "-grad of G loss")],
        pal.rgba(pal.NOISE_GRID, pal.NOISE_GRID_OPACITY): [("toy samples 2D", "G(noise grid)")],
    }
    for colour, where in same.items():
        for fig_name, trace_name in where:
            assert _by_name(figures, fig_name, trace_name) == colour, (fig_name, trace_name)
    sweep = {_colour(t) for t in figures["div sweep"].data if t.name and t.name.split()[0] in ("W1", "JS", "TV")}
    assert {pal.W1, pal.JS, pal.TV} <= sweep
    assert len({pal.W1, pal.JS, pal.KL_PQ, pal.KL_QP, pal.TV}) == 5  # the Divergences sweep tells them apart


def test_projector_metrics_rows_leave_room_for_18px_ticks_axis_titles_and_panel_titles(snaps):
    """At the projector a row's tick labels and x-axis title and the next row's panel title (18 px
    each, a few px apart) lie between two rows: at the lecture height the gap holds them (it did not
    with the normal spacing: 75 px, the titles overlapped), and the JS and modes axes tick half as often."""
    def gap_px(fig):
        lay = fig.layout
        plot = lay.height - lay.margin.t - lay.margin.b
        return (lay.yaxis.domain[0] - lay.yaxis3.domain[1]) * plot

    run = {"A": snaps["nsgan_2d"]}
    large, normal = pty.metrics_figure(run, height=680, large=True), pty.metrics_figure(run, height=680)
    assert gap_px(large) >= 3 * 18 + 3 * 10 > gap_px(normal)
    js = next(k for k in ("yaxis3", "yaxis4") if large.layout[k].title.text == "JS (nats)")
    assert large.layout[js].dtick == 2 * normal.layout[js].dtick
