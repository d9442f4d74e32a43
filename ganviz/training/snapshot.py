"""A snapshot of a toy trainer: plain numpy copies of what the toy lab draws.

Taken under the worker's lock, so it must be quick (a few ms): one D pass over a coarse grid, one G
pass over the noise grid, one autograd pass for the gradient arrows, and copies of the histories.
The figures are built from the snapshot after the lock is released.

Watching never changes the run: ``take`` puts G, its EMA copy and D in eval mode while it looks
(spectral norm's power iteration advances u on every training-mode forward) and restores their
modes, and it draws no random numbers from the trainer's generator.

The arrows are the generator's push -grad_x L_G at each sample, kept in data units
(``arrows_push``). Their length on screen is ``arrow_scale`` plot units per unit of |grad_x L_G|:
one number fixed for a whole run (``RunArrowScale`` picks it from the run's first frame at or after
step ``ARROW_FIX_STEP``; the toy lab holds one and shares it between runs A and B), so a loss that
saturates draws shrinking arrows. Every picture draws a key arrow with the value it stands for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from ganviz.metrics.divergence import w1_noise_floor_of
from ganviz.metrics.optimal_d import KDE_NAME, gaussian_kde, interpolate_grad_norms, optimal_discriminator

N_POINTS = 500  # samples drawn per view
W1_POINTS = 500  # the trainer's W1 compares this many generated and real points (Trainer.evaluate)
N_ARROWS = 80
ARROW_FRACTION = 0.08  # the longest arrow of the frame that fixes a run's scale: 8% of the plot's width
# The scale is fixed at the first frame at or after this step: at step 0 D is random and nearly flat
# (its push is ~100x weaker than 50 steps later), so a scale taken there would draw every later arrow
# across the whole plot. Earlier frames are drawn on their own scale; the key arrow always says which.
ARROW_FIX_STEP = 100
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
    arrows_from: np.ndarray | None = None  # the samples the arrows start at (data units)
    arrows_push: np.ndarray | None = None  # -grad_x of the G loss at each of them, per sample (``push``)
    arrow_scale: float | None = None  # plot units per unit of |grad_x L_G|: the arrows' length scale
    d_of_fake: np.ndarray | None = None  # D(G(z)) values (probabilities for logistic objectives)
    real_density: tuple[np.ndarray, np.ndarray] | None = None  # 1D: (x, p(x)) exact
    history: dict[str, list] = field(default_factory=dict)
    eval_history: dict[str, list] = field(default_factory=dict)
    last_eval: dict = field(default_factory=dict)
    objective_state: dict = field(default_factory=dict)
    w1_floor: float = math.nan  # W1 between two samples of the data itself at the W1 curve's n
    # 1D with D = sigmoid(logit) and a data set with a density: D*(x) = p_data / (p_data + p_g) on
    # surface_x, p_g a KDE of the generated samples (its estimator and bandwidth in d_star_note).
    d_star: np.ndarray | None = None
    fake_density: np.ndarray | None = None  # that KDE of p_g on surface_x
    d_star_note: str = ""
    # WGAN-GP: ||grad f(x_hat)|| at interpolates of the shown real and generated samples (networks' scale).
    gp_grad_norms: np.ndarray | None = None

    @property
    def arrows_to(self) -> np.ndarray | None:
        """Where each arrow ends: its sample plus ``arrow_scale`` times its push."""
        if self.arrows_from is None or self.arrows_push is None or not self.arrow_scale:
            return None
        return self.arrows_from + self.arrows_push * self.arrow_scale

    @property
    def mean_push(self) -> float:
        """Mean |grad_x L_G| over the arrows' samples (nan without arrows)."""
        if self.arrows_push is None or len(self.arrows_push) == 0:
            return math.nan
        return float(np.linalg.norm(self.arrows_push, axis=1).mean())


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
    return trainer.objective.output == "logit"  # D = sigmoid(logit)


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


def take(trainer, state: str = "paused", error: str | None = None, arrow_scale: float | None = None) -> Snapshot:
    """Copy what the figures need from ``trainer`` (call under the worker's lock). ``arrow_scale``
    is the run's fixed arrow scale; without it the scale is this frame's own (``arrow_scale_for``).
    Every network's train/eval mode is restored, so a watched run trains exactly as a headless one."""
    nets = [m for m in (trainer.G, trainer.G_ema, trainer.D) if m is not None]
    modes = [m.training for m in nets]
    for m in nets:
        m.eval()  # spectral norm: no power iteration, u and v stay as training left them
    try:
        snap = _take(trainer, state, error)
    finally:
        for m, was in zip(nets, modes):
            m.train(was)
    if snap.arrows_push is not None:
        snap.arrow_scale = arrow_scale if arrow_scale else arrow_scale_for([snap])
    return snap


def w1_floor(dataset: str, points: tuple[float, ...] = (), n_real: int = W1_POINTS) -> float:
    """W1's noise floor for the trainer's W1 on ``dataset`` with ``n_real`` evaluation points
    (``w1_noise_floor_of``: five exact W1s at n = 500, ~0.25 s, then cached in this process).

    Example (ring8's floor at n = 500, as ``w1_noise_floor`` says):
        >>> round(w1_floor("ring8"), 2)
        0.08
    """
    return w1_noise_floor_of(dataset, min(W1_POINTS, n_real), tuple(points))


