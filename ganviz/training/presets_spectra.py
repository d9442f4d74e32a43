"""Presets of the Spectra page and the trainer it drives: a run that collapses, and its fix.

The numbers behind the presets (modes captured over the steps, sigma_0 of each layer) were
measured with ``bench/spectra_presets.py``; see its docstring for the command and the results.
"""

from __future__ import annotations

from ganviz.metrics.spectra import SpectraRecorder
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer

RECORD_EVERY = 25  # steps between two recordings of every layer's spectrum

# Networks small enough to train live on a 2-core laptop (about 4 ms a step at width 128).
_BASE = dict(dataset="ring8", g_width=128, d_width=128, batch=256, eval_every=250, eval_samples=2500)

PRESETS: dict[str, dict] = {
    # Non-saturating GAN, no spectral norm, a learning rate 25x the DCGAN one: samples hop from
    # mode to mode and drop to a few of the 8 while sigma_0 of D's hidden layers keeps growing.
    "collapse": dict(_BASE, objective="nsgan", lr_g=5e-3, lr_d=5e-3, beta1=0.5, spectral_norm=False,
                     ortho_beta=0.0, sigma_clamp=0.0, r1_gamma=0.0),
    # The same run with spectral norm on D (Miyato et al. 2018): every layer of D is 1-Lipschitz.
    "fix": dict(_BASE, objective="nsgan", lr_g=5e-3, lr_d=5e-3, beta1=0.5, spectral_norm=True,
                ortho_beta=0.0, sigma_clamp=0.0, r1_gamma=0.0),
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
    """Everything the page draws, copied (call it under the worker's lock, via ``worker.read``)."""
    rec = recorder_of(trainer)
    ev = trainer.eval_history
    return {
        "step": trainer.step_count,
        "steps_per_second": trainer.steps_per_second,
        "spectra": rec.snapshot() if rec is not None else {},
        "modes": (ev.column("step"), ev.column("modes"), trainer.data.modes.shape[0] if trainer.data.modes is not None else 0),
        "config": {k: getattr(trainer.config, k) for k in TOGGLES + ("dataset", "objective", "lr_g", "lr_d")},
    }
