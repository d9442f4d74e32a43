"""Toy distributions in 1D and 2D, each with a seeded sampler and, where one exists, its exact
log-density.

The 2D mixtures follow the mode-coverage protocol of VEEGAN (Srivastava et al. 2017) and PacGAN
(Lin et al. 2018): ring8 is 8 Gaussians evenly on the unit circle with sigma = 0.01, grid25 is 25
Gaussians at {-4, -2, 0, 2, 4}^2 with sigma = 0.05. Parallel lines is Example 1 of the WGAN paper
(Arjovsky et al. 2017): Z ~ U[0, 1], P_theta = (theta, Z).

Every distribution samples float32 tensors of shape (n, dim) from a ``torch.Generator``, so the
same seed gives the same samples on every machine.

Example:
    >>> d = get_dataset("ring8")
    >>> x = d.sample(4, torch.Generator().manual_seed(0))
    >>> tuple(x.shape), d.dim, len(d.modes)
    ((4, 2), 2, 8)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import ClassVar

import torch

LOG_2PI = math.log(2 * math.pi)


def _generator(seed_or_gen: int | torch.Generator | None) -> torch.Generator:
    if isinstance(seed_or_gen, torch.Generator):
        return seed_or_gen
    g = torch.Generator()
    g.manual_seed(0 if seed_or_gen is None else int(seed_or_gen))
    return g


@dataclass(frozen=True)
class ToyDistribution:
    """Base class: a named distribution on R^dim.

    ``modes`` and ``sigma`` are set for isotropic Gaussian mixtures (used by the mode-coverage
    metric); ``has_density`` says whether ``log_prob`` is exact (False for distributions that live
    on a curve or on points, which have no density on R^dim).
    """

    name: str
    dim: int

    has_density: ClassVar[bool] = True

    @property
    def modes(self) -> torch.Tensor | None:
        return None

    @property
    def sigma(self) -> float | None:
        return None

    def sample(self, n: int, gen: int | torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log-density at x of shape (n, dim); raises where there is none."""
        raise ValueError(f"{self.name} has no density on R^{self.dim}")


@dataclass(frozen=True)
class GaussianMixture(ToyDistribution):
    """Mixture of isotropic Gaussians: p(x) = sum_k w_k N(x; mu_k, s_k^2 I).

    log p(x) = logsumexp_k [log w_k - d/2 log(2 pi s_k^2) - ||x - mu_k||^2 / (2 s_k^2)].
    """

    centres: tuple[tuple[float, ...], ...] = ()
    stds: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    def __post_init__(self):
        k = len(self.centres)
        if k == 0 or len(self.stds) != k or len(self.weights) != k:
            raise ValueError("a mixture needs as many centres, stds and weights, at least one")
        if any(s <= 0 for s in self.stds):
            raise ValueError("every std must be positive")
        if any(w < 0 for w in self.weights) or not math.isclose(sum(self.weights), 1.0, rel_tol=1e-6):
            raise ValueError("weights must be non-negative and sum to 1")

    @property
    def modes(self) -> torch.Tensor:
        return torch.tensor(self.centres, dtype=torch.float32)

    @property
    def sigma(self) -> float | None:
        return self.stds[0] if len(set(self.stds)) == 1 else None

    def sample(self, n, gen=None):
        g = _generator(gen)
        idx = torch.multinomial(torch.tensor(self.weights), n, replacement=True, generator=g)
        mu = self.modes[idx]
        s = torch.tensor(self.stds, dtype=torch.float32)[idx].unsqueeze(1)
        return mu + s * torch.randn(n, self.dim, generator=g)

    def log_prob(self, x):
        x = x.to(torch.float64)
        mu = torch.tensor(self.centres, dtype=torch.float64)
        s2 = torch.tensor(self.stds, dtype=torch.float64) ** 2
        logw = torch.log(torch.tensor(self.weights, dtype=torch.float64))
        d2 = torch.cdist(x, mu) ** 2
        comp = logw - 0.5 * self.dim * (LOG_2PI + torch.log(s2)) - d2 / (2 * s2)
        return torch.logsumexp(comp, dim=1)


