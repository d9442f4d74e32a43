"""The optimal discriminator on 1D data and the critic's gradient norm at WGAN-GP's interpolates.

- Optimal discriminator (Goodfellow et al. 2014, Prop. 1 and Fig. 1): for a fixed generator, the D
  maximising E_data[log D(x)] + E_g[log(1 - D(x))] is D*(x) = p_data(x) / (p_data(x) + p_g(x)).
  p_data is the data set's exact density; p_g is unknown and estimated from G's samples by a
  Gaussian kernel density estimate p_g(x) ~ (1 / (n h)) sum_i phi((x - x_i) / h), with Silverman's
  rule of thumb h = 0.9 min(s, IQR / 1.34) n^(-1/5) (Silverman 1986, eq. 3.31).
- Gradient penalty (Gulrajani et al. 2017): lambda E[(||grad f(x_hat)||_2 - 1)^2] at
  x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1] per sample; ``interpolate_grad_norms`` returns the
  ||grad f(x_hat)||_2 the penalty pulls to 1.

Example (D* = 3/4 where the data is three times as dense as the generator's, 1/2 where both are equal, undefined where
both are 0; f(x) = 3x has gradient norm 3 everywhere):
    >>> import torch
    >>> optimal_discriminator(np.array([0.75, 0.1, 0.0]), np.array([0.25, 0.1, 0.0])).tolist()
    [0.75, 0.5, nan]
    >>> interpolate_grad_norms(lambda v: 3 * v.squeeze(1), torch.ones(4, 1), -torch.ones(4, 1)).tolist()
    [3.0, 3.0, 3.0, 3.0]
"""

from __future__ import annotations

import math

import numpy as np
import torch

KDE_NAME = "Gaussian KDE, Silverman's rule h = 0.9 min(s, IQR/1.34) n^(-1/5)"


def silverman_bandwidth(samples) -> float:
    """Silverman's rule of thumb h = 0.9 min(s, IQR / 1.34) n^(-1/5) (s the sample standard
    deviation); falls back to s, then to 1e-3 of the data's scale, for samples with IQR 0.

    Example (0..4: s = 1.58, IQR / 1.34 = 2 / 1.34 = 1.49, so h = 0.9 * 1.49 * 5^(-1/5)):
        >>> round(silverman_bandwidth(np.array([0.0, 1.0, 2.0, 3.0, 4.0])), 4)
        0.9736
    """
    x = np.asarray(samples, np.float64).ravel()
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return 1.0
    s = float(x.std(ddof=1))
    q75, q25 = np.percentile(x, [75, 25])
    spread = min(s, (q75 - q25) / 1.34) or s
    return float(0.9 * (spread or 1e-3 * (abs(float(x.mean())) + 1.0)) * len(x) ** (-0.2))


def gaussian_kde(samples, grid, bandwidth: float | None = None) -> tuple[np.ndarray, float]:
    """(p_hat on ``grid``, h): the Gaussian kernel density estimate of 1D ``samples`` with bandwidth
    h (Silverman's rule when None). Non-finite samples are left out.

    Example (one sample at 0, h = 1: the standard normal density):
        >>> p, h = gaussian_kde(np.array([0.0]), np.array([0.0, 1.0]), bandwidth=1.0)
        >>> [round(float(v), 4) for v in p], h
        ([0.3989, 0.242], 1.0)
    """
    x = np.asarray(samples, np.float64).ravel()
    x = x[np.isfinite(x)]
    g = np.asarray(grid, np.float64).ravel()
    h = float(bandwidth) if bandwidth else silverman_bandwidth(x)
    if len(x) == 0:
        return np.zeros_like(g), h
    u = (g[:, None] - x[None, :]) / h
    return np.exp(-0.5 * u * u).sum(axis=1) / (len(x) * h * math.sqrt(2 * math.pi)), h


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) pointwise; nan where both densities are 0 (D* is
    undefined there: neither distribution puts mass there)."""
    pd, pg = np.asarray(p_data, np.float64), np.asarray(p_g, np.float64)
    total = pd + pg
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, pd / np.where(total > 0, total, 1.0), np.nan)


def interpolate_grad_norms(score_fn, real: torch.Tensor, fake: torch.Tensor,
                           gen: torch.Generator | None = None) -> np.ndarray:
    """||grad f(x_hat)||_2 at x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1] per pair, in the space
    ``score_fn`` sees (the networks' scale, where the penalty is taken). ``score_fn`` must give
    per-sample scores (row i depending on x_i alone)."""
    n = min(real.shape[0], fake.shape[0])
    eps = torch.rand(n, 1, generator=gen, device=real.device, dtype=real.dtype)
    x_hat = (eps * real[:n] + (1 - eps) * fake[:n]).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(score_fn(x_hat).sum(), x_hat)
    return grad.norm(dim=1).detach().cpu().numpy()
