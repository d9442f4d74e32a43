"""Batched trials: K seeds of one toy config trained as one stacked model in one process.

Trials of a config differ only in their seed, so their networks have the same shapes. Layer l of
the K generators (and of the K discriminators) is held as one stacked weight W_l of shape
(K, n_in, n_out) and bias b_l of shape (K, 1, n_out), and a batch of inputs x of shape (K, N, n_in)
goes through all K networks at once with batched matmuls:

    h_{l+1} = act(baddbmm(b_l, h_l, W_l)),   i.e.  h_{l+1}[k] = act(h_l[k] W_l[k] + b_l[k]).

Trial k's output depends on trial k's weights and inputs alone, so the sum of the K trials' losses
L = sum_k L_k has dL/dtheta_k = dL_k/dtheta_k: one backward gives every trial its own gradient, and
Adam, RMSProp and SGD act element by element, so one optimiser over the stacked tensors is K
independent optimisers. The losses are the objective's own (``Objective.d_loss`` / ``g_loss``,
mapped over the trials with ``torch.vmap``); R1 is (gamma / 2) E_real ||grad_x D(x)||^2 with the
1/2 of Mescheder et al. 2018 (as ``penalties.r1_penalty``), the WGAN-GP penalty
lambda E[(||grad f(x_hat)||_2 - 1)^2] of Gulrajani et al. 2017 (as ``penalties.gradient_penalty``),
the EMA of G's weights with the trainer's warm-up decay_t = min(decay, (1 + t) / (10 + t)).

Each trial is set up by its own ``Trainer`` (so its data pool, standardising scale, initial
weights, evaluation set and random stream are those of an unbatched run with that seed) and its
batches are drawn from that trainer's generator in the trainer's order; at the end the trained
weights go back into the trainer, whose ``summary()`` measures the trial by the mode-coverage
protocol. Floating-point sums in a batched matmul run in another order than in a plain one, and a
GAN amplifies such differences, so a trial matches its unbatched run statistically (mean modes and
HQ over seeds within their standard error), not bit for bit.

Example (two seeds of a small run; each row is that seed's ``Trainer.summary()``):
    >>> from ganviz.training.config import TrainConfig
    >>> rows = train_trials(TrainConfig(g_width=16, d_width=16, batch=32, eval_samples=200), [0, 1], steps=3)
    >>> [(r["seed"], r["steps"], r["batched_trials"]) for r in rows]
    [(0, 3, 2), (1, 3, 2)]
    >>> supports(TrainConfig(objective="ebgan")) is None
    False
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from ganviz.nets.mlp import MLP
from ganviz.objectives import OBJECTIVES, DView
from ganviz.objectives.penalties import r1_penalty
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer, TrainingDiverged, _make_optimizer

# Options whose maths mixes batch members, rescales weights or needs a module we do not stack.
_UNSUPPORTED = (
    ("spectral_norm", lambda c: c.spectral_norm, "spectral norm keeps a power-iteration vector per layer"),
    ("minibatch_kernels", lambda c: c.tricks.minibatch_kernels > 0, "minibatch discrimination compares batch members"),
    ("virtual_batch_norm", lambda c: c.tricks.virtual_batch_norm, "virtual batch norm needs a reference batch per trial"),
    ("feature_matching", lambda c: c.tricks.feature_matching, "feature matching is not batched"),
    ("historical_averaging", lambda c: c.reg.historical_averaging > 0, "historical averaging is not batched"),
    ("ortho_beta", lambda c: c.reg.ortho_beta > 0, "orthogonal regularisation is not batched"),
    ("sigma_clamp", lambda c: c.reg.sigma_clamp > 0, "the sigma clamp needs an SVD per trial"),
)


def supports(config: TrainConfig) -> str | None:
    """None when the trials of ``config`` can train as one batched model, else the reason.

    Batched: every objective with a score discriminator (mmgan, nsgan, lsgan, wgan, wgan-gp, hinge,
    fgan, loss-sensitive) on MLPs, with R1, the gradient penalty, weight clipping, label smoothing,
    n_critic, EMA, the lr schedule and any of the three optimisers. Not batched: the autoencoder
    discriminators (EBGAN, BEGAN) and the options in ``_UNSUPPORTED``.

    Example:
        >>> supports(TrainConfig(objective="hinge")) is None  # hinge's paper recipe has spectral norm
        False
        >>> supports(TrainConfig(objective="hinge", spectral_norm=False)) is None
        True
    """
    try:
        c = config.validate().resolved()
    except (ValueError, TypeError) as e:
        return f"invalid config: {e}"
    if OBJECTIVES[c.objective].discriminator != "score":
        return f"{c.objective} uses an autoencoder discriminator; only score discriminators are batched"
    for name, on, why in _UNSUPPORTED:
        if on(c):
            return f"{name} is on: {why}"
    return None


class StackedMLP(nn.Module):
    """K ``MLP``s of one shape as stacked weights: forward maps (K, N, n_in) to (K, N, n_out) with
    h[k] -> act(h[k] W[k] + b[k]) per layer (``torch.baddbmm``), the same function as ``mlps[k]``.

    Example (two nets, each row of the batch through its own net):
        >>> nets = [MLP(2, 1, depth=1, width=4) for _ in range(2)]
        >>> x = torch.randn(2, 3, 2)
        >>> torch.allclose(StackedMLP(nets)(x)[1], nets[1](x[1]), atol=1e-6)
        True
    """

    def __init__(self, mlps: list[MLP]):
        super().__init__()
        layers = [_linears(m) for m in mlps]
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.stack([ls[i].weight.detach().T for ls in layers]).contiguous())
             for i in range(len(layers[0]))])
        self.biases = nn.ParameterList(
            [nn.Parameter(torch.stack([ls[i].bias.detach().unsqueeze(0) for ls in layers]).contiguous())
             for i in range(len(layers[0]))])
        acts = [m for m in mlps[0].body if not isinstance(m, nn.Linear)]
        self.act = acts[0]

    def forward(self, x):
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, w)
            if i < last:
                x = self.act(x)
        return x

    @torch.no_grad()
    def copy_to(self, mlps: list[MLP]) -> None:
        """Write trial k's weights into ``mlps[k]``."""
        for k, m in enumerate(mlps):
            for lin, w, b in zip(_linears(m), self.weights, self.biases):
                lin.weight.copy_(w[k].T)
                lin.bias.copy_(b[k, 0])