@dataclass(frozen=True)
class Uniform1D(ToyDistribution):
    """U[low, high]: log p(x) = -log(high - low) inside, -inf outside."""

    low: float = -1.0
    high: float = 1.0

    def __post_init__(self):
        if not self.high > self.low:
            raise ValueError("uniform needs high > low")

    def sample(self, n, gen=None):
        g = _generator(gen)
        return self.low + (self.high - self.low) * torch.rand(n, 1, generator=g)

    def log_prob(self, x):
        x = x.to(torch.float64)[:, 0]
        inside = (x >= self.low) & (x <= self.high)
        return torch.where(inside, -math.log(self.high - self.low), -math.inf)


@dataclass(frozen=True)
class TwoPoints(ToyDistribution):
    """Two point masses with equal weight: no density on R (the JS between two of these is log 2
    unless the points coincide)."""

    a: float = -1.0
    b: float = 1.0

    has_density = False

    @property
    def atoms(self) -> tuple[float, float]:
        return (self.a, self.b)

    def sample(self, n, gen=None):
        g = _generator(gen)
        pick = torch.rand(n, 1, generator=g) < 0.5
        return torch.where(pick, torch.tensor(self.a), torch.tensor(self.b)).float()


@dataclass(frozen=True)
class ParallelLines(ToyDistribution):
    """WGAN Example 1: (theta, Z) with Z ~ U[0, 1]. Lives on a line, so it has no density on R^2."""

    theta: float = 0.0

    has_density = False

    def sample(self, n, gen=None):
        g = _generator(gen)
        z = torch.rand(n, 1, generator=g)
        return torch.cat([torch.full_like(z, self.theta), z], dim=1)


@dataclass(frozen=True)
class Checkerboard(ToyDistribution):
    """Uniform on the 8 dark squares of a 4x4 board on [-2, 2]^2 (each square of side 1).

    log p(x) = -log 8 on a dark square (total area 8), -inf elsewhere.
    """

    def _dark(self, x):
        i = torch.floor(x[:, 0] + 2)
        j = torch.floor(x[:, 1] + 2)
        inside = (x.abs() <= 2).all(dim=1)
        return inside & ((i + j) % 2 == 0)

    def sample(self, n, gen=None):
        g = _generator(gen)
        square = torch.randint(0, 8, (n,), generator=g)
        row = square // 2
        col = 2 * (square % 2) + (row % 2)
        offset = torch.rand(n, 2, generator=g)
        return torch.stack([col + offset[:, 0] - 2, row + offset[:, 1] - 2], dim=1)

    def log_prob(self, x):
        return torch.where(self._dark(x.to(torch.float64)), -math.log(8.0), -math.inf).double()


@dataclass(frozen=True)
class CurveDistribution(ToyDistribution):
    """Points on a curve plus isotropic Gaussian noise; no closed-form density is given."""

    kind: str = "swiss_roll"
    noise: float = 0.05

    has_density = False

    def sample(self, n, gen=None):
        g = _generator(gen)
        t = torch.rand(n, generator=g)
        if self.kind == "swiss_roll":
            # Spiral of 1.5 turns scaled into roughly [-1.5, 1.5]^2 (as in sklearn's make_swiss_roll).
            a = 1.5 * math.pi * (1 + 2 * t)
            pts = torch.stack([a * torch.cos(a), a * torch.sin(a)], 1) / 10.0
        elif self.kind == "spiral":
            # Two interleaved arms of one turn each.
            arm = (torch.rand(n, generator=g) < 0.5).float() * 2 - 1
            a = 2 * math.pi * t
            r = 0.2 + 1.3 * t
            pts = arm.unsqueeze(1) * torch.stack([r * torch.cos(a), r * torch.sin(a)], 1)
        elif self.kind == "two_moons":
            upper = torch.rand(n, generator=g) < 0.5
            a = math.pi * t
            up = torch.stack([torch.cos(a), torch.sin(a)], 1)
            down = torch.stack([1 - torch.cos(a), 0.5 - torch.sin(a)], 1)
            pts = torch.where(upper.unsqueeze(1), up, down) - torch.tensor([0.5, 0.25])
        elif self.kind == "circles":
            outer = torch.rand(n, generator=g) < 0.5
            r = torch.where(outer, 1.0, 0.5)
            a = 2 * math.pi * t
            pts = r.unsqueeze(1) * torch.stack([torch.cos(a), torch.sin(a)], 1)
        else:
            raise ValueError(f"unknown curve {self.kind!r}")
        return pts + self.noise * torch.randn(n, 2, generator=g)


