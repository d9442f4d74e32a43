"""A snapshot of a toy trainer: plain numpy copies of what the toy lab draws.

Taken under the worker's lock, so it must be quick (a few ms): one D pass over a coarse grid, one G
pass over the noise grid, one autograd pass for the gradient arrows, and copies of the histories.
The figures are built from the snapshot after the lock is released.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ganviz.objectives.gan import MMGAN

N_POINTS = 500  # samples drawn per view
N_ARROWS = 80
GRID = 40  # D surface resolution per axis
NOISE_LINES = 9
NOISE_POINTS = 30


@dataclass
class Snapshot:
    step: int
    d_steps: int
    state: str
    error: str | None
    dim: int
    objective: str
    dataset: str
    steps_per_second: float
    real: np.ndarray
    fake: np.ndarray
    surface_label: str
    surface_x: np.ndarray | None = None  # grid axes (2D) or grid (1D)
    surface_y: np.ndarray | None = None
    surface: np.ndarray | None = None
    noise_lines: list[np.ndarray] = field(default_factory=list)
    arrows_from: np.ndarray | None = None
    arrows_to: np.ndarray | None = None
    d_of_fake: np.ndarray | None = None  # D(G(z)) values (probabilities for logistic objectives)
    real_density: tuple[np.ndarray, np.ndarray] | None = None  # 1D: (x, p(x)) exact
    history: dict[str, list] = field(default_factory=dict)
    eval_history: dict[str, list] = field(default_factory=dict)
    last_eval: dict = field(default_factory=dict)
    objective_state: dict = field(default_factory=dict)


def _bounds(real: np.ndarray, fake: np.ndarray, dim: int) -> list[tuple[float, float]]:
    """Plot range: the real data's box, widened to hold most fakes, with a margin."""
    out = []
    for d in range(dim):
        lo, hi = np.percentile(real[:, d], [0, 100])
        if len(fake) and np.isfinite(fake[:, d]).all():
            flo, fhi = np.percentile(fake[:, d], [2, 98])
            lo, hi = min(lo, flo), max(hi, fhi)
        pad = 0.15 * (hi - lo) + 0.1
        out.append((float(lo - pad), float(hi + pad)))
    return out


def _is_probability(trainer) -> bool:
    return isinstance(trainer.objective, MMGAN)  # MMGAN and NSGAN: D = sigmoid(logit)


def _surface(trainer, pts: torch.Tensor) -> np.ndarray:
    view = trainer.view(trainer.to_model(pts))
    if view.energy is not None:
        return view.energy.detach().cpu().numpy()
    s = view.score.detach()
    return (torch.sigmoid(s) if _is_probability(trainer) else s).cpu().numpy()


def surface_label(trainer) -> str:
    if trainer.objective.discriminator == "autoencoder":
        return "energy (reconstruction error)"
    return "D(x)" if _is_probability(trainer) else "critic f(x)"


def take(trainer, state: str = "paused", error: str | None = None) -> Snapshot:
    """Copy what the figures need from ``trainer`` (call under the worker's lock)."""
    real = trainer.eval_real[:N_POINTS].numpy()
    z = trainer.eval_z[:N_POINTS]
    with torch.no_grad():
        fake_t = trainer.sample(z=z)
    fake = fake_t.numpy()
    finite = np.isfinite(fake).all()
    snap = Snapshot(
        step=trainer.step_count, d_steps=trainer.d_step_count, state=state, error=error, dim=trainer.dim,
        objective=trainer.config.objective, dataset=trainer.config.dataset,
        steps_per_second=trainer.steps_per_second, real=real, fake=fake, surface_label=surface_label(trainer),
        history={k: trainer.history.column(k) for k in ("step", "d_loss", "g_loss", "k_t", "m_global")},
        eval_history={k: trainer.eval_history.column(k) for k in ("step", "w1", "js", "js_floor", "modes", "hq")},
        last_eval=dict(trainer.last_eval), objective_state=trainer.objective.state(),
    )
    if not finite:
        return snap
    bounds = _bounds(real, fake, trainer.dim)
    with torch.no_grad():
        if trainer.dim == 2:
            gx = np.linspace(*bounds[0], GRID, dtype=np.float32)
            gy = np.linspace(*bounds[1], GRID, dtype=np.float32)
            xx, yy = np.meshgrid(gx, gy)
            pts = torch.from_numpy(np.stack([xx.ravel(), yy.ravel()], 1))
            snap.surface_x, snap.surface_y = gx, gy
            snap.surface = _surface(trainer, pts).reshape(GRID, GRID)
            snap.noise_lines = _noise_lines(trainer)
        else:
            gx = np.linspace(*bounds[0], 200, dtype=np.float32)
            snap.surface_x = gx
            snap.surface = _surface(trainer, torch.from_numpy(gx).unsqueeze(1))
            if trainer.data.has_density:
                t = torch.from_numpy(gx.astype(np.float64)).unsqueeze(1)
                snap.real_density = (gx, trainer.data.log_prob(t).exp().numpy())
        fake_view = trainer.view(trainer.to_model(fake_t[:N_POINTS]))
        if fake_view.score is not None:
            s = fake_view.score
            snap.d_of_fake = (torch.sigmoid(s) if _is_probability(trainer) else s).cpu().numpy()
        else:
            snap.d_of_fake = fake_view.energy.cpu().numpy()
    snap.arrows_from, snap.arrows_to = _arrows(trainer, fake_t[:N_ARROWS], bounds)
    return snap


def _noise_lines(trainer) -> list[np.ndarray]:
    """Images under G of a grid of lines in the first two latent coordinates (others at 0)."""
    c = trainer.config
    r = 1.0 if c.latent_dist == "uniform" else 2.5
    ticks = torch.linspace(-r, r, NOISE_LINES)
    along = torch.linspace(-r, r, NOISE_POINTS)
    zs = []
    for horizontal in (True, False):
        for t in ticks:
            z = torch.zeros(NOISE_POINTS, c.latent_dim)
            if c.latent_dim == 1:
                z[:, 0] = along
            else:
                z[:, 0], z[:, 1] = (along, t) if horizontal else (t, along)
            zs.append(z)
        if c.latent_dim == 1:
            break
    images = trainer.sample(z=torch.cat(zs)).numpy()  # one pass of G for all lines: 4x cheaper than one each
    return list(images.reshape(len(zs), NOISE_POINTS, -1))


def _arrows(trainer, fake: torch.Tensor, bounds) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Where the generator's loss pushes each sample: -grad_x of the G loss, scaled for display so
    the longest arrow is 8% of the plot's width."""
    if trainer.dim != 2 or fake.shape[0] == 0:
        return None, None
    grad = trainer.g_loss_gradient(fake)
    step = -grad.detach().cpu().numpy()  # direction only: the length is rescaled below
    longest = np.linalg.norm(step, axis=1).max()
    if not math.isfinite(longest) or longest == 0:
        return None, None
    width = bounds[0][1] - bounds[0][0]
    start = fake.numpy()
    return start, start + step * (0.08 * width / longest)
