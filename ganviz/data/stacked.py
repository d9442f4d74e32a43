"""Stacked digits: three digits as the three channels of one image, 1,000 modes.

The image mode-coverage benchmark of Unrolled GAN (Metz et al. 2017, Sec. 3.3.2), VEEGAN
(Srivastava et al. 2017, Table 2) and PacGAN (Lin et al. 2018, Table 2), built here from
scikit-learn's 1,797 bundled digits instead of MNIST. A pool image is (a, b, c) stacked as
channels (red = a, green = b, blue = c) and its label, its mode, is 100 a + 10 b + c.

The pool is balanced: each of the 1,000 triples of classes appears n / 1,000 times (n a multiple of
1,000), every channel a digit drawn at random from that class. So the pool's mode histogram is
exactly uniform, and what a measure finds on samples drawn from it is sampling noise alone
(``ganviz.metrics.stacked.expected_coverage``). A fixed seed makes the pool the same on every
machine that runs the same torch.

Example:
    >>> d = load_stacked(size=16, n=2000)
    >>> tuple(d.images.shape), d.labels[:3].tolist(), int(d.labels.bincount(minlength=MODES).min())
    ((2000, 3, 16, 16), [44, 1, 723], 2)
"""

from __future__ import annotations

import torch

from ganviz.data.images import ImageSet, load_digits

MODES = 1000  # 10 classes in each of 3 channels
POOL = 20_000  # 20 images per mode; the papers' pools are MNIST-sized, ours is bounded by memory
SEED = 0


def stacked_indices(labels: torch.Tensor, n: int = POOL, seed: int = SEED) -> torch.Tensor:
    """(n, 3) indices into the digits with ``labels``: row i holds a digit of each class of its mode.

    Modes are ``arange(n) % 1000`` shuffled, so each appears n // 1000 or n // 1000 + 1 times; each
    channel's digit is drawn uniformly from the digits of its class.
    """
    if n < 1:
        raise ValueError(f"a stacked pool needs at least 1 image, got n={n!r}")
    gen = torch.Generator().manual_seed(seed)
    modes = (torch.arange(n) % MODES)[torch.randperm(n, generator=gen)]
    classes = torch.stack([modes // 100, modes // 10 % 10, modes % 10], dim=1)
    idx = torch.empty_like(classes)
    for c in range(10):
        members = torch.nonzero(labels == c).flatten()
        where = classes == c
        idx[where] = members[torch.randint(len(members), (int(where.sum()),), generator=gen)]
    return idx


def load_stacked(size: int = 16, n: int = POOL, seed: int = SEED) -> ImageSet:
    """The stacked-digits pool: (n, 3, size, size) images in [-1, 1], labels 100 a + 10 b + c."""
    digits = load_digits(size)
    idx = stacked_indices(digits.labels, n, seed)
    images = digits.images[:, 0][idx]  # (n, 3, S, S): channel j is digit idx[:, j]
    labels = digits.labels[idx]
    modes = 100 * labels[:, 0] + 10 * labels[:, 1] + labels[:, 2]
    return ImageSet(images.contiguous(), modes,
                    f"stacked digits ({n:,} triples of scikit-learn's digits as RGB, {MODES:,} modes)")
