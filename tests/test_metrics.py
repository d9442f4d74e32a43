import math

import numpy as np
import pytest
import torch

from ganviz.data import get_dataset
from ganviz.data.toy import ParallelLines, Uniform1D, gaussian_1d
from ganviz.metrics import histogram_js, js_exact_1d, js_monte_carlo, mode_coverage, w1


def test_mode_coverage_worked_example():
    c = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    r = mode_coverage(c[:2].repeat(5, 1), c, sigma=0.01)
    assert (r.modes_captured, r.hq_fraction) == (2, 1.0)
    assert r.kl_to_uniform == pytest.approx(math.log(2))


def test_mode_coverage_counts_only_hq_samples_and_real_data_scores_full():
    ring = get_dataset("ring8")
    far = torch.tensor([[0.0, 0.0]] * 10)  # 1 away from every mode: not HQ, captures nothing
    r = mode_coverage(far, ring.modes, ring.sigma)
    assert (r.modes_captured, r.hq_fraction, r.kl_to_uniform) == (0, 0.0, pytest.approx(math.log(8)))
    real = mode_coverage(ring.sample(2500, 0), ring.modes, ring.sigma)
    assert real.modes_captured == 8 and real.hq_fraction > 0.98 and real.kl_to_uniform < 0.01


def test_w1_closed_forms():
    assert w1([0.0, 1.0], [2.0, 3.0]) == pytest.approx(2.0)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(20000, 1, generator=g), torch.randn(20000, 1, generator=g) + 1.5
    assert w1(x, y) == pytest.approx(1.5, abs=0.03)  # W1(N(0,1), N(1.5,1)) = 1.5
    # Parallel lines: W1 = |theta| (the same Z for both, so the plan is exact).
    a, b = ParallelLines("p", 2, 0.0).sample(400, 1), ParallelLines("p", 2, 0.8).sample(400, 1)
    assert w1(a, b) == pytest.approx(0.8, abs=1e-6)
    # Euclidean, not squared: a 3-4-5 move costs 5.
    assert w1([[0.0, 0.0]], [[3.0, 4.0]]) == pytest.approx(5.0)


def test_exact_js_closed_forms():
    u1, u2 = Uniform1D("a", 1, 0.0, 1.0), Uniform1D("b", 1, 2.0, 3.0)
    assert js_exact_1d(u1.log_prob, u2.log_prob, -1, 4) == pytest.approx(math.log(2), abs=1e-3)
    assert js_exact_1d(u1.log_prob, u1.log_prob, -1, 4) == pytest.approx(0.0, abs=1e-9)
    g0, g100 = gaussian_1d(0, 1), gaussian_1d(100, 1)
    assert js_exact_1d(g0.log_prob, g100.log_prob, -10, 110) == pytest.approx(math.log(2), abs=1e-9)
    # U[0,1] vs U[0,2]: JS = 1/2 [log(4/3)] + 1/2 [1/2 log(2/3) + 1/2 log 2] (by hand)
    expect = 0.5 * math.log(4 / 3) + 0.25 * math.log(2 / 3) + 0.25 * math.log(2)
    u3 = Uniform1D("c", 1, 0.0, 2.0)
    assert js_exact_1d(u1.log_prob, u3.log_prob, -1, 3) == pytest.approx(expect, abs=1e-3)


def test_monte_carlo_js_agrees_with_integration():
    p, q = gaussian_1d(0, 1), gaussian_1d(1, 1)
    exact = js_exact_1d(p.log_prob, q.log_prob, -12, 13)
    assert js_monte_carlo(p, q, n=200_000) == pytest.approx(exact, abs=3e-3)


def test_histogram_js_floor_and_convergence():
    ring = get_dataset("ring8")
    same_small = histogram_js(ring.sample(500, 1), ring.sample(500, 2))
    same_large = histogram_js(ring.sample(50_000, 1), ring.sample(50_000, 2))
    # P = Q: the estimate sits near its floor (K - 1)/(4n) and falls as n grows.
    assert same_small[0] < 3 * same_small[1]
    assert same_large[0] < same_small[0]
    disjoint = histogram_js(np.zeros((100, 1)), np.ones((100, 1)))
    assert disjoint[0] == pytest.approx(math.log(2))


def test_mean_and_se():
    from ganviz.metrics.modes import mean_and_se
    assert mean_and_se([1.0, 3.0]) == (2.0, 1.0)
    m, se = mean_and_se([2.0, 4.0, 6.0, 8.0])
    assert m == 5.0 and se == pytest.approx(math.sqrt(20 / 3 / 4))
    assert mean_and_se([7.0]) == (7.0, 0.0)
