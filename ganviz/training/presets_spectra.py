"""Presets of the Spectra page and the trainer it drives: a run that collapses, and its fix.

Measured with ``python bench/spectra_presets.py --steps 4000 --seeds 0 1`` (modes of 25 captured,
mean over the last 2000 steps; largest sigma_0 of D's layers at step 4000):

| preset        | seed 0             | seed 1            |
|---------------|--------------------|-------------------|
| collapse      | 11.6 modes, D 18.6 | 0.7 modes, D 8.4  |
| fix (R1 0.1)  | 23.6 modes, D 7.1  | 22.7 modes, D 8.1 |
| spectral_norm | 0.9 modes, W_SN <= 1.04 | 1.1 modes, W_SN <= 1.04 |

Seed 0 of "collapse" climbs to 14 modes by step 300 and falls back to ~12 while sigma_0 of G's
and D's hidden layers keeps growing (to 22.6 and 18.6); seed 1 freezes after ~1000 steps (every
sigma_0 stops moving near 8) with almost no samples on a mode. So sigma_0 grows before and during
the collapse, but it also grows in runs that do not collapse: it is a symptom to watch, not a
test.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganviz.metrics.spectra import SpectraRecorder
from ganviz.training import snapshot
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer

RECORD_EVERY = 25  # steps between two recordings of every layer's spectrum

# Networks small enough to train live on a 2-core laptop (about 4 ms a step at width 128).
_BASE = dict(dataset="grid25", g_width=128, d_width=128, batch=256, eval_every=100, eval_samples=2500,
             objective="nsgan", lr_g=5e-3, lr_d=5e-3, beta1=0.5)

PRESETS: dict[str, dict] = {
    # Non-saturating GAN on grid25 with a learning rate 25x the DCGAN one and no regulariser: the
    # sigma_0 of D's and G's hidden layers keeps climbing (past 15) and G settles on about half
    # of the 25 modes (mode dropping).
    "collapse": dict(_BASE, spectral_norm=False, ortho_beta=0.0, sigma_clamp=0.0, r1_gamma=0.0),
    # The same run with R1 (gamma = 0.1) on D: D's gradients on the data stay small, its sigma_0
    # levels off near 7, and G finds (nearly) all 25 modes.
    "fix": dict(_BASE, spectral_norm=False, ortho_beta=0.0, sigma_clamp=0.0, r1_gamma=0.1),
    # Spectral norm on D, for comparison: W_SN keeps sigma_0 ~ 1 while the raw W is free to grow;
    # a 1-Lipschitz D of this size resolves the modes (sigma 0.05) poorly.
    "spectral_norm": dict(_BASE, spectral_norm=True, ortho_beta=0.0, sigma_clamp=0.0, r1_gamma=0.0),
}

# What the page's toggles control (the rest of a preset stays as it is).
TOGGLES = ("spectral_norm", "ortho_beta", "sigma_clamp", "r1_gamma")


def preset_config(name: str, **overrides) -> TrainConfig:
    """The config of preset ``name`` with ``overrides``; validated (ValueError names the problem)."""
    try:
        base = dict(PRESETS[name])
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None
    base.update(overrides)
    return TrainConfig.from_dict(base).validate()


def new_trainer(config: TrainConfig, every: int = RECORD_EVERY) -> Trainer:
    """A trainer with a ``SpectraRecorder`` on its hooks (it records step 0 at once)."""
    trainer = Trainer(config)
    SpectraRecorder.attach(trainer, every=every)
    return trainer


def recorder_of(trainer: Trainer) -> SpectraRecorder | None:
    return next((h for h in trainer.hooks if isinstance(h, SpectraRecorder)), None)


def read_view(trainer: Trainer) -> dict:
    """The spectra, the modes and the config the page draws, copied."""
    rec = recorder_of(trainer)
    ev = trainer.eval_history
    return {
        "step": trainer.step_count,
        "steps_per_second": trainer.steps_per_second,
        "spectra": rec.snapshot() if rec is not None else {},
        "modes": (ev.column("step"), ev.column("modes"), trainer.data.modes.shape[0] if trainer.data.modes is not None else 0),
        "config": {k: getattr(trainer.config, k) for k in TOGGLES + ("dataset", "objective", "lr_g", "lr_d")},
    }


@dataclass(frozen=True)
class SpectraSnapshot:
    """What the Spectra page draws, copied in the trainer's process: ``view`` (``read_view``) and the
    toy lab's picture of the samples (``snapshot.take``: its state and error too)."""

    view: dict
    samples: snapshot.Snapshot

    @property
    def state(self) -> str:
        return self.samples.state

    @property
    def error(self) -> str | None:
        return self.samples.error


def take(trainer: Trainer, state: str = "paused", error: str | None = None) -> SpectraSnapshot:
    """The Spectra page's snapshot of ``trainer`` (a worker's child takes it)."""
    return SpectraSnapshot(read_view(trainer), snapshot.take(trainer, state, error))
