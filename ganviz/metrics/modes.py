"""Mode coverage as in VEEGAN (Srivastava et al. 2017, Sec. 5.1) and PacGAN (Lin et al. 2018).

For a mixture of isotropic Gaussians with centres mu_k and one std sigma:
- a sample x is high quality (HQ) when min_k ||x - mu_k|| <= 3 sigma;
- mode k is captured when at least one HQ sample has mu_k as its nearest centre;
- the mode histogram counts HQ samples per nearest mode; its KL to uniform is
  KL(p || U) = sum_k p_k log(p_k K), with 0 log 0 = 0 (and log K when no sample is HQ).

Example (every sample on a centre, two of the four modes hit):
    >>> c = torch.tensor([[0., 0.], [1., 0.], [0., 1.], [1., 1.]])
    >>> r = mode_coverage(c[:2].repeat(5, 1), c, sigma=0.01)
    >>> r.modes_captured, r.hq_fraction, round(r.kl_to_uniform, 4)
    (2, 1.0, 0.6931)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ModeCoverage:
    modes_captured: int
    n_modes: int
    hq_fraction: float
    kl_to_uniform: float


def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, sigma: float) -> ModeCoverage:
    """Modes captured, fraction of HQ samples and KL(mode histogram || uniform); see module doc."""
    samples = torch.as_tensor(samples, dtype=torch.float32)
    if samples.ndim != 2 or samples.shape[1] != centres.shape[1]:
        raise ValueError(f"samples must have shape (n, {centres.shape[1]})")
    finite = torch.isfinite(samples).all(dim=1)
    dist = torch.cdist(samples[finite], centres.float())
    nearest_d, nearest = dist.min(dim=1)
    hq = nearest_d <= 3 * sigma
    k = centres.shape[0]
    counts = torch.bincount(nearest[hq], minlength=k).double()
    n_hq = counts.sum().item()
    if n_hq == 0:
        kl = math.log(k)
    else:
        p = counts / n_hq
        nz = p > 0
        kl = float((p[nz] * torch.log(p[nz] * k)).sum())
    return ModeCoverage(
        modes_captured=int((counts > 0).sum()),
        n_modes=k,
        hq_fraction=n_hq / max(samples.shape[0], 1),
        kl_to_uniform=kl,
    )


def mean_and_se(values: list[float]) -> tuple[float, float]:
    """Mean and standard error s / sqrt(k) (sample std, k - 1 in the denominator; 0 for one value).

    Example:
        >>> mean_and_se([1.0, 3.0])
        (2.0, 1.0)
    """
    k = len(values)
    if k == 0:
        raise ValueError("no values")
    mean = sum(values) / k
    if k == 1:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in values) / (k - 1)
    return mean, math.sqrt(var / k)
