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

Digits (16 x 16, ``_DIGITS``), measured with the page's hooks (spectra every 25 steps, 256 samples
judged every 50; one thread): NSGAN at lr 2e-2, batch 16, no regulariser. Of seeds 0-4, sigma_0 of
G's first layers jumps by 1.6-2x within 50-100 steps in four (seed 0: 11.5 -> 23.5 between steps 300
and 400, seed 1: 9.0 -> 14.2 between 150 and 200, seed 3: 12.6 -> 24.8 between 375 and 400, seed 4:
11.8 -> 21.7 between 350 and 450; seed 2 climbs smoothly to 16 by step 800), and each jump comes with
a fall in the classes present: to 3 (seed 0, step 600), 6 (seed 1, back to 10 by step 250),
1 (seed 3, from step 500 on, G frozen) and 8-9 with digit FID ~900-1600 (seed 4). R1 with gamma = 10
kept seed 0 at 10 classes but seeds 1, 2 and 3 collapsed anyway (3, 1 and 3 classes at step 800); gamma = 100
kept all 10 classes to step 800 at seeds 0-3. Spectral norm on D (seed 3) does not fix it (classes
swing between 4 and 10 to step 800). The cost of R1 where nothing collapses (lr 2e-3, seed 3, mean
of the measures at steps 500-800): precision 0.43 -> 0.28, digit FID 327 -> 409 with gamma = 100;
seed 0 with gamma = 10: precision 0.50 -> 0.25, FID 331 -> 486. The presets use seed 3; their
sentences (``SENTENCES``) are tested in tests/test_spectra.py on the shortest runs that show them.

A single run at lr 2e-2 is chaotic: the last bits of a CPU's rounding decide whether seed 3 tips
by step 500 (it did at step 400 with PyTorch's AVX-512 kernels on one Intel Xeon, at 475 with its
AVX2 kernels, not at all with its plain ones: ATEN_CPU_CAPABILITY=avx2 / default). So the sentences
say only what held under all three kernels (and on the other CPUs CI ran on); the numbers in the
paragraph above are of one machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import torch

from ganviz.metrics.spectra import SpectraRecorder
from ganviz.training import snapshot
from ganviz.training.config import TrainConfig, is_image_data
from ganviz.training.image_snapshot import GRID, Measure
from ganviz.training.trainer import Trainer

RECORD_EVERY = 25  # steps between two recordings of every layer's spectrum
MEASURE_EVERY = 50  # steps between two judgements of the digits by the classifier
MEASURE_N = 256  # samples judged (read against the real-vs-real floor at the same n)

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

# Digits (16 x 16) with the DCGAN-style conv G and D at 16 filters, latent 32: the image lab's nets,
# halved, so that a step takes ~15 ms on one thread. NSGAN at a learning rate 100x DCGAN's
# (2e-2, Adam beta1 0.5) and batch 16, no regulariser. The module's docstring says what was measured.
_DIGITS = dict(dataset="digits", arch="dcgan", image_size=16, g_width=16, d_width=16, latent_dim=32, batch=16,
               eval_every=10**9, eval_samples=2500, objective="nsgan", lr_g=2e-2, lr_d=2e-2, beta1=0.5)
PRESETS.update({
    "digits_collapse": dict(_DIGITS, seed=3, spectral_norm=False, ortho_beta=0.0, sigma_clamp=0.0, r1_gamma=0.0),
    "digits_fix": dict(_DIGITS, seed=3, spectral_norm=False, ortho_beta=0.0, sigma_clamp=0.0, r1_gamma=100.0),
    "digits_sn": dict(_DIGITS, seed=3, spectral_norm=True, ortho_beta=0.0, sigma_clamp=0.0, r1_gamma=0.0),
})
# What each digits preset shows, measured (tests/test_spectra.py runs each with its seed and checks it).
SENTENCES = {
    "digits_collapse": (
        "Measured (seed 3): σ₀ of G's layer 1 climbs from 2.8 past 10 by step 300, while R1's run (the next "
        "preset) keeps it under 4.5 to step 400. At this learning rate the run is on a knife-edge: σ₀ can double "
        "within 25 steps, and when it does the classes present fall to 5 or fewer by the next measure and G's σ₀ "
        "no longer moves: G has stopped learning. Whether and when it tips is decided by the CPU's rounding (step 400, "
        "475 or not by 500 with PyTorch's three CPU kernels on one machine)."),
    "digits_fix": (
        "Measured (seed 3): with R1 (γ = 100) on D, σ₀ of G's layer 1 stays under 4.5 to step 400, at least 9 of "
        "the 10 classes are present at every measure from step 50 to 400, and digit FID is under 600 from step "
        "150 on. Its cost shows where the unregularised run does not collapse: at lr 2e-3 R1 (γ = 100) cuts "
        "precision by over 40% (mean of steps 300, 350, 400)."),
    "digits_sn": (
        "Measured (seed 3): spectral norm on D alone is no fix here: G's σ₀ climbs without a jump (never 25% "
        "within 25 steps after step 50), but the classes present swing by 3 or more between the measures from "
        "step 100 to 400 and digit FID stays above 900 at every measure (R1's run: under 600 from step 150)."),
}
# The presets of each kind of data the page offers, in the order of its buttons.
DATA = {"points": ("collapse", "fix", "spectral_norm"), "digits": ("digits_collapse", "digits_fix", "digits_sn")}

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


