"""BEGAN on images: config, trainer, learning-rate halving on an M_global plateau, checkpoints,
and the run's summary and snapshot.

BEGAN (Berthelot, Schumm & Metz 2017, arXiv 1703.10717), with L(v) = mean |v - D(v)|^eta:
  L_D = L(x) - k_t L(G(z_D));  L_G = L(G(z_G));
  k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1), k_0 = 0;
  M_global = L(x) + |gamma L(x) - L(G(z_G))|.
The losses, the k_t update and M_global are ``ganviz.objectives.energy.BEGAN``'s (the toy lab's),
applied to flattened images; this module only adds the image networks and the schedule. The
learning rate is halved when M_global (smoothed) has not improved for ``lr_patience`` steps, as in
the paper. Adam, z ~ U[-1, 1]^h.

Small data: on scikit-learn's 1,797 digits the paper's settings collapse to one digit (REFERENCE.md's
known failure). What the shipped checkpoints use instead (measured in checkpoints/README.md): a small
bottleneck (h = 16, n = 16), real digits shifted by up to ``shift`` = 2 pixels each time they are drawn
(``ganviz.data.augment``; so the autoencoder cannot memorise them and gamma L(x) stays reachable by
the fakes), a faster k_t (lambda_k = 0.01) and a lower learning rate (5e-5).

``BEGANTrainer`` has the interface ``TrainerWorker`` drives (step, step_d, step_g, step_count,
config, update), so the BEGAN page reuses the toy lab's worker thread.

A checkpoint is NAME.safetensors (G.*, D.* tensors; the recipe as JSON in the header) plus
NAME.json, of kind "began" in ganviz's one checkpoint format (``ganviz.training.checkpoint``: never
unpickled). Elsewhere:
the digit classifier's training (``ganviz.training.classifier``), the judge of a generator
(``ganviz.metrics.quality``), the shipped checkpoints and the gamma sweep (``ganviz.training.shipped``).

Example:
    >>> t = BEGANTrainer(BEGANConfig(n=8, h=8, steps_hint=0))
    >>> t.step(); t.step_count, 0.0 <= t.k_t <= 1.0
    (1, True)
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, fields
from pathlib import Path

import torch

from ganviz.data.augment import random_shift
from ganviz.data.images import SIZES, load_images
from ganviz.nets.began import Autoencoder, Decoder
from ganviz.objectives import DView
from ganviz.objectives.energy import BEGAN, BEGANParams
from ganviz.training import checkpoint
from ganviz.training.checkpoint import CheckpointError, check_limits, load_weights, read_file
from ganviz.training.trainer import BoundedHistory, TrainingDiverged, pick_device

KIND = "began"  # its kind in ganviz's checkpoint format


@dataclass(frozen=True)
class BEGANConfig:
    """Everything that defines a BEGAN run. ``STRUCTURAL`` fields need a new trainer; the others
    (gamma, lambda_k, lr, ...) may change between steps and act at the next step."""

    source: str = "digits"  # "digits" or a folder (MNIST idx files or images)
    size: int = 16
    channels: int = 1
    seed: int = 0
    h: int = 64  # bottleneck and latent size (the paper's Nz = Nh)
    n: int = 32  # filters of the first scale
    skip: bool = False  # skip connections from h (paper, Sec. 3.5)
    residual_steps: int = 0  # vanishing residuals: carry 1 -> 0 over these steps (0 = off)
    batch: int = 16
    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    began_gamma: float = 0.5
    began_lambda_k: float = 0.001
    began_eta: int = 1
    shift: int = 0  # shift real images by up to this many pixels (0 = no augmentation)
    lr_patience: int = 3000  # halve lr after this many steps without an M_global improvement (0 = never)
    lr_min: float = 1e-6
    steps_hint: int = 0  # the planned number of steps (recorded in the recipe)
    log_every: int = 10
    history_max: int = 600
    device: str = "auto"
    threads: int = 1

    def replace(self, **changes) -> "BEGANConfig":
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise ValueError(f"unknown BEGAN setting(s): {', '.join(unknown)}; "
                             f"allowed: {', '.join(f.name for f in fields(self))}")
        return dataclasses.replace(self, **changes)

    def validate(self) -> "BEGANConfig":
        if self.size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(map(str, SIZES))}, got {self.size!r}")
        for name in ("h", "n", "batch", "log_every", "history_max", "threads"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {v!r}")
        for name in ("residual_steps", "lr_patience", "steps_hint", "seed", "shift"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name} must be a whole number >= 0, got {v!r}")
        for name in ("lr", "lr_min", "began_lambda_k"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (name == "lr" and v == 0):
                raise ValueError(f"{name} must be a finite number {'> 0' if name == 'lr' else '>= 0'}, got {v!r}")
        for name in ("beta1", "beta2", "began_gamma"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not 0 <= v <= 1 or (name != "began_gamma" and v == 1):
                raise ValueError(f"{name} must lie in [0, 1{']' if name == 'began_gamma' else ')'}, got {v!r}")
        if self.began_eta not in (1, 2):
            raise ValueError(f"began_eta must be 1 or 2, got {self.began_eta!r}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels!r}")
        if not isinstance(self.skip, bool):
            raise ValueError(f"skip must be true or false, got {self.skip!r}")
        return self

    @classmethod
    def from_dict(cls, d: dict) -> "BEGANConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown BEGAN setting(s): {', '.join(unknown)}")
        return cls(**d)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


STRUCTURAL = frozenset({"source", "size", "channels", "seed", "h", "n", "skip", "device", "threads"})
# What a checkpoint from a browser may ask of the server (the trainer is built in the server's
# process): the page's scale with room to spare. h = 200,000 took 3.4 GB before this check.
UPLOAD_LIMITS = {"h": 128, "n": 64, "batch": 64, "shift": 4, "history_max": 2000, "log_every": 100_000,
                 "residual_steps": 100_000}


def _flat_view(objective: BEGAN, x: torch.Tensor, recon: torch.Tensor, code: torch.Tensor) -> DView:
    # The objective's energy is a mean over dim 1: flatten the images so it is over all pixels.
    x2, r2 = x.flatten(1), recon.flatten(1)
    return DView(x2, energy=objective.energy(x2, r2), code=code)


def _began_params(c: "BEGANConfig") -> BEGANParams:
    return BEGANParams(began_gamma=c.began_gamma, began_lambda_k=c.began_lambda_k, began_eta=c.began_eta)


class BEGANTrainer:
    """Trains BEGAN on an image set. Not thread-safe: ``TrainerWorker`` guards it."""

    def __init__(self, config: BEGANConfig, data=None):
        self.config = config.validate()
        c = self.config
        torch.set_flush_denormal(True)  # denormals slowed an ELU net ~10x on CPU
        torch.set_num_threads(c.threads)
        torch.manual_seed(c.seed)
        self.device = pick_device(c.device)
        self.data = data if data is not None else load_images(c.source, c.size, c.channels)
        self.pool = self.data.images.to(self.device)
        self.gen = torch.Generator(device=self.device).manual_seed(c.seed)
        self.G = Decoder(c.h, c.n, c.size, c.channels, c.skip).to(self.device)
        self.D = Autoencoder(c.h, c.n, c.size, c.channels, c.skip).to(self.device)
        self.objective = BEGAN(_began_params(self.config))
        self.lr = c.lr
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        self.step_count = 0
        self.train_seconds = 0.0
        self.timed_steps = 0  # steps counted in train_seconds (a loaded checkpoint's earlier steps are not)
        self.history = BoundedHistory(c.history_max)
        self.last = {"d_loss": math.nan, "g_loss": math.nan}
        self.eval_z = self.latent(64, torch.Generator(device=self.device).manual_seed(c.seed + 1))
        self._last_real: DView | None = None
        self._m_smooth = math.nan  # M_global, exponentially smoothed over ~100 steps
        self._m_best = math.inf
        self._m_best_step = 0
        self._set_carry()

    # --- state read by pages and the command line -------------------------------------------------
    @property
    def k_t(self) -> float:
        return self.objective.k_t

    @property
    def m_global(self) -> float:
        return self.objective.m_global

    def update(self, **changes) -> None:
        """Change hyperparameters between steps; structural fields need a new trainer."""
        structural = sorted(set(changes) & STRUCTURAL)
        if structural:
            raise ValueError(f"{', '.join(structural)} change the networks or data: reset the trainer")
        new = self.config.replace(**changes).validate()
        if new.lr != self.config.lr:
            self.lr = new.lr
        self.config = new
        self.objective.params = _began_params(new)

    def latent(self, n: int, gen: torch.Generator | None = None) -> torch.Tensor:
        """z ~ U[-1, 1]^h (the paper's latent)."""
        return torch.rand(n, self.config.h, generator=gen or self.gen, device=self.device) * 2 - 1

    @torch.no_grad()
    def sample(self, n: int | None = None, z: torch.Tensor | None = None) -> torch.Tensor:
        """Generated images on the CPU, (N, C, S, S); the fixed evaluation codes by default."""
        if z is None:
            z = self.eval_z if n is None else self.latent(n)
        self.G.eval()
        out = torch.cat([self.G(z[i:i + 1024].to(self.device)) for i in range(0, len(z), 1024)])
        self.G.train()
        return out.float().cpu()

    # --- steps ------------------------------------------------------------------------------------
    def _set_carry(self) -> None:
        steps = self.config.residual_steps
        carry = max(0.0, 1.0 - self.step_count / steps) if steps else 0.0
        self.G.set_carry(carry)
        self.D.set_carry(carry)

    def _apply_lr(self) -> None:
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = self.lr
                group["betas"] = (self.config.beta1, self.config.beta2)

    def _real(self, n: int) -> torch.Tensor:
        idx = torch.randint(0, len(self.pool), (n,), generator=self.gen, device=self.device)
        if self.config.shift:
            # Why: 1,797 digits are few enough for the autoencoder to memorise; then every fake,
            # however good, is reconstructed worse than gamma times the data and k_t stays at 0.
            return random_shift(self.pool[idx], self.gen, self.config.shift)
        return self.pool[idx]

    def _view(self, x: torch.Tensor) -> DView:
        recon, code = self.D(x)
        return _flat_view(self.objective, x, recon, code)

    def step_d(self, fake: torch.Tensor | None = None) -> float:
        """One autoencoder update on L_D = L(x) - k_t L(G(z_D)); returns L_D."""
        c = self.config
        self._apply_lr()
        real = self._real(c.batch)
        if fake is None:
            with torch.no_grad():
                fake = self.G(self.latent(c.batch))
        both = self._view(torch.cat([real, fake.detach()]))
        n = real.shape[0]
        real_v = DView(real, energy=both.energy[:n], code=both.code[:n])
        fake_v = DView(fake, energy=both.energy[n:], code=both.code[n:])
        loss = self.objective.d_loss(real_v, fake_v)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        self._last_real = DView(real, energy=real_v.energy.detach())
        return self._finite("discriminator loss", float(loss.detach()), "d_loss")

    def step_g(self, fake: torch.Tensor | None = None) -> float:
        """One generator update on L_G = L(G(z_G)), then the k_t update; returns L_G."""
        c = self.config
        self._apply_lr()
        if fake is None:
            fake = self.G(self.latent(c.batch))
        self.D.requires_grad_(False)  # no D weight gradients in the G step
        try:
            fake_v = self._view(fake)
            real_v = self._last_real
            if real_v is None:
                with torch.no_grad():
                    real_v = self._view(self._real(c.batch))
            loss = self.objective.g_loss(real_v, fake_v)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        self.opt_g.step()
        self.objective.after_g_step(real_v, DView(fake_v.x, energy=fake_v.energy.detach()))
        self.step_count += 1
        self._set_carry()
        self._plateau()
        return self._finite("generator loss", float(loss.detach()), "g_loss")

    def step(self) -> None:
        """One D update and one G update (sharing one G(z)); logs on schedule."""
        t0 = time.perf_counter()
        fake = self.G(self.latent(self.config.batch))
        self.step_d(fake)
        self.step_g(fake)
        self.train_seconds += time.perf_counter() - t0
        self.timed_steps += 1
        if self.step_count % self.config.log_every == 0:
            self.history.add({"step": self.step_count, **self.last, **self.objective.state(), "lr": self.lr})

    def train(self, steps: int, progress=None) -> None:
        for i in range(steps):
            self.step()
            if progress is not None and ((i + 1) % 50 == 0 or i + 1 == steps):
                progress(i + 1, steps)

    def _plateau(self) -> None:
        """Halve the learning rate when smoothed M_global has not improved for lr_patience steps."""
        m = self.objective.m_global
        if not math.isfinite(m):
            return
        self._m_smooth = m if math.isnan(self._m_smooth) else 0.99 * self._m_smooth + 0.01 * m
        patience = self.config.lr_patience
        if self._m_smooth < self._m_best * (1 - 1e-3):
            self._m_best, self._m_best_step = self._m_smooth, self.step_count
        elif patience and self.step_count - self._m_best_step >= patience and self.lr / 2 >= self.config.lr_min:
            self.lr /= 2
            self._m_best_step = self.step_count

    def _finite(self, what: str, value: float, key: str) -> float:
        if not math.isfinite(value):
            raise TrainingDiverged(f"the {what} became {value} at step {self.step_count}: training diverged. "
                                   f"Lower the learning rate (now {self.lr:g}) and reset.")
        self.last[key] = value
        return value

    @property
    def steps_per_second(self) -> float:
        return self.timed_steps / self.train_seconds if self.train_seconds else 0.0

    def curves(self) -> dict[str, list]:
        """The logged history as columns: step, k_t, m_global, L_real, L_fake, lr."""
        return {k: self.history.column(k) for k in ("step", "k_t", "m_global", "L_real", "L_fake", "lr")}

    def state(self) -> dict:
        return {"step": self.step_count, "k_t": self.k_t, "m_global": self.m_global, "lr": self.lr,
                "m_best": self._m_best if math.isfinite(self._m_best) else None,
                "m_smooth": self._m_smooth if math.isfinite(self._m_smooth) else None,
                "train_seconds": round(self.train_seconds, 2)}


# --- checkpoints ----------------------------------------------------------------------------------
def _contents(trainer: BEGANTrainer, command: str | None) -> tuple[dict[str, torch.Tensor], dict]:
    tensors = {f"{p}.{k}": v.detach().cpu().contiguous()
               for p, net in (("G", trainer.G), ("D", trainer.D)) for k, v in net.state_dict().items()}
    recipe = {"config": trainer.config.to_dict(), "state": trainer.state(), "history": trainer.history.rows,
              "command": command, "data": trainer.data.source}
    return tensors, recipe


def save(trainer: BEGANTrainer, path: str | Path, command: str | None = None) -> Path:
    """Write a BEGAN checkpoint (.safetensors + .json recipe with its history) atomically."""
    return checkpoint.write(path, *_contents(trainer, command), KIND)


def load(path: str | Path, device: str = "cpu") -> BEGANTrainer:
    """A BEGAN trainer rebuilt from a checkpoint (on the CPU by default): weights, k_t, lr, history.

    A missing, truncated, foreign or pickled file, or weights that do not fit the recipe, raise
    CheckpointError with a message that says so. The file is the local user's: no size limits.
    """
    return from_bytes(read_file(path), device, limits=None)


def to_bytes(trainer: BEGANTrainer, command: str | None = None) -> bytes:
    """The .safetensors file that ``save`` writes, as bytes (a page's download); the recipe and
    history sit in its header, so it needs no .json beside it."""
    return checkpoint.serialise(*_contents(trainer, command), KIND)


def from_bytes(data: bytes, device: str = "cpu", open_data=None,
               limits: dict[str, int] | None = UPLOAD_LIMITS) -> BEGANTrainer:
    """``load`` for the bytes of a .safetensors file (a page's upload): the same checks (size cap,
    format, never unpickled), the recipe's sizes held to ``limits`` (None: none) before anything is
    built, the architecture rebuilt from the recipe, the weights loaded strictly into it.

    ``open_data(config)`` gives the run's images; a page passes one that reads the recipe's
    ``source`` as a data set name (``ganviz.data.access``), never as a path, since the recipe comes
    from the browser. Without it the source is opened as the command line does (a path).

    Example:
        >>> t = BEGANTrainer(BEGANConfig(n=8, h=8, steps_hint=0)); t.step()
        >>> from_bytes(to_bytes(t)).step_count
        1
    """
    _, recipe, tensors = checkpoint.parse(data, (KIND,), "the BEGAN trainer")
    try:
        if limits is not None:
            check_limits(recipe["config"], limits)
        config = BEGANConfig.from_dict(recipe["config"]).replace(device=device)
        if limits is not None:
            config = config.replace(threads=1)  # the server's threads are its own, whatever the file says
        config = config.validate()
        state = recipe["state"]
        step, k_t = int(state.get("step", 0)), float(state.get("k_t", 0.0))
        m_global, lr = float(state.get("m_global", math.nan)), float(state.get("lr", config.lr))
        history = [dict(r) for r in recipe.get("history") or []]
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    try:
        trainer = BEGANTrainer(config, data=None if open_data is None else open_data(config))
    except ValueError as e:  # the recipe's data set is not on this machine (or not open to browsers)
        raise CheckpointError(f"cannot rebuild this checkpoint's trainer: {e}") from None
    load_weights(trainer.G, tensors, "G")
    load_weights(trainer.D, tensors, "D")
    trainer.step_count, trainer.objective.k_t, trainer.objective.m_global, trainer.lr = step, k_t, m_global, lr
    trainer.history.rows = history
    trainer._set_carry()
    return trainer


def recipe_of(path: str | Path) -> dict:
    """The JSON recipe stored in a checkpoint's header (checked like ``load``)."""
    return checkpoint.read(path, (KIND,), "the BEGAN trainer").recipe


# --- what the command line and the page read of a run ---------------------------------------------
def run_summary(trainer: BEGANTrainer) -> dict:
    """k_t and M_global over the run: final values, the last fifth's range, M_global's first vs last tenth."""
    rows = [r for r in trainer.history.rows if math.isfinite(r.get("m_global", math.nan))]
    out = {"steps": trainer.step_count, "k_t": round(trainer.k_t, 5), "m_global": round(trainer.m_global, 5),
           "lr": trainer.lr}
    if len(rows) >= 10:
        tail = rows[-max(2, len(rows) // 5):]
        k_tail = [r["k_t"] for r in tail]
        m = [r["m_global"] for r in rows]
        tenth = max(1, len(m) // 10)
        out.update(k_t_min=round(min(r["k_t"] for r in rows), 5), k_t_max=round(max(r["k_t"] for r in rows), 5),
                   k_t_last_fifth_min=round(min(k_tail), 5), k_t_last_fifth_mean=round(sum(k_tail) / len(k_tail), 5),
                   m_global_first_tenth=round(sum(m[:tenth]) / tenth, 5),
                   m_global_last_tenth=round(sum(m[-tenth:]) / tenth, 5))
    return out


def snapshot(trainer: BEGANTrainer, n_samples: int = 64) -> dict:
    """What a page draws, copied (call it under the worker's lock): numbers, curves, samples."""
    return {"step": trainer.step_count, "k_t": trainer.k_t, "m_global": trainer.m_global, "lr": trainer.lr,
            "gamma": trainer.config.began_gamma, "lambda_k": trainer.config.began_lambda_k,
            "steps_per_second": trainer.steps_per_second, "curves": trainer.curves(),
            "samples": trainer.sample(z=trainer.eval_z[:n_samples]), "device": str(trainer.device),
            "data": trainer.data.source}
