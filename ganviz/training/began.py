"""BEGAN on images with the one Trainer: the paper's recipe, and what the BEGAN page and the command
line read of a run (its snapshot, its k_t and M_global summary, its checkpoints).

BEGAN (Berthelot, Schumm & Metz 2017, arXiv 1703.10717), with L(v) = mean |v - D(v)|^eta:
  L_D = L(x) - k_t L(G(z_D));  L_G = L(G(z_G));
  k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1), k_0 = 0;
  M_global = L(x) + |gamma L(x) - L(G(z_G))|.
The losses, k_t and M_global are ``ganviz.objectives.energy.BEGAN``'s (the toy lab's), the networks
BEGAN's decoder and autoencoder (arch "began", ``ganviz.nets.began``), the learning-rate halving on an
M_global plateau and the vanishing residuals are the trainer's schedules
(``ganviz.training.schedules``). Adam, z ~ U[-1, 1]^h with h both the latent size and the code.

Small data: on scikit-learn's 1,797 digits the paper's settings collapse to one digit (REFERENCE.md's
known failure). What the shipped checkpoints use instead (measured in checkpoints/README.md): a small
bottleneck (h = 16, n = 16 filters), real digits shifted by up to ``shift`` = 2 pixels each time they
are drawn (so the autoencoder cannot memorise them and gamma L(x) stays reachable by the fakes), a
faster k_t (lambda_k = 0.01) and a lower learning rate (5e-5).

Example:
    >>> from ganviz.training.trainer import Trainer
    >>> t = Trainer(began_config(latent_dim=8, ae_code=8, g_width=8, d_width=8)); t.step()
    >>> t.step_count, 0.0 <= t.objective.k_t <= 1.0, take(t).samples.shape[1:]
    (1, True, torch.Size([1, 16, 16]))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from ganviz.training import checkpoint
from ganviz.training.checkpoint import CheckpointError
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer

# The paper's recipe at our scale (Nz = Nh = 64, n = 32 filters, batch 16, Adam 1e-4 with beta1 0.5,
# the lr halved after 3,000 steps without progress); 64 fixed codes for the page's grid.
RECIPE = {"dataset": "digits", "objective": "began", "arch": "began", "latent_dist": "uniform", "latent_dim": 64,
          "ae_code": 64, "g_width": 32, "d_width": 32, "batch": 16, "optimizer": "adam", "lr_g": 1e-4, "lr_d": 1e-4,
          "beta1": 0.5, "beta2": 0.999, "n_critic": 1, "spectral_norm": False, "lr_patience": 3000,
          "eval_samples": 64, "eval_every": 250, "history_max": 600}
READER = "the BEGAN page"


def began_config(**changes) -> TrainConfig:
    """BEGAN's recipe with ``changes`` (flat config keys), validated.

    Example:
        >>> c = began_config(began_gamma=0.7, lr_g=5e-5)
        >>> c.objective, c.arch, c.params.began_gamma, c.lr_g, c.lr_d
        ('began', 'began', 0.7, 5e-05, 0.0001)
    """
    return TrainConfig.from_dict({**RECIPE, **changes}).validate()


def _is_began(config: TrainConfig, name: str) -> None:
    if config.objective != "began":
        raise CheckpointError(f"{name} is a {config.objective} run; {READER} opens BEGAN runs: "
                              "open it in the image lab")


def load(path: str | Path, device: str = "cpu") -> Trainer:
    """A BEGAN run rebuilt from a checkpoint file (the local user's: no size limits), on the CPU by
    default: weights, k_t, learning rate, curves. Anything else raises CheckpointError saying why."""
    trainer = checkpoint.load(path, ("image",), READER, device=device)
    _is_began(trainer.config, Path(path).name)
    return trainer


def from_bytes(data: bytes, open_data) -> Trainer:
    """``load`` of an upload's bytes: held to the image limits, its images from ``open_data(config)``
    (a page's data set by name, never a path)."""
    trainer = checkpoint.from_bytes(data, kinds=("image",), reader=READER, open_data=open_data, device="auto")
    _is_began(trainer.config, "this file")
    return trainer


def check_bytes(data: bytes, name: str = "this file") -> tuple[TrainConfig, dict]:
    """(config, recipe) of a BEGAN checkpoint's bytes, checked as ``from_bytes`` checks them, building
    nothing (the page's server checks; the worker's process builds)."""
    config, recipe = checkpoint.check_bytes(data, ("image",), READER)
    _is_began(config, name)
    return config, recipe


def source_of(config: TrainConfig) -> str:
    """The data set name a page shows and reopens: "digits", or the folder run's ``source``."""
    return config.source if config.dataset == "folder" else config.dataset


def curves(trainer: Trainer) -> dict[str, list]:
    """The logged history as columns: step, k_t, m_global, L_real, L_fake, lr_g."""
    return {k: trainer.history.column(k) for k in ("step", "k_t", "m_global", "L_real", "L_fake", "lr_g")}


def run_summary(trainer: Trainer) -> dict:
    """k_t and M_global over the run: final values, the last fifth's range, M_global's first vs last tenth."""
    rows = [r for r in trainer.history.rows if math.isfinite(r.get("m_global", math.nan))]
    obj = trainer.objective
    out = {"steps": trainer.step_count, "k_t": round(obj.k_t, 5), "m_global": round(obj.m_global, 5),
           "lr": trainer.learning_rates()[0]}
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


@dataclass(frozen=True)
class BEGANSnapshot:
    """What the BEGAN page draws, copied in the trainer's process (the page only reads it)."""

    step: int
    state: str
    error: str | None
    k_t: float
    m_global: float
    lr: float
    gamma: float
    lambda_k: float
    steps_per_second: float
    curves: dict
    samples: torch.Tensor  # (64, C, S, S) of the run's fixed codes
    device: str
    data: str


def make_trainer(config: TrainConfig, data=None) -> Trainer:
    """The BEGAN page's run (a worker's child builds it; ``data``: images the page opened by name)."""
    return Trainer(config, data)


def take(trainer: Trainer, state: str = "paused", error: str | None = None, n_samples: int = 64) -> BEGANSnapshot:
    """Copy what the BEGAN page draws: numbers, curves, samples of the run's fixed codes."""
    c, obj = trainer.config, trainer.objective
    return BEGANSnapshot(step=trainer.step_count, state=state, error=error, k_t=obj.k_t, m_global=obj.m_global,
                         lr=trainer.learning_rates()[0], gamma=c.params.began_gamma, lambda_k=c.params.began_lambda_k,
                         steps_per_second=trainer.steps_per_second, curves=curves(trainer),
                         samples=trainer.sample(z=trainer.eval_z[:n_samples]), device=str(trainer.device),
                         data=trainer.data.source)