def _take(trainer, state: str, error: str | None) -> Snapshot:
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
        w1_floor=w1_floor(trainer.config.dataset, trainer.config.points, len(trainer.eval_real)),
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
                if _is_probability(trainer):
                    snap.fake_density, h = gaussian_kde(fake[:, 0], gx)
                    snap.d_star = optimal_discriminator(snap.real_density[1], snap.fake_density)
                    snap.d_star_note = f"p_g: {KDE_NAME} = {h:.3g}, on {len(fake)} samples"
        fake_view = trainer.view(trainer.to_model(fake_t[:N_POINTS]))
        if fake_view.score is not None:
            s = fake_view.score
            snap.d_of_fake = (torch.sigmoid(s) if _is_probability(trainer) else s).cpu().numpy()
        else:
            snap.d_of_fake = fake_view.energy.cpu().numpy()
    if trainer.config.objective == "wgan-gp" and len(fake_t):
        # Its own generator: watching draws no random numbers from the trainer's.
        gen = torch.Generator(device=trainer.device).manual_seed(trainer.step_count)
        snap.gp_grad_norms = interpolate_grad_norms(trainer._score, trainer.to_model(torch.from_numpy(real)),
                                                    trainer.to_model(fake_t), gen)
    if trainer.dim == 2 and len(fake_t):
        arrows = fake_t[:N_ARROWS]
        step = push(trainer, arrows)
        if np.isfinite(step).all():
            snap.arrows_from, snap.arrows_push = arrows.numpy(), step
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


def push(trainer, x: torch.Tensor) -> np.ndarray:
    """-grad_x of the generator's loss at data-space points ``x``, per sample, in data units.

    The G loss is a batch mean L_G = (1/n) sum_i l(x_i), and the networks see x / s (s the data's
    standardising scale, ``trainer.scale``), so sample i's own gradient in data units is
    grad_{x_i} l = n * grad_{x_i} L_G = (n / s) * grad_{x_i / s} L_G. (With minibatch discrimination
    or a pull-away term the samples interact, and a row also holds the others' pull on it.)
    """
    if x.shape[0] == 0:
        return np.zeros((0, trainer.dim), np.float32)
    grad = trainer.g_loss_gradient(x)
    return (-grad * (x.shape[0] / trainer.scale)).cpu().numpy()


def mean_push(trainer, x: torch.Tensor) -> float:
    """Mean |grad_x L_G| over data-space points ``x`` (``push``'s rows' lengths)."""
    return float(np.linalg.norm(push(trainer, x), axis=1).mean())


def plot_width(snap: Snapshot) -> float:
    """The width of the plotted box in data units (the surface's x range)."""
    if snap.surface_x is None:
        return math.nan
    return float(snap.surface_x[-1] - snap.surface_x[0])


def arrow_scale_for(snaps, fraction: float = ARROW_FRACTION) -> float | None:
    """One arrow scale for the runs of ``snaps`` (plot units per unit of |grad_x L_G|): their
    longest push drawn ``fraction`` of the widest plot's width. None without arrows.

    Example (a push of length 2 on a plot 10 wide: 0.08 * 10 / 2):
        >>> s = Snapshot(0, 0, "", None, 2, "nsgan", "ring8", 0.0, np.zeros((0, 2)), np.zeros((0, 2)), "D(x)",
        ...              surface_x=np.array([-5.0, 5.0]), arrows_from=np.zeros((1, 2)), arrows_push=np.array([[0.0, 2.0]]))
        >>> round(arrow_scale_for([s]), 6)
        0.4
    """
    longest, width = 0.0, 0.0
    for s in snaps:
        if s is None or s.arrows_push is None or len(s.arrows_push) == 0:
            continue
        longest = max(longest, float(np.linalg.norm(s.arrows_push, axis=1).max()))
        width = max(width, plot_width(s))
    if not (longest > 0 and math.isfinite(longest) and width > 0):
        return None
    return fraction * width / longest


class RunArrowScale:
    """The arrow scale of one run (or of runs A and B together): ``arrow_scale_for`` of the first
    frames at or after step ``ARROW_FIX_STEP``, then kept; None before (each frame then keeps its
    own). Chosen again when the first run's step goes back (a reset or new networks).

    Example:
        >>> def snap(step, push):
        ...     return Snapshot(step, 0, "", None, 2, "nsgan", "ring8", 0.0, np.zeros((0, 2)), np.zeros((0, 2)),
        ...                     "D(x)", surface_x=np.array([0.0, 1.0]), arrows_from=np.zeros((1, 2)),
        ...                     arrows_push=np.array([[push, 0.0]]))
        >>> run = RunArrowScale()
        >>> run([snap(0, 1.0)]) is None, run([snap(100, 0.08)]), run([snap(200, 0.01)])
        (True, 1.0, 1.0)
        >>> run([snap(0, 0.5)]) is None  # a new run
        True
    """

    def __init__(self, fix_step: int = ARROW_FIX_STEP):
        self.fix_step = fix_step
        self.scale: float | None = None
        self._step = -1

    def __call__(self, snaps) -> float | None:
        first = snaps[0]
        if first.step < self._step:
            self.scale = None
        self._step = first.step
        if self.scale is None and first.step >= self.fix_step:
            self.scale = arrow_scale_for(snaps)
        return self.scale


def with_arrow_scale(snap: Snapshot, scale: float | None) -> Snapshot:
    """``snap`` drawn on the arrow scale ``scale`` (the run's); unchanged when ``scale`` is None."""
    if not scale or snap is None or snap.arrows_push is None or snap.arrow_scale == scale:
        return snap
    return replace(snap, arrow_scale=scale)


def frame(snap: Snapshot) -> Snapshot | None:
    """A light copy of a 2D snapshot for an animation frame (no histories), or None for 1D data or
    before the first finite samples. ``ganviz.plots.animation`` draws it as the live picture."""
    if snap is None or snap.dim != 2 or snap.surface_x is None:
        return None
    return replace(snap, history={}, eval_history={}, d_of_fake=None)