def data_of(preset: str) -> str:
    """"points" or "digits": the data of ``preset`` (a key of ``DATA``)."""
    return next(kind for kind, names in DATA.items() if preset in names)


def new_trainer(config: TrainConfig, every: int = RECORD_EVERY, measure_every: int = MEASURE_EVERY,
                n: int = MEASURE_N) -> Trainer:
    """A trainer with a ``SpectraRecorder`` on its hooks (it records step 0 at once) and, on images,
    the image lab's ``Measure`` (``n`` samples judged every ``measure_every`` steps, and at step 0)."""
    trainer = Trainer(config)
    if is_image_data(trainer.config.dataset):
        measure = Measure(measure_every, n)
        trainer.hooks.append(measure)
        measure(trainer)
    SpectraRecorder.attach(trainer, every=every)
    return trainer


def recorder_of(trainer: Trainer) -> SpectraRecorder | None:
    return next((h for h in trainer.hooks if isinstance(h, SpectraRecorder)), None)


def measure_of(trainer: Trainer) -> Measure | None:
    return next((h for h in trainer.hooks if isinstance(h, Measure)), None)


def read_view(trainer: Trainer) -> dict:
    """The spectra, the modes (points) or the classifier's measures (digits) and the config the page
    draws, copied. ``modes`` is (steps, count, most possible): modes captured of a mixture, digit
    classes present among the judged samples; ``measures`` the ``Measure`` rows, ``fid_floor`` the
    real-vs-real digit FID at the same n (empty and nan on points)."""
    rec, measure = recorder_of(trainer), measure_of(trainer)
    if measure is not None:
        rows = [dict(r) for r in measure.rows]
        modes = ([r["step"] for r in rows], [r["classes_present"] for r in rows], 10)
    else:
        ev, rows = trainer.eval_history, []
        modes_of = getattr(trainer.data, "modes", None)
        modes = (ev.column("step"), ev.column("modes"), modes_of.shape[0] if modes_of is not None else 0)
    flat = trainer.config.to_dict()
    return {
        "step": trainer.step_count,
        "steps_per_second": trainer.steps_per_second,
        "spectra": rec.snapshot() if rec is not None else {},
        "modes": modes,
        "measures": rows,
        "fid_floor": measure.floor if measure is not None else math.nan,
        "config": {k: flat[k] for k in TOGGLES + ("dataset", "objective", "lr_g", "lr_d")},
    }


@dataclass(frozen=True)
class SpectraSnapshot:
    """What the Spectra page draws, copied in the trainer's process: ``view`` (``read_view``), the
    run's ``state`` and ``error``, and its samples: on points the toy lab's picture (``snapshot.take``),
    on images ``images``, G's samples of the run's first ``GRID`` evaluation codes (the same codes at
    every step), in [-1, 1]."""

    view: dict
    state: str
    error: str | None
    samples: snapshot.Snapshot | None = None
    images: torch.Tensor | None = None


def take(trainer: Trainer, state: str = "paused", error: str | None = None) -> SpectraSnapshot:
    """The Spectra page's snapshot of ``trainer`` (a worker's child takes it)."""
    if is_image_data(trainer.config.dataset):
        return SpectraSnapshot(read_view(trainer), state, error, images=trainer.sample(z=trainer.eval_z[:GRID]))
    return SpectraSnapshot(read_view(trainer), state, error, samples=snapshot.take(trainer, state, error))
