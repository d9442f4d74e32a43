"""Mode coverage on stacked digits: 1,000 modes (Unrolled GAN, Metz et al. 2017, Sec. 3.3.2;
VEEGAN, Srivastava et al. 2017, Table 2; PacGAN, Lin et al. 2018, Table 2).

A sample x of shape (3, S, S) has the mode m(x) = 100 a + 10 b + c, where a, b and c are the digit
classifier's classes of its three channels, each channel classified alone as a grey digit (as the
papers do: no 3-channel classifier). Over n samples with mode counts n_k (K = 1,000 modes):
- modes captured = #{k : n_k >= 1};
- KL(q || U) = sum_k q_k log(q_k K), q_k = n_k / n, in nats, 0 log 0 = 0: 0 for a uniform
  histogram, log K = 6.908 when every sample has one mode;
- channel classes: per channel, how many of the 10 digits appear at all.
The papers draw n = 26,000 samples (VEEGAN; Unrolled GAN 25,600).

Even a perfect generator misses modes and has KL > 0 at finite n. Samples whose modes follow p
have binomial counts n_k ~ Bin(n, p_k), so E[modes] = sum_k 1 - (1 - p_k)^n and
E[KL] = log K + sum_k E[(n_k / n) log(n_k / n)], both exact (``expected_coverage``); for uniform p
and n = 26,000: 1,000 modes and KL 0.0193 (about (K - 1) / (2 n), the chi-square approximation).

Example (two modes, equally often: KL = log(1000 / 2)):
    >>> r = coverage_of_triples(torch.tensor([[1, 2, 3], [4, 5, 6]]).repeat(3, 1))
    >>> r.modes_captured, round(r.kl_to_uniform, 4), round(math.log(500), 4), r.channel_classes
    (2, 6.2146, 6.2146, (2, 2, 2))
    >>> modes, kl = expected_coverage(torch.full((1000,), 1e-3), 26_000)
    >>> round(modes, 3), round(kl, 4)
    (1000.0, 0.0193)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

MODES = 1000
SAMPLES = 26_000  # the papers' count


@dataclass(frozen=True)
class StackedCoverage:
    modes_captured: int
    n_modes: int
    kl_to_uniform: float
    channel_classes: tuple[int, int, int]
    samples: int


def coverage_of_triples(triples: torch.Tensor) -> StackedCoverage:
    """Modes captured, KL(mode histogram || uniform) and classes per channel of (n, 3) classes 0..9."""
    triples = torch.as_tensor(triples)
    if triples.ndim != 2 or triples.shape[1] != 3 or len(triples) == 0:
        raise ValueError(f"expected (n, 3) digit classes with n >= 1, got shape {tuple(triples.shape)}")
    if triples.dtype.is_floating_point or int(triples.min()) < 0 or int(triples.max()) > 9:
        raise ValueError("digit classes must be whole numbers 0..9")
    modes = 100 * triples[:, 0] + 10 * triples[:, 1] + triples[:, 2]
    q = torch.bincount(modes, minlength=MODES).double() / len(modes)
    nz = q > 0
    kl = float((q[nz] * torch.log(q[nz] * MODES)).sum()) + 0.0  # + 0.0: no "-0.0" when uniform
    classes = tuple(int(torch.unique(triples[:, j]).numel()) for j in range(3))
    return StackedCoverage(int(nz.sum()), MODES, max(kl, 0.0), classes, len(modes))


@torch.no_grad()
def classify_channels(images: torch.Tensor, classifier, batch: int = 4096) -> torch.Tensor:
    """The classifier's digit (argmax) for each channel of (n, 3, S, S) images: (n, 3) classes."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"stacked digits are (n, 3, S, S) images, got shape {tuple(images.shape)}")
    n, _, h, w = images.shape
    grey = images.reshape(n * 3, 1, h, w)  # row 3 i + j is channel j of image i
    return classifier.probabilities(grey, batch=batch).argmax(dim=1).reshape(n, 3)


def stacked_coverage(images: torch.Tensor, classifier) -> StackedCoverage:
    """``coverage_of_triples`` of the classifier's per-channel classes of (n, 3, S, S) images."""
    return coverage_of_triples(classify_channels(images, classifier))


def generator_coverage(sample: Callable[[int], torch.Tensor], classifier, n: int = SAMPLES,
                       chunk: int = 2000, progress: Callable[[int, int], None] | None = None) -> StackedCoverage:
    """The coverage of n samples drawn as ``sample(m)``, m <= ``chunk`` at a time so that memory
    stays bounded; ``progress(done, n)`` after each chunk."""
    if n < 1:
        raise ValueError(f"samples must be >= 1, got {n!r}")
    parts, done = [], 0
    while done < n:
        m = min(chunk, n - done)
        parts.append(classify_channels(sample(m), classifier))
        done += m
        if progress is not None:
            progress(done, n)
    return coverage_of_triples(torch.cat(parts))


def expected_coverage(p, n: int) -> tuple[float, float]:
    """(E[modes captured], E[KL to uniform]) of n samples whose modes are drawn from p (K entries
    summing to 1), exact over the binomial counts n_k ~ Bin(n, p_k); see the module doc."""
    p = torch.as_tensor(p, dtype=torch.float64)
    if p.ndim != 1 or bool((p < 0).any()) or abs(float(p.sum()) - 1) > 1e-6 or n < 1:
        raise ValueError("p must be K probabilities summing to 1, and n >= 1")
    p = p / p.sum()  # float32 shares sum to 1 only to rounding
    x = torch.arange(n + 1, dtype=torch.float64)
    log_choose = math.lgamma(n + 1) - torch.lgamma(x + 1) - torch.lgamma(n - x + 1)
    q = x / n
    q_log_q = torch.where(x > 0, q * torch.log(q.clamp_min(1e-300)), torch.zeros_like(q))
    values, counts = torch.unique(p[p > 0], return_counts=True)  # one binomial per distinct p_k
    modes = entropy_term = 0.0
    for v, c in zip(values.tolist(), counts.tolist()):
        pmf = torch.exp(log_choose + x * math.log(v) + (n - x) * math.log1p(-v)) if v < 1 else (x == n).double()
        entropy_term += c * float(pmf @ q_log_q)
        modes += c * (1 - (1 - v) ** n)
    return modes, math.log(len(p)) + entropy_term


def perfect(n: int = SAMPLES) -> dict:
    """What a generator drawing the 1,000 modes uniformly scores on n samples (expected modes and KL):
    the floor a run's numbers are read against.

    Example:
        >>> perfect(26_000)
        {'modes': 1000.0, 'kl': 0.0193}
    """
    modes, kl = expected_coverage([1 / MODES] * MODES, n)
    return {"modes": round(modes, 1), "kl": round(kl, 4)}
