import doctest
import math

import numpy as np
import pytest
from scipy.stats import norm

from ganviz.data.toy import ParallelLines, TwoPoints, Uniform1D, gaussian_1d, get_dataset
from ganviz.metrics import divergence as dv
from ganviz.plots import objectives as pob

LOG2 = math.log(2)
N01 = gaussian_1d(0.0, 1.0)


def test_doctests():
    assert doctest.testmod(dv).failed == 0
    assert doctest.testmod(pob).failed == 0


def w1_by_quantiles(s, r, k=200_000):
    """W1 = int_0^1 |F^-1(u) - G^-1(u)| du by the midpoint rule: an independent route to W1."""
    z = norm.ppf((np.arange(k) + 0.5) / k)
    return float(np.mean(np.abs(z - (s + r * z))))


@pytest.mark.parametrize("s,r", [(0.0, 1.0), (1.0, 1.0), (-3.0, 1.0), (2.0, 0.5), (-1.0, 2.0), (0.0, 3.0), (5.0, 0.25)])
def test_gaussians_match_closed_forms(s, r):
    e = dv.exact_1d(N01, dv.affine_1d(N01, s, r))
    assert e["kl_pq"] == pytest.approx(dv.kl_gaussians(0, 1, s, r), abs=1e-3)
    assert e["kl_qp"] == pytest.approx(dv.kl_gaussians(s, r, 0, 1), abs=1e-3)
    assert e["w1"] == pytest.approx(w1_by_quantiles(s, r), abs=1e-3)
    if r == 1.0:  # equal scales: W1 = |s|, TV = 2 Phi(|s|/2) - 1
        assert e["w1"] == pytest.approx(abs(s), abs=1e-3)
        assert e["tv"] == pytest.approx(2 * norm.cdf(abs(s) / 2) - 1, abs=1e-3)
    if s == 0.0:  # pure scale: W1 = |r - 1| E|Z| = |r - 1| sqrt(2 / pi)
        assert e["w1"] == pytest.approx(abs(r - 1) * math.sqrt(2 / math.pi), abs=1e-3)
    assert 0 <= e["js"] <= LOG2 and 0 <= e["tv"] <= 1


@pytest.mark.parametrize("s", [0.0, 0.3, 1.0, 1.9, 2.5, -4.0])
def test_shifted_uniforms_match_closed_forms(s):
    """U[-1, 1] against U[-1 + s, 1 + s]: JS = min(|s|, 2)/2 log 2, TV = min(|s|/2, 1), W1 = |s|."""
    u = Uniform1D("u", 1, -1.0, 1.0)
    e = dv.exact_1d(u, dv.affine_1d(u, s))
    assert e["js"] == pytest.approx(min(abs(s), 2) / 2 * LOG2, abs=1e-3)
    assert e["tv"] == pytest.approx(min(abs(s) / 2, 1), abs=1e-3)
    assert e["w1"] == pytest.approx(abs(s), abs=1e-3)
    if s == 0:
        assert e["kl_pq"] == pytest.approx(0.0, abs=1e-9) and e["kl_qp"] == pytest.approx(0.0, abs=1e-9)
    else:  # each puts mass where the other has none
        assert e["kl_pq"] == math.inf and e["kl_qp"] == math.inf


def test_uniform_scale_kl_is_finite_one_way():
    """U[-1, 1] inside U[-2, 2]: KL(P||Q) = log 2, KL(Q||P) = inf."""
    u = Uniform1D("u", 1, -1.0, 1.0)
    e = dv.exact_1d(u, dv.affine_1d(u, 0.0, 2.0))
    assert e["kl_pq"] == pytest.approx(LOG2, abs=1e-3) and e["kl_qp"] == math.inf
    assert e["w1"] == pytest.approx(0.5, abs=1e-3) and e["tv"] == pytest.approx(0.5, abs=1e-3)  # W1 = int |2u - 1| du


def test_point_masses():
    tp = TwoPoints("tp", 1, -1.0, 1.0)
    assert dv.exact_1d(tp, tp) == {"js": 0.0, "kl_pq": 0.0, "kl_qp": 0.0, "tv": 0.0, "w1": 0.0}
    e = dv.exact_1d(tp, dv.affine_1d(tp, 0.5))
    assert e == pytest.approx({"js": LOG2, "kl_pq": math.inf, "kl_qp": math.inf, "tv": 1.0, "w1": 0.5})
    e = dv.exact_1d(tp, dv.affine_1d(tp, 2.0))  # one atom shared: {-1, 1} vs {1, 3}
    assert e["tv"] == pytest.approx(0.5) and e["w1"] == pytest.approx(2.0) and e["kl_pq"] == math.inf
    e = dv.exact_1d(tp, Uniform1D("u", 1, -1.0, 1.0))  # atoms against a density
    assert e["js"] == LOG2 and e["tv"] == 1.0 and e["w1"] == pytest.approx(0.5, abs=1e-3)