def _linears(m: MLP) -> list[nn.Linear]:
    return [layer for layer in m.body if isinstance(layer, nn.Linear)] + [m.head]


class BatchedTrials:
    """The trials of ``config`` for ``seeds``, trained together (see the module doc).

    ``trainers[k]`` is the unbatched trainer of seed k: it draws trial k's batches and receives its
    weights in ``sync()``. ``d_loss`` and ``g_loss`` hold the last step's per-trial losses (K,);
    ``diverged[k]`` the message of trial k's first non-finite loss, or None.
    """

    def __init__(self, config: TrainConfig, seeds: list[int]):
        reason = supports(config)
        if reason is not None:
            raise ValueError(f"these trials cannot be batched: {reason}")
        if not seeds:
            raise ValueError("no seeds")
        self.trainers = [Trainer(config.replace(seed=s)) for s in seeds]
        t0 = self.trainers[0]
        self.config = c = t0.config
        self.objective = t0.objective
        self.k = len(seeds)
        self.G = StackedMLP([t.G for t in self.trainers])
        self.D = StackedMLP([t.D for t in self.trainers])
        self.G_ema = StackedMLP([t.G_ema for t in self.trainers]) if c.g_ema > 0 else None
        if self.G_ema is not None:
            self.G_ema.requires_grad_(False)
        self.opt_g = _make_optimizer(c.optimizer, self.G.parameters(), c.lr_g, (c.beta1, c.beta2))
        self.opt_d = _make_optimizer(c.optimizer, self.D.parameters(), c.lr_d, (c.beta1, c.beta2))
        self.step_count = 0
        self.train_seconds = 0.0
        self.d_loss = torch.full((self.k,), math.nan)
        self.g_loss = torch.full((self.k,), math.nan)
        self.diverged: list[str | None] = [None] * self.k
        obj = self.objective
        self._d_losses = torch.vmap(lambda xr, sr, xf, sf: obj.d_loss(DView(xr, score=sr), DView(xf, score=sf)))
        self._g_losses = torch.vmap(lambda xr, sr, xf, sf: obj.g_loss(DView(xr, score=sr), DView(xf, score=sf)))
        self._last_real: tuple[torch.Tensor, torch.Tensor] | None = None  # the last D step's real batch, scores

    # The trainer's lr schedule and EMA, run on the stacked networks and optimisers: both read only
    # config, step_count, lr_factor, opt_g / opt_d, G and G_ema, and act on each parameter element by
    # element. BEGAN's plateau halving (the only schedule that moves lr_factor) is not batched, and
    # the stacked step is not recorded as a CUDA graph (_graph).
    lr_factor = 1.0
    _graph = None
    learning_rates = Trainer.learning_rates
    ema_weight = Trainer.ema_weight
    _apply_lr = Trainer._apply_lr
    _update_ema = Trainer._update_ema

    # --- batches, drawn from each trial's own generator in the trainer's order ------------------
    def _latent(self) -> torch.Tensor:
        return torch.stack([t._latent(self.config.batch) for t in self.trainers])

    def _real(self) -> torch.Tensor:
        return torch.stack([t._real(self.config.batch) for t in self.trainers])

    def _uniform(self, n: int) -> torch.Tensor:
        return torch.stack([t._uniform(n) for t in self.trainers])

    def _score(self, x):
        return self.D(x).squeeze(-1)

    # --- steps ----------------------------------------------------------------------------------
    def step_d(self, fake: torch.Tensor | None = None) -> torch.Tensor:
        c = self.config
        self._apply_lr()
        real = self._real()
        if fake is None:
            with torch.no_grad():
                fake = self.G(self._latent())
        fake = fake.detach()
        n = real.shape[1]
        score = self._score(torch.cat([real, fake], dim=1))
        loss = self._d_losses(real, score[:, :n], fake, score[:, n:])
        penalty = self.objective.penalty(self._score, real, fake, self._uniform)
        if penalty is not None:
            loss = loss + penalty
        if c.reg.r1_gamma > 0:
            loss = loss + r1_penalty(self._score, real, c.reg.r1_gamma)
        self.opt_d.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.opt_d.step()
        self.objective.after_d_step(self.D)  # WGAN's clipping acts element by element
        self._last_real = (real, score[:, :n].detach())
        self.d_loss = loss.detach()
        self._check_finite("discriminator loss", self.d_loss)
        return self.d_loss

    def step_g(self, fake: torch.Tensor) -> torch.Tensor:
        self._apply_lr()
        self.D.requires_grad_(False)
        try:
            real, real_score = self._last_real
            if self.objective.g_needs_real:
                with torch.no_grad():
                    real_score = self._score(real)
            loss = self._g_losses(real, real_score, fake, self._score(fake))
            self.opt_g.zero_grad(set_to_none=True)
            loss.sum().backward()
        finally:
            self.D.requires_grad_(True)
        self.opt_g.step()
        if self.G_ema is not None:
            self._update_ema()
        self.step_count += 1
        self.g_loss = loss.detach()
        self._check_finite("generator loss", self.g_loss)
        return self.g_loss

    def step(self) -> None:
        """n_critic D updates, then one G update, for every trial (the trainer's order and its
        shared G(z) for the last critic step and the G step)."""
        t0 = time.perf_counter()
        for _ in range(self.config.n_critic - 1):
            self.step_d()
        fake = self.G(self._latent())
        self.step_d(fake)
        self.step_g(fake)
        self.train_seconds += time.perf_counter() - t0

    def train(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def _check_finite(self, what: str, losses: torch.Tensor) -> None:
        # A trial that diverges is recorded; its NaNs stay in its own slices of the stacked tensors.
        finite = torch.isfinite(losses)
        if bool(finite.all()):
            return
        for k in (~finite).nonzero().flatten().tolist():
            if self.diverged[k] is None:
                t = self.trainers[k]
                t.step_count = self.step_count
                try:
                    t._check_finite(what, float(losses[k]))
                except TrainingDiverged as e:
                    self.diverged[k] = str(e)

    # --- results --------------------------------------------------------------------------------
    def sync(self) -> None:
        """Write each trial's weights, step counts and time into its trainer. A trial's seconds are
        the batched training time shared equally among the K trials."""
        self.G.copy_to([t.G for t in self.trainers])
        self.D.copy_to([t.D for t in self.trainers])
        if self.G_ema is not None:
            self.G_ema.copy_to([t.G_ema for t in self.trainers])
        for k, t in enumerate(self.trainers):
            t.step_count = self.step_count
            t.d_step_count = self.step_count * self.config.n_critic
            t.train_seconds = self.train_seconds / self.k
            t.last = {"d_loss": float(self.d_loss[k]), "g_loss": float(self.g_loss[k])}

    def summaries(self) -> list[dict]:
        """Per trial: its trainer's ``summary()``, with ``batched_trials`` = K; a diverged trial
        gets the run's identity and ``error`` (the message the unbatched trainer raises)."""
        self.sync()
        out = []
        for k, t in enumerate(self.trainers):
            error = self.diverged[k]
            row = None
            if error is None:
                try:
                    row = t.summary()
                except TrainingDiverged as e:
                    error = str(e)
            if row is None:
                row = {"dataset": t.config.dataset, "objective": t.config.objective, "steps": t.step_count,
                       "seed": t.config.seed, "error": error}
            out.append({**row, "batched_trials": self.k})
        return out


def train_trials(config: TrainConfig, seeds: list[int], steps: int) -> list[dict]:
    """Train ``config`` with each of ``seeds`` as one batched model for ``steps`` generator steps;
    return, per seed and in order, the dict ``Trainer(config.replace(seed=s))`` would give after
    ``train(steps)`` and ``summary()`` (modes_captured, n_modes, hq_fraction, kl_modes, w1, js,
    seconds, steps_per_second, ...), plus ``batched_trials``. A trial that diverged has ``error``
    instead of its numbers. Raises ValueError with ``supports``' reason for a config it cannot batch.
    """
    if not seeds:
        return []
    trials = BatchedTrials(config, list(seeds))
    trials.train(steps)
    return trials.summaries()
