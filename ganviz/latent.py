"""Points, directions and paths in a generator's latent space, and BigGAN's truncation trick.

These make latent codes z; what a generator draws from them is judged in ``ganviz.metrics.quality``.
BEGAN's latent is the cube U[-1, 1]^h.

- lerp and slerp (Shoemake 1985; White 2016, "Sampling generative networks"): paths between two codes;
  slerp follows the great circle and keeps the norm near that of the ends.
- walk_grid: a 2D grid of codes around z0 along two directions.
- truncate (Brock, Donahue & Simonyan 2019): resample every component whose magnitude exceeds a
  threshold, trading diversity for fidelity, for the uniform cube or the normal latent N(0, I).

Example:
    >>> z0, z1 = latent_point(8, 0), latent_point(8, 1)
    >>> path = slerp(z0, z1, 5)
    >>> tuple(path.shape), torch.equal(path[0], z0)
    ((5, 8), True)
"""

from __future__ import annotations

import math

import torch


def truncate(z: torch.Tensor, threshold: float, low: float = -1.0, high: float = 1.0,
             gen: torch.Generator | None = None, max_rounds: int = 1000, dist: str = "uniform") -> torch.Tensor:
    """BigGAN's truncation trick (Brock et al. 2019, Sec. 3.1): redraw every component with
    |z_i| > threshold from the latent's own distribution until it falls inside, so each component
    follows that distribution conditioned on |z_i| <= threshold (for N(0, 1), the truncated normal).

    ``dist`` is the latent's: "uniform" for z ~ U[low, high] (a threshold >= max(|low|, |high|)
    changes nothing) or "normal" for z ~ N(0, 1) (``low`` and ``high`` unused; a threshold above
    every |z_i| changes nothing). A lower threshold gives samples nearer the mode of the latent:
    higher fidelity, less variety. Only the redrawn components take numbers from ``gen``.

    >>> gen = torch.Generator().manual_seed(0)
    >>> z = truncate(torch.rand(1000, 8) * 2 - 1, 0.25, gen=gen)
    >>> bool(z.abs().max() <= 0.25)
    True
    >>> z = torch.randn(1000, 8, generator=gen)
    >>> bool(truncate(z, 0.5, gen=gen, dist="normal").abs().max() <= 0.5), torch.equal(truncate(z, 10.0, dist="normal"), z)
    (True, True)
    """
    if not threshold > 0:
        raise ValueError(f"the truncation threshold must be > 0, got {threshold!r}")
    if dist not in ("uniform", "normal"):
        raise ValueError(f"unknown latent distribution {dist!r}; choose one of: uniform, normal")
    z = z.clone()
    for _ in range(max_rounds):
        bad = z.abs() > threshold
        if not bad.any():
            return z
        if dist == "normal":
            fresh = torch.randn(int(bad.sum()), generator=gen, device=z.device, dtype=z.dtype)
        else:
            fresh = torch.rand(int(bad.sum()), generator=gen, device=z.device, dtype=z.dtype) * (high - low) + low
        z[bad] = fresh
    raise RuntimeError("truncation did not converge; use a larger threshold")


def truncated_points(h: int, n: int, threshold: float, seed: int = 1000) -> torch.Tensor:
    """(n, h): ``n`` points of BEGAN's latent cube U[-1, 1]^h (point i is ``latent_point(h, seed + i)``)
    truncated at ``threshold`` with a generator seeded by ``seed``: the same arguments give the
    same points, whatever ran before.

    >>> torch.equal(truncated_points(8, 4, 0.3), truncated_points(8, 4, 0.3))
    True
    """
    z = torch.stack([latent_point(h, seed + i) for i in range(n)])
    return truncate(z, threshold, gen=torch.Generator().manual_seed(int(seed)))


def lerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """(steps, h): (1 - t) z0 + t z1 for t evenly in [0, 1]."""
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device)[:, None]
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """(steps, h): sin((1-t) w)/sin(w) z0 + sin(t w)/sin(w) z1, w the angle between z0 and z1;
    it keeps the norm of the path near that of the ends (a straight line cuts through the middle,
    where few latent codes live). Falls back to ``lerp`` for (anti)parallel ends.

    >>> p = slerp(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]), 3)
    >>> [round(float(v), 4) for v in p[1]]
    [0.7071, 0.7071]
    """
    cos = float(torch.dot(z0, z1) / (z0.norm() * z1.norm()).clamp_min(1e-12))
    omega = math.acos(max(-1.0, min(1.0, cos)))
    if math.sin(omega) < 1e-6:
        return lerp(z0, z1, steps)
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device)[:, None]
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / math.sin(omega)


def walk_grid(z0: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor, steps: int, scale: float) -> torch.Tensor:
    """(steps * steps, h): z0 + a d1 + b d2 for a, b evenly in [-scale, scale], row by row,
    clipped to the latent box [-1, 1]."""
    a = torch.linspace(-scale, scale, steps, dtype=z0.dtype, device=z0.device)
    grid = z0 + a[:, None, None] * d1 + a[None, :, None] * d2
    return grid.reshape(steps * steps, -1).clamp(-1, 1)


def latent_point(h: int, seed: int) -> torch.Tensor:
    """A point of BEGAN's latent cube, z ~ U[-1, 1]^h, fixed by ``seed``."""
    return torch.rand(h, generator=torch.Generator().manual_seed(int(seed))) * 2 - 1


def latent_directions(h: int, seed: int, k: int = 2) -> list[torch.Tensor]:
    """``k`` random directions of length sqrt(h) / 2 (half the cube's typical radius), fixed by ``seed``."""
    g = torch.Generator().manual_seed(int(seed))
    return [torch.nn.functional.normalize(torch.randn(h, generator=g), dim=0) * h ** 0.5 / 2 for _ in range(k)]