def test_parallel_lines_exact():
    assert dv.parallel_lines_exact(0.0) == dict.fromkeys(dv.MEASURES, 0.0)
    e = dv.parallel_lines_exact(-0.3)
    assert e == {"js": LOG2, "kl_pq": math.inf, "kl_qp": math.inf, "tv": 1.0, "w1": 0.3}


def test_js_saturates_while_w1_keeps_growing():
    sweep = dv.measures_vs_shift(N01, N01, np.linspace(0, 12, 13))
    assert np.all(np.diff(sweep["w1"]) > 0.9) and np.all(np.diff(sweep["js"]) >= -1e-9)
    assert sweep["js"][-1] == pytest.approx(LOG2, abs=1e-3) and sweep["js"][-2] == pytest.approx(LOG2, abs=1e-3)
    assert sweep["w1"][-1] == pytest.approx(12.0, abs=1e-3)


def test_estimates_approach_the_exact_values_as_n_grows():
    """Mean absolute error over seeds shrinks from n = 100 to n = 5000, and ends near the truth."""
    p, q = N01, dv.affine_1d(N01, 1.0, 1.5)
    exact = dv.exact_1d(p, q)

    def err(n):
        runs = [dv.estimate_with_floor(p, q, n, seed)[0] for seed in range(4)]
        return {k: np.mean([abs(r[k] - exact[k]) for r in runs]) for k in dv.MEASURES}

    small, large = err(100), err(5000)
    for k in dv.MEASURES:
        assert large[k] < small[k], k
    assert large["w1"] < 0.05 and large["js"] < 0.02 and large["tv"] < 0.05 and large["kl_pq"] < 0.1


def test_noise_floor_shrinks_with_n_and_matches_the_histogram_bias():
    f_small = dv.estimate_with_floor(N01, N01, 100, 0)[1]
    f_large = dv.estimate_with_floor(N01, N01, 5000, 0)[1]
    assert f_large["js"] < f_small["js"] and f_large["w1"] < f_small["w1"] and f_large["tv"] < f_small["tv"]
    # The JS floor is the plug-in bias (K - 1)/(4n) of histogram_js, to within its noise.
    assert f_large["js"] == pytest.approx(19 / (4 * 5000), rel=0.5)


def test_parallel_lines_estimates_see_disjoint_supports():
    est, floor = dv.estimate_with_floor(ParallelLines("a", 2, 0.0), ParallelLines("b", 2, 0.5), 500)
    assert est["js"] == pytest.approx(LOG2) and est["tv"] == pytest.approx(1.0)
    assert est["w1"] == pytest.approx(0.5, abs=0.02) and floor["w1"] < 0.05


def test_knn_kl_sees_atoms():
    tp = get_dataset("two_points")
    x = tp.sample(200, 0)
    assert dv.kl_knn(x, tp.sample(200, 1)) == pytest.approx(0.0, abs=0.02)
    assert dv.kl_knn(x, dv.affine_1d(tp, 0.5).sample(200, 1)) == math.inf


def test_bad_affine_input():
    with pytest.raises(ValueError):
        dv.affine_1d(N01, 0.0, 0.0)
    with pytest.raises(ValueError):
        dv.affine_1d(get_dataset("ring8"), 1.0)


def test_objective_curves_come_from_the_objectives():
    sat = pob.saturation_curves()
    # MMGAN's gradient in the logit is -D (vanishes as D -> 0), NSGAN's is -(1 - D).
    assert np.allclose(sat["mmgan_grad"], -sat["d"], atol=1e-9)
    assert np.allclose(sat["nsgan_grad"], -(1 - sat["d"]), atol=1e-9)
    assert np.allclose(sat["nsgan"], -np.log(sat["d"]))
    f = pob.fgan_curves()
    v, t, ft = f["kl"]
    assert np.allclose(ft, np.exp(t - 1)) and np.all(np.isfinite(np.concatenate([c[2] for c in f.values()])))
    c = pob.critic_loss_curves()
    d = c["hinge"]["d"]
    assert np.allclose(c["hinge"]["d_real"], np.maximum(0, 1 - d)) and np.allclose(c["hinge"]["d_fake"], np.maximum(0, 1 + d))
    assert np.allclose(c["lsgan"]["d_fake"], 0.5 * d ** 2) and np.allclose(c["wgan"]["g"], -d)


@pytest.mark.parametrize("q", [gaussian_1d(1.5, 0.7), get_dataset("mixture"), Uniform1D("u", 1, -0.5, 3.0)])
def test_exact_js_agrees_with_js_exact_1d(q):
    """exact_1d integrates JS on log-densities it already has; js_exact_1d is the reference."""
    p = get_dataset("mixture")
    assert dv.exact_1d(p, q)["js"] == pytest.approx(dv.js_exact_1d(p.log_prob, q.log_prob, -12.0, 12.0), abs=1e-4)
