"""What every objective shares: the discriminator's view of a batch and the objective interface.

One training loop serves every GAN (STYLE.md: an objective is the small part that differs). Per
step the trainer asks the discriminator about a real and a fake batch, hands both views to the
objective's ``d_loss`` or ``g_loss``, and calls the hooks after each optimiser step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class DView:
    """What the discriminator says about a batch x.

    score: logit or critic value, shape (N,) (score-type discriminators);
    features: last hidden layer, (N, F) (feature matching);
    energy: per-sample reconstruction energy, (N,) (autoencoder discriminators);
    code: the autoencoder's bottleneck, (N, H) (EBGAN's pull-away term);
    x: the batch itself (loss-sensitive GAN's margin needs it).
    """

    x: torch.Tensor
    score: torch.Tensor | None = None
    features: torch.Tensor | None = None
    energy: torch.Tensor | None = None
    code: torch.Tensor | None = None


@dataclass(frozen=True)
class Defaults:
    """The paper's training recipe for an objective, used when the user does not override it."""

    optimizer: str = "adam"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1
    spectral_norm: bool = False


class Objective:
    """Base class. ``discriminator`` is "score" (an MLP with one output) or "autoencoder".

    ``hp`` is the trainer's current config; losses read their hyperparameters from it each step,
    so a slider moved between steps acts at the next step.
    """

    name: str = ""
    paper: str = ""
    discriminator: str = "score"
    defaults: Defaults = Defaults()
    # Which Improved-GAN options make sense: label smoothing needs a probability D.
    supports_label_smoothing: bool = False

    def d_loss(self, real: DView, fake: DView, hp: Any) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, fake: DView, hp: Any) -> torch.Tensor:
        raise NotImplementedError

    def after_d_step(self, d_net: torch.nn.Module, hp: Any) -> None:
        """Hook after each D optimiser step (WGAN clips weights here)."""

    def after_g_step(self, real: DView, fake: DView, hp: Any) -> None:
        """Hook after each G step (BEGAN updates k_t here)."""

    def state(self) -> dict[str, float]:
        """Scalars to log (k_t, M_global, ...)."""
        return {}

    def load_state(self, state: dict[str, float]) -> None:
        """Restore what ``state`` returned (checkpoints)."""