@dataclass(frozen=True)
class EmpiricalPoints(ToyDistribution):
    """A user's own 2D data set (``ganviz.data.points``): the uniform distribution on its points,
    P = (1/N) sum_i delta_{p_i}. Sampling draws points with replacement, each with probability 1/N;
    point masses have no density on R^2 and no modes to count (mode coverage is not reported; W1
    and JS are). ``points`` is flat: (x0, y0, x1, y1, ...).

    Example:
        >>> d = EmpiricalPoints(OWN, 2, (0.0, 0.0, 1.0, 1.0))
        >>> sorted(set(d.sample(50, torch.Generator().manual_seed(0))[:, 0].tolist()))
        [0.0, 1.0]
    """

    points: tuple[float, ...] = ()

    def __post_init__(self):
        if self.dim != 2 or not self.points or len(self.points) % 2:
            raise ValueError("an own data set needs 2D points, as flat x, y pairs")

    has_density = False

    @functools.cached_property
    def _table(self) -> torch.Tensor:  # converting 200,000 floats per call cost ~10 ms
        return torch.tensor(self.points, dtype=torch.float32).reshape(-1, 2)

    def sample(self, n, gen=None):
        g = _generator(gen)
        return self._table[torch.randint(0, len(self._table), (n,), generator=g)]


def _ring8() -> GaussianMixture:
    centres = tuple((math.cos(2 * math.pi * k / 8), math.sin(2 * math.pi * k / 8)) for k in range(8))
    return GaussianMixture("ring8", 2, centres, (0.01,) * 8, (1 / 8,) * 8)


def _grid25() -> GaussianMixture:
    centres = tuple((float(i), float(j)) for i in (-4, -2, 0, 2, 4) for j in (-4, -2, 0, 2, 4))
    return GaussianMixture("grid25", 2, centres, (0.05,) * 25, (1 / 25,) * 25)


def gaussian_1d(mean: float = 0.0, std: float = 1.0, name: str = "gaussian") -> GaussianMixture:
    """N(mean, std^2) on R."""
    return GaussianMixture(name, 1, ((float(mean),),), (float(std),), (1.0,))


def mixture_1d(
    means: tuple[float, ...] = (-2.0, 2.0), std: float = 0.5, name: str = "mixture"
) -> GaussianMixture:
    """Equal-weight mixture of Gaussians with one std on R."""
    k = len(means)
    return GaussianMixture(name, 1, tuple((float(m),) for m in means), (float(std),) * k, (1 / k,) * k)


# Each entry builds the default version of a data set; the UI and the command line offer these.
DATASETS_2D = {
    "ring8": _ring8,
    "grid25": _grid25,
    "swiss_roll": lambda: CurveDistribution("swiss_roll", 2, "swiss_roll", 0.05),
    "two_moons": lambda: CurveDistribution("two_moons", 2, "two_moons", 0.05),
    "spiral": lambda: CurveDistribution("spiral", 2, "spiral", 0.05),
    "circles": lambda: CurveDistribution("circles", 2, "circles", 0.03),
    "checkerboard": lambda: Checkerboard("checkerboard", 2),
    "parallel_lines": lambda: ParallelLines("parallel_lines", 2, 0.0),
}
DATASETS_1D = {
    "gaussian": lambda: gaussian_1d(0.0, 1.0),
    "mixture": lambda: mixture_1d((-2.0, 2.0), 0.5),
    "uniform": lambda: Uniform1D("uniform", 1, -1.0, 1.0),
    "two_points": lambda: TwoPoints("two_points", 1, -1.0, 1.0),
}
DATASETS = {**DATASETS_2D, **DATASETS_1D}
# The user's own points (drawn or uploaded): not in DATASETS, which are built from a name alone.
OWN = "own"


def get_dataset(name: str, points: tuple[float, ...] = ()) -> ToyDistribution:
    """The default distribution called ``name``, or for ``OWN`` the ``EmpiricalPoints`` of ``points``
    (flat x0, y0, x1, y1, ...); a ValueError lists the allowed names.

    Example:
        >>> get_dataset(OWN, (0.0, 1.0) * 10).sample(3, 0).tolist()
        [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    """
    if name == OWN:
        if not points:
            raise ValueError(f"the dataset {OWN!r} needs points: draw them or upload a CSV")
        return EmpiricalPoints(OWN, 2, tuple(points))
    if points:
        raise ValueError(f"points are the {OWN!r} dataset's; {name!r} is built from its name alone")
    try:
        return DATASETS[name]()
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join([*DATASETS, OWN])}") from None
