"""BEGAN's two schedules as hooks of the one trainer (Berthelot, Schumm & Metz 2017, arXiv 1703.10717).

A hook is called with the trainer after every step (``Trainer.hooks``); these two read their settings
from ``trainer.config`` at each call, so a live change acts at the next step, and do nothing while
their setting is 0.

- ``PlateauHalving``: M_global = L(x) + |gamma L(x) - L(G(z))| (the objective's ``m_global``) smoothed
  as m <- 0.99 m + 0.01 M_global; when m has not fallen by 0.1% for ``lr_patience`` steps, both
  learning rates are halved (``trainer.lr_factor``), never below ``lr_min`` (the paper: "we decay the
  learning rate by a factor of 2 when the measure of convergence stalls").
- ``ResidualCarry``: vanishing residuals (Sec. 3.5), each block's output carry * in + (1 - carry) * out
  with carry = max(0, 1 - t / residual_steps).

Example:
    >>> from ganviz.training.config import TrainConfig
    >>> from ganviz.training.trainer import Trainer
    >>> t = Trainer(TrainConfig(dataset="digits", objective="began", arch="began", latent_dim=4, ae_code=4,
    ...                         g_width=4, d_width=4, batch=4, eval_samples=8, lr_patience=2))
    >>> t.train(12); t.lr_factor < 1   # M_global barely moves in 12 steps: the lr was halved
    True
"""

from __future__ import annotations

import math


class PlateauHalving:
    """Halve the learning rates when smoothed M_global stalls for ``config.lr_patience`` steps."""

    name = "plateau"

    def __init__(self):
        self.smooth = math.nan
        self.best = math.inf
        self.best_step = 0
        self.last_step = 0  # the step it last saw: called again at the same step, it does nothing

    def __call__(self, trainer) -> None:
        c = trainer.config
        m = getattr(trainer.objective, "m_global", math.nan)
        if not c.lr_patience or not math.isfinite(m) or trainer.step_count == self.last_step:
            return
        self.last_step = trainer.step_count
        self.smooth = m if math.isnan(self.smooth) else 0.99 * self.smooth + 0.01 * m
        if self.smooth < self.best * (1 - 1e-3):
            self.best, self.best_step = self.smooth, trainer.step_count
        elif (trainer.step_count - self.best_step >= c.lr_patience
              and min(c.lr_g, c.lr_d) * trainer.lr_factor / 2 >= c.lr_min):
            trainer.lr_factor /= 2
            self.best_step = trainer.step_count

    def state(self) -> dict:
        return {"smooth": None if math.isnan(self.smooth) else self.smooth,
                "best": None if math.isinf(self.best) else self.best, "best_step": self.best_step,
                "last_step": self.last_step}

    def load_state(self, state: dict) -> None:
        smooth, best = state.get("smooth"), state.get("best")
        self.smooth = math.nan if smooth is None else float(smooth)
        self.best = math.inf if best is None else float(best)
        self.best_step = int(state.get("best_step", 0))
        self.last_step = int(state.get("last_step", self.best_step))


class ResidualCarry:
    """Set the vanishing-residual carry of BEGAN's networks from the step count."""

    name = "carry"

    def __init__(self):
        self.carry: float | None = None  # the one last set: walking the networks' modules every step is waste

    def __call__(self, trainer) -> None:
        steps = trainer.config.residual_steps
        carry = max(0.0, 1.0 - trainer.step_count / steps) if steps else 0.0
        if carry == self.carry:
            return
        self.carry = carry
        for net in (trainer.G, trainer.D):
            if hasattr(net, "set_carry"):
                net.set_carry(carry)

    def state(self) -> dict:
        return {}

    def load_state(self, state: dict) -> None:
        pass


def schedules() -> list:
    """The hooks every trainer starts with."""
    return [ResidualCarry(), PlateauHalving()]
