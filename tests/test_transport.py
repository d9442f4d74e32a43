import doctest

import numpy as np
import ot
import pytest

from ganviz.data import transport_examples as ex
from ganviz.metrics import transport as tr


def test_doctests():
    assert doctest.testmod(tr).failed == 0


def _random_hist(rng, k):
    h = rng.random(k) * (rng.random(k) < 0.8)
    h[0] += 0.1  # never all zero
    return h / h.sum()


@pytest.mark.parametrize("seed", range(5))
def test_plans_are_feasible_and_bracket_the_optimum(seed):
    """Rows sum to P, columns to Q; on a sorted line NW = optimal = the 1D closed form, NE is the worst."""
    rng = np.random.default_rng(seed)
    a, b = _random_hist(rng, 6), _random_hist(rng, 6)
    x = np.sort(rng.normal(size=6))
    m = tr.ground_cost(x, x)
    best, nw, ne = tr.optimal_plan(a, b, m), tr.north_west_corner(a, b), tr.north_east_corner(a, b)
    for g in (best, nw, ne):
        assert tr.plan_problems(g, a, b) == []
    w = tr.plan_cost(best, m)
    assert w == pytest.approx(ot.wasserstein_1d(x, x, a, b, p=1), abs=1e-9)
    assert tr.plan_cost(nw, m) == pytest.approx(w, abs=1e-9)
    # Any feasible plan: a random mixture of the extreme ones costs between W1 and the NE plan.
    lam = rng.random()
    mix = lam * nw + (1 - lam) * ne
    assert tr.plan_problems(mix, a, b) == []
    assert w - 1e-9 <= tr.plan_cost(mix, m) <= tr.plan_cost(ne, m) + 1e-9


def test_north_west_is_not_optimal_off_the_line():
    """In 2D the NW rule is feasible but can cost more than POT's plan."""
    a = b = np.full(3, 1 / 3)
    x = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    y = x[::-1] + [0.0, 1.0]  # the same points, listed in reverse order, one unit up
    m = tr.ground_cost(x, y)
    assert tr.plan_cost(tr.north_west_corner(a, b), m) > tr.plan_cost(tr.optimal_plan(a, b, m), m) + 0.1


def test_examples_and_their_optimal_costs():
    m = tr.ground_cost(ex.EXAMPLE_POSITIONS, ex.EXAMPLE_POSITIONS)
    for a, b in ex.EXAMPLES.values():
        assert a.sum() == pytest.approx(1) and b.sum() == pytest.approx(1)
    a, b = ex.EXAMPLES["two piles to one"]  # half the mass moves 2 to the right, half 2 to the left
    assert tr.plan_cost(tr.optimal_plan(a, b, m), m) == pytest.approx(2.0)


def test_plan_problems_names_each_violation():
    a = b = np.array([0.5, 0.5])
    assert tr.plan_problems([[0.5, 0.0], [0.0, 0.5]], a, b) == []
    probs = tr.plan_problems([[0.7, -0.2], [0.0, 0.5]], a, b)
    assert any("negative" in p for p in probs)
    assert any(p.startswith("column 1") for p in probs)
    assert tr.plan_problems([[np.nan, 0.5], [0.5, 0.0]], a, b) == ["every cell needs a number"]
    assert "2 x 2" in tr.plan_problems([[1.0]], a, b)[0]


def test_sinkhorn_blurs_and_tends_to_the_optimum():
    x, y = ex.clouds_2d("ring8", "two_moons", 100, seed=1)
    exact = tr.transport_2d(x, y)
    assert exact.exact and exact.plan.shape == (100, 100)
    # The exact plan between n equal weights is a permutation matrix / n.
    assert np.allclose(np.sort(exact.plan.ravel())[-100:], 1 / 100) and np.count_nonzero(exact.plan > 1e-12) == 100
    costs, spread = [], []
    for reg in (0.02, 0.2, 1.0):
        r = tr.transport_2d(x, y, reg)
        assert not r.exact and "Sinkhorn" in r.method
        assert tr.plan_problems(r.plan, np.full(100, 0.01), np.full(100, 0.01), tol=1e-4) == []
        costs.append(r.cost)
        spread.append(np.count_nonzero(r.plan > 1e-6))
    assert exact.cost <= costs[0] < costs[1] < costs[2]
    assert costs[0] == pytest.approx(exact.cost, rel=0.05)
    assert spread[0] < spread[1] < spread[2]
    with pytest.raises(ValueError):
        tr.sinkhorn_plan([1.0], [1.0], [[0.0]], 0.0)


def test_above_the_exact_limit_the_sliced_approximation_is_labelled():
    x, y = ex.clouds_2d("grid25", "grid25", 60, shift=1.0)
    r = tr.transport_2d(x, y, max_exact=50)
    assert r.plan is None and not r.exact and "approximation" in r.method
    w = tr.transport_2d(x, y).cost
    assert 0 < r.cost <= w  # projections shrink distances
    assert tr.sliced_w1(x, y) == pytest.approx(r.cost)
