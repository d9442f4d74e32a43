"""Distances between distributions: W1 by optimal transport (POT), JS from histograms and exact JS
from known densities.

Conventions (REFERENCE.md): natural logarithms, so 0 <= JS <= log 2, with equality exactly for
disjoint supports. W1 uses a Euclidean ground cost: ``ot.dist`` defaults to the *squared*
Euclidean distance, which would give W2^2 instead.
"""

from __future__ import annotations

import math

import numpy as np
import ot
import torch

# Exact EMD is O(n^3): above this many points per side we subsample (and say so).
EXACT_EMD_MAX_POINTS = 1000


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(-1, 1) if x.ndim == 1 else x


def w1(x, y, *, max_points: int = EXACT_EMD_MAX_POINTS, seed: int = 0) -> float:
    """Earth Mover's distance W1 between two equally weighted sample sets.

    W1(P, Q) = min_gamma sum_ij gamma_ij ||x_i - y_j||_2, rows of gamma summing to 1/n, columns
    to 1/m (Kantorovich; WGAN paper eq. 1). 1D uses the sorted closed form
    (``ot.wasserstein_1d``); higher dimensions solve the exact linear programme (``ot.emd2``) on
    at most ``max_points`` points per side, drawn at random with ``seed``.

    Example:
        >>> w1([0.0, 1.0], [2.0, 3.0])
        2.0
    """
    x, y = _np(x), _np(y)
    if x.shape[1] != y.shape[1]:
        raise ValueError("both sample sets need the same dimension")
    if x.shape[1] == 1:
        return float(ot.wasserstein_1d(x[:, 0], y[:, 0], p=1))
    rng = np.random.default_rng(seed)
    if len(x) > max_points:
        x = x[rng.choice(len(x), max_points, replace=False)]
    if len(y) > max_points:
        y = y[rng.choice(len(y), max_points, replace=False)]
    m = ot.dist(x, y, metric="euclidean")
    return float(ot.emd2(ot.unif(len(x)), ot.unif(len(y)), m, numItermax=1_000_000))


def js_from_probs(p: np.ndarray, q: np.ndarray) -> float:
    """JS(P, Q) = 1/2 KL(P || M) + 1/2 KL(Q || M), M = (P + Q) / 2, for probability vectors.

    Example:
        >>> round(js_from_probs(np.array([1.0, 0.0]), np.array([0.0, 1.0])), 6) == round(math.log(2), 6)
        True
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    m = 0.5 * (p + q)

    def kl(a):
        nz = a > 0
        return float(np.sum(a[nz] * np.log(a[nz] / m[nz])))

    return 0.5 * kl(p) + 0.5 * kl(q)


def histogram_js(x, y, bins: int = 20, bounds=None) -> tuple[float, float]:
    """JS estimate from histograms on one shared grid, and its noise floor.

    Both sample sets are binned on the same grid of ``bins`` per axis (over ``bounds``, or the
    range of both sets). The plug-in estimate is biased upwards by about (K - 1) / (4 n) nats for
    K non-empty bins and n samples per set, even when P = Q; that bias is returned as the floor
    below which the estimate means nothing.

    Returns (js_estimate, noise_floor).
    """
    x, y = _np(x), _np(y)
    both = np.concatenate([x, y])
    finite = np.isfinite(both).all(axis=1)
    if not finite.all():
        raise ValueError("samples contain NaN or inf")
    if bounds is None:
        bounds = [(both[:, d].min(), both[:, d].max() + 1e-9) for d in range(x.shape[1])]
    hx, _ = np.histogramdd(x, bins=bins, range=bounds)
    hy, _ = np.histogramdd(y, bins=bins, range=bounds)
    p, q = hx.ravel() / max(hx.sum(), 1), hy.ravel() / max(hy.sum(), 1)
    k = int(((p + q) > 0).sum())
    n = min(len(x), len(y))
    return js_from_probs(p, q), (k - 1) / (4 * n)


def js_exact_1d(log_p, log_q, lo: float, hi: float, n_grid: int = 200_001) -> float:
    """Exact JS between two 1D densities by numerical integration on [lo, hi].

    JS = 1/2 int p log(2p / (p + q)) + 1/2 int q log(2q / (p + q)); the trapezoid rule on a fine
    grid (pass bounds that hold all the mass of both).
    """
    t = torch.linspace(lo, hi, n_grid, dtype=torch.float64).unsqueeze(1)
    # Work in log space: far in the tails p and m underflow together, and p / m would be 0 / 0.
    lp, lq = log_p(t).double(), log_q(t).double()
    lm = torch.logaddexp(lp, lq) - math.log(2)
    fp = torch.where(torch.isfinite(lp), lp.exp() * (lp - lm), 0.0).numpy()
    fq = torch.where(torch.isfinite(lq), lq.exp() * (lq - lm), 0.0).numpy()
    grid = t[:, 0].numpy()
    return float(0.5 * np.trapezoid(fp, grid) + 0.5 * np.trapezoid(fq, grid))


def js_monte_carlo(p, q, n: int = 200_000, seed: int = 0) -> float:
    """Exact-density Monte Carlo JS for two distributions with ``sample`` and ``log_prob``.

    JS = 1/2 E_P[log p - log m] + 1/2 E_Q[log q - log m], m = (p + q)/2, log m computed as
    logaddexp(log p, log q) - log 2. Unbiased, with standard error ~ 1/sqrt(n).
    """
    g = torch.Generator().manual_seed(seed)
    xs, ys = p.sample(n, g), q.sample(n, g)

    def term(s, own):
        lp, lq = p.log_prob(s).double(), q.log_prob(s).double()
        lm = torch.logaddexp(lp, lq) - math.log(2)
        return float(((lp if own == "p" else lq) - lm).mean())

    return 0.5 * term(xs, "p") + 0.5 * term(ys, "q")
