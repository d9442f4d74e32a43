"""Transport plans: the optimal one (POT), the north-west corner rule, a plan's cost, feasibility,
the entropic (Sinkhorn) plan and the sliced Wasserstein distance.

A transport plan gamma between histograms a (on points x) and b (on points y) is a non-negative
matrix whose rows sum to a and columns to b. Its cost is B(gamma) = sum_ij gamma_ij ||x_i - y_j||
and the Earth Mover's distance is W1(a, b) = min_gamma B(gamma) (Kantorovich; WGAN paper, eq. 1).
The ground cost is Euclidean: ``ot.dist`` defaults to the squared distance, which gives W2^2.

Example:
    >>> a, b = np.array([0.5, 0.5]), np.array([0.5, 0.5])
    >>> m = ground_cost([0.0, 1.0], [1.0, 2.0])
    >>> plan_cost(optimal_plan(a, b, m), m)
    1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import ot

from ganviz.metrics.divergence import EXACT_EMD_MAX_POINTS, _np

# Sinkhorn's dense n x n iterations: at 1000 points a small reg took minutes; at 500, ~0.1 s.
SINKHORN_MAX_POINTS = 500


def ground_cost(x, y) -> np.ndarray:
    """M_ij = ||x_i - y_j||_2 (Euclidean, not POT's squared default).

    Example:
        >>> ground_cost([0.0, 3.0], [1.0]).ravel().tolist()
        [1.0, 2.0]
    """
    return ot.dist(_np(x), _np(y), metric="euclidean")


def optimal_plan(a, b, m) -> np.ndarray:
    """The optimal plan argmin_gamma B(gamma) by the network simplex (``ot.emd``), exact.

    Example:
        >>> optimal_plan([1.0, 0.0], [0.0, 1.0], np.ones((2, 2))).tolist()
        [[0.0, 1.0], [0.0, 0.0]]
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    return ot.emd(a, b, np.asarray(m, float), numItermax=1_000_000)


def north_west_corner(a, b) -> np.ndarray:
    """The north-west corner rule: start at cell (0, 0), move as much mass as the current row and
    column allow, then step down (row used up) or right (column used up). Feasible, rarely optimal.

    Example:
        >>> north_west_corner([0.5, 0.5], [0.25, 0.75]).tolist()
        [[0.25, 0.25], [0.0, 0.5]]
    """
    a, b = np.array(a, float), np.array(b, float)
    gamma = np.zeros((len(a), len(b)))
    i = j = 0
    while i < len(a) and j < len(b):
        move = min(a[i], b[j])
        gamma[i, j] = move
        a[i] -= move
        b[j] -= move
        # Leave a row (or column) once it is used up, up to rounding.
        if a[i] <= 1e-12:
            i += 1
        else:
            j += 1
    return gamma


def north_east_corner(a, b) -> np.ndarray:
    """The same rule started from the top-right cell, walking the columns from last to first.

    On a line with positions in increasing order, the north-west corner rule pairs mass in order
    (the monotone plan, which is optimal in 1D), and this one pairs it in reverse order (the
    anti-monotone plan, the costliest one): the two bracket every feasible plan.

    Example:
        >>> north_east_corner([0.5, 0.5], [0.25, 0.75]).tolist()
        [[0.0, 0.5], [0.25, 0.25]]
    """
    return north_west_corner(a, np.asarray(b, float)[::-1])[:, ::-1]


def plan_cost(gamma, m) -> float:
    """B(gamma) = sum_ij gamma_ij M_ij."""
    return float(np.sum(np.asarray(gamma, float) * np.asarray(m, float)))


def plan_problems(gamma, a, b, tol: float = 1e-6) -> list[str]:
    """What keeps gamma from being a transport plan between a and b; empty when it is one.

    Checks: finite, non-negative, row sums = a, column sums = b (to ``tol``).

    Example:
        >>> plan_problems([[0.5, 0.0], [0.0, 0.5]], [0.5, 0.5], [0.5, 0.5])
        []
        >>> plan_problems([[0.6, 0.0], [0.0, 0.5]], [0.5, 0.5], [0.5, 0.5])[0]
        'row 1 sums to 0.6, but P there is 0.5'
    """
    g = np.asarray(gamma, float)
    a, b = np.asarray(a, float), np.asarray(b, float)
    if g.shape != (len(a), len(b)):
        return [f"the plan must be {len(a)} x {len(b)}, got {g.shape[0]} x {g.shape[1]}"]
    if not np.all(np.isfinite(g)):
        return ["every cell needs a number"]
    problems = [f"cell ({i + 1}, {j + 1}) is negative ({g[i, j]:.3g}): mass cannot be negative"
                for i, j in zip(*np.nonzero(g < -tol))]
    problems += [f"row {i + 1} sums to {s:.3g}, but P there is {a[i]:.3g}"
                 for i, s in enumerate(g.sum(axis=1)) if abs(s - a[i]) > tol]
    problems += [f"column {j + 1} sums to {s:.3g}, but Q there is {b[j]:.3g}"
                 for j, s in enumerate(g.sum(axis=0)) if abs(s - b[j]) > tol]
    return problems


def sinkhorn_plan(a, b, m, reg: float) -> np.ndarray:
    """The entropic plan argmin_gamma B(gamma) - reg H(gamma) (Cuturi 2013), by Sinkhorn's
    iterations in the stabilised log domain so that a small reg does not underflow.

    As reg -> 0 it tends to the optimal plan; a larger reg spreads each point's mass over many
    partners (the plan blurs) and its cost B rises above W1.
    """
    if not reg > 0:
        raise ValueError("the Sinkhorn regularisation must be positive")
    a, b = np.asarray(a, float), np.asarray(b, float)
    plan = ot.sinkhorn(a, b, np.asarray(m, float), reg, method="sinkhorn_stabilized", numItermax=1000,
                       stopThr=1e-6)
    # Unconverged iterations can lose mass; say so rather than draw a wrong plan.
    if not np.all(np.isfinite(plan)) or abs(plan.sum() - a.sum()) > 1e-3:
        raise ValueError(f"Sinkhorn did not converge at reg = {reg:g}; try a larger reg")
    return plan


def sliced_w1(x, y, n_projections: int = 200, seed: int = 0) -> float:
    """Sliced W1: the mean over random unit directions theta of W1 between the projections
    <x, theta> and <y, theta>, each exact in 1D (Bonneel et al. 2015). An approximation that
    costs O(n log n) per direction; it is always <= W1 (projecting shrinks distances).
    """
    return float(ot.sliced_wasserstein_distance(_np(x), _np(y), n_projections=n_projections, p=1, seed=seed))


@dataclass(frozen=True)
class Transport2D:
    """The result of ``transport_2d``: the plan (None when not computed), its cost, and how it was
    computed, in words for the screen ("exact EMD", "Sinkhorn, reg = ...", "sliced W1 ...")."""

    plan: np.ndarray | None
    cost: float
    method: str
    exact: bool


def transport_2d(x, y, reg: float | None = None, max_exact: int = EXACT_EMD_MAX_POINTS) -> Transport2D:
    """Plan and cost between two equally weighted clouds.

    reg None: the exact plan (``ot.emd``) when both clouds have at most ``max_exact`` points,
    otherwise no plan and the sliced W1 (an approximation). reg > 0: the Sinkhorn plan and its
    cost B(gamma), up to ``SINKHORN_MAX_POINTS`` per cloud (above: the sliced W1 again).

    Example:
        >>> r = transport_2d([[0.0, 0.0], [1.0, 0.0]], [[0.0, 2.0], [1.0, 2.0]])
        >>> r.cost, r.exact
        (2.0, True)
    """
    x, y = _np(x), _np(y)
    limit = max_exact if reg is None else min(max_exact, SINKHORN_MAX_POINTS)
    if max(len(x), len(y)) > limit:
        what = "exact EMD" if reg is None else "the Sinkhorn plan"
        return Transport2D(None, sliced_w1(x, y), f"sliced W1 over 200 directions (approximation; "
                           f"{what} is computed up to {limit} points)", False)
    a, b, m = ot.unif(len(x)), ot.unif(len(y)), ground_cost(x, y)
    if reg is None:
        plan = optimal_plan(a, b, m)
        return Transport2D(plan, plan_cost(plan, m), "exact EMD (network simplex)", True)
    plan = sinkhorn_plan(a, b, m, reg)
    return Transport2D(plan, plan_cost(plan, m), f"Sinkhorn plan, reg = {reg:g} (approximation: B >= W1)", False)

