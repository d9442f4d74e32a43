"""What the image lab draws of a run of the one ``Trainer`` on images, made in the trainer's process.

``make_trainer(config)`` is the trainer with a ``Measure`` hook: every ``every`` generator steps it
judges ``n`` samples of a fixed z with our digit classifier (``ganviz.metrics.image_quality``):
mean confidence, class entropy, classes present, digit FID (not Inception FID; the real-vs-real
floor at the same n is on the snapshot), precision, recall, density and coverage (k = 5). The
measured samples are drawn from their own latent codes and in eval mode, so measuring never
changes the run (``Trainer.sample``). ``take`` copies what a page needs: the sample grid of the
fixed z, the loss history, the measures so far and the latest class histogram.

Example:
    >>> from ganviz.training.config import TrainConfig
    >>> t = make_trainer(TrainConfig(dataset="digits", g_width=8, d_width=8, latent_dim=8, batch=16,
    ...                              eval_samples=64), every=2, n=32)
    >>> t.train(2)
    >>> s = take(t)
    >>> s.step, tuple(s.samples.shape), s.measures[-1]["step"], len(s.class_shares)
    (2, (32, 1, 16, 16), 2, 10)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ganviz.data.images import resize
from ganviz.training.trainer import Trainer

GRID = 32  # samples in the page's grid (the fixed z, so the same digits change as G learns)
KEYS = ("quality", "class_entropy", "classes_present", "digit_fid", "precision", "recall", "density", "coverage")


class Measure:
    """Trainer hook: the classifier's measures of ``n`` samples every ``every`` steps (and at step 0)."""

    def __init__(self, every: int = 100, n: int = 256):
        from ganviz.metrics.image_quality import real_floor
        from ganviz.training.classifier import load_classifier
        from ganviz.training.shipped import classifier_path

        self.every, self.n = every, n
        self.classifier = load_classifier(classifier_path()) if classifier_path().is_file() else None
        self.rows: list[dict] = []
        self.class_shares: list[float] = []
        self.floor = real_floor(self.classifier, n=n)["digit_fid"] if self.classifier is not None else math.nan
        self.z: torch.Tensor | None = None

    def __call__(self, trainer: Trainer) -> None:
        if self.classifier is None or trainer.step_count % self.every:
            return
        from ganviz.metrics.image_quality import measure_images

        if self.z is None:  # its own codes, from its own generator: the run's random numbers stay the run's
            gen = torch.Generator().manual_seed(trainer.config.seed + 7)
            shape = (self.n, trainer.config.latent_dim)
            uniform = trainer.config.latent_dist == "uniform"
            self.z = torch.rand(shape, generator=gen) * 2 - 1 if uniform else torch.randn(shape, generator=gen)
        m = measure_images(resize(trainer.sample(z=self.z), 16), self.classifier)
        self.rows.append({"step": trainer.step_count, **{k: m[k] for k in KEYS}})
        self.class_shares = m["class_shares"]


def make_trainer(config, every: int = 100, n: int = 256) -> Trainer:
    """A Trainer on images with the ``Measure`` hook, measured once before any step."""
    trainer = Trainer(config)
    measure = Measure(every, n)
    trainer.hooks.append(measure)
    measure(trainer)
    return trainer


@dataclass
class ImageSnapshot:
    step: int
    state: str
    error: str | None
    objective: str
    steps_per_second: float
    samples: torch.Tensor  # (GRID, C, S, S) in [-1, 1], of the fixed z
    history: dict[str, list] = field(default_factory=dict)  # step, d_loss, g_loss
    measures: list[dict] = field(default_factory=list)
    class_shares: list[float] = field(default_factory=list)
    fid_floor: float = math.nan
    device: str = "cpu"


def take(trainer: Trainer, state: str = "paused", error: str | None = None) -> ImageSnapshot:
    """Copy what the image lab draws (in the trainer's process; the page only reads it)."""
    measure = next((h for h in trainer.hooks if isinstance(h, Measure)), None)
    return ImageSnapshot(
        step=trainer.step_count, state=state, error=error, objective=trainer.config.objective,
        steps_per_second=trainer.steps_per_second, samples=trainer.sample(z=trainer.eval_z[:GRID]),
        history={k: trainer.history.column(k) for k in ("step", "d_loss", "g_loss")},
        measures=[dict(r) for r in measure.rows] if measure else [],
        class_shares=list(measure.class_shares) if measure else [],
        fid_floor=measure.floor if measure else math.nan, device=str(trainer.device))
