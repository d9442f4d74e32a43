"""Points, directions and paths in a generator's latent space, and BigGAN's truncation trick.

These make latent codes z; what a generator draws from them is judged in ``ganviz.metrics.quality``.
BEGAN's latent is the cube U[-1, 1]^h, BigGAN's the normal N(0, I).

- lerp and slerp (Shoemake 1985; White 2016, "Sampling generative networks"): paths between two codes;
  slerp follows the great circle and keeps the norm near that of the ends.
- walk_grid: a 2D grid of codes around z0 along two directions.
- truncate (Brock, Donahue & Simonyan 2019): resample every component whose magnitude exceeds a
  threshold, trading diversity for fidelity, for the uniform cube or the normal latent N(0, I).
- class_embeddings and sample_embedded: a class-conditional BigGAN drawn between two classes, its
  shared class embedding e(y) moved from one class's to the other's at a fixed z.

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


def truncated_points(h: int, n: int, threshold: float, seed: int = 1000, dist: str = "uniform") -> torch.Tensor:
    """(n, h): ``n`` points of the latent ``dist`` (point i is ``latent_point(h, seed + i, dist)``)
    truncated at ``threshold`` (``math.inf``: untouched) with a generator seeded by ``seed``: the
    same arguments give the same points, whatever ran before.

    >>> torch.equal(truncated_points(8, 4, 0.3), truncated_points(8, 4, 0.3))
    True
    >>> z, untouched = truncated_points(8, 4, 0.5, dist="normal"), truncated_points(8, 4, math.inf, dist="normal")
    >>> bool(z.abs().max() <= 0.5), torch.equal(untouched[2], latent_point(8, 1002, "normal"))
    (True, True)
    """
    z = torch.stack([latent_point(h, seed + i, dist) for i in range(n)])
    return truncate(z, threshold, gen=torch.Generator().manual_seed(int(seed)), dist=dist)


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


def latent_point(h: int, seed: int, dist: str = "uniform") -> torch.Tensor:
    """A latent point fixed by ``seed``: z ~ U[-1, 1]^h (BEGAN's cube) or, ``dist="normal"``, z ~ N(0, I_h)."""
    gen = torch.Generator().manual_seed(int(seed))
    return torch.randn(h, generator=gen) if dist == "normal" else torch.rand(h, generator=gen) * 2 - 1


def latent_directions(h: int, seed: int, k: int = 2) -> list[torch.Tensor]:
    """``k`` random directions of length sqrt(h) / 2 (half the cube's typical radius), fixed by ``seed``."""
    g = torch.Generator().manual_seed(int(seed))
    return [torch.nn.functional.normalize(torch.randn(h, generator=g), dim=0) * h ** 0.5 / 2 for _ in range(k)]


def class_embeddings(trainer, a: int, b: int, steps: int) -> torch.Tensor:
    """(steps, E): (1 - t) e(a) + t e(b) for t evenly in [0, 1], e the shared class embedding of a
    class-conditional run's sampling generator (BigGAN, ``ganviz.nets.biggan``): a path from class a
    to class b through the space every block's conditional batch norm reads."""
    table = _sampler(trainer).shared.weight.detach().cpu()
    return lerp(table[a], table[b], steps)


@torch.no_grad()
def sample_embedded(trainer, z: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
    """``trainer.sample(z=z, y=y)`` with the class embeddings e (N, E) in place of e(y): images on
    the CPU in data space, from the run's sampling generator (the EMA one when it is on), its batch
    norms on their running statistics."""
    net = _sampler(trainer)
    net.eval()
    try:
        return net.from_embedding(z.to(trainer.device), e.to(trainer.device)).float().cpu() * trainer.scale
    finally:
        net.train()


def _sampler(trainer):
    net = trainer.G_ema if trainer.G_ema is not None else trainer.G
    if not hasattr(net, "from_embedding"):
        raise ValueError(f"arch {trainer.config.arch} has no shared class embedding: pick a BigGAN run")
    return net
