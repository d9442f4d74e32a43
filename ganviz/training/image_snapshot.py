"""What the image lab draws of a run of the one ``Trainer`` on images, made in the trainer's process.

``make_trainer(config)`` is the trainer with a ``Measure`` hook: every ``every`` generator steps it
judges samples of a fixed z with our digit classifier, by the run's data:
- the bundled digits (``ganviz.metrics.image_quality``), ``n`` samples: mean confidence, class
  entropy, classes present, digit FID (not Inception FID; the real-vs-real floor at the same n is on
  the snapshot), precision, recall, density and coverage (k = 5), and the class histogram;
- stacked digits (``ganviz.metrics.stacked``), ``STACKED_N`` samples, each channel classified as a
  grey digit: modes captured of 1,000 and KL(mode histogram || uniform), with what a perfect
  generator scores on as many samples (``expected_coverage``: 865 modes, KL 0.28 at 2,000);
- a folder's images: nothing (the classifier's measures compare with the digits; ``python -m
  ganviz image --data PATH`` judges a folder against its own images); ``not_judged`` says why.
The measured samples are drawn from their own latent codes and in eval mode, so measuring never
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
STACKED_KEYS = ("modes_captured", "kl_to_uniform", "channel_classes")
STACKED_N = 2000  # 1,000 modes need more samples than 256: a perfect generator shows 865 of them here
NOT_JUDGED_FOLDER = ("a folder's images are not judged live: the classifier's measures compare with the bundled "
                     "digits (python -m ganviz image --data PATH judges a folder against its own images)")


class Measure:
    """Trainer hook: the classifier's measures of the samples every ``every`` steps (and at step 0):
    ``n`` samples on digits, ``STACKED_N`` on stacked digits, none on a folder (``not_judged``)."""

    def __init__(self, every: int = 100, n: int = 256):
        from ganviz.training.classifier import load_classifier
        from ganviz.training.shipped import classifier_path

        self.every, self.n = every, n
        self.classifier = load_classifier(classifier_path()) if classifier_path().is_file() else None
        self.not_judged = (None if self.classifier is not None else
                           "no classifier checkpoint here: the samples are not judged (checkpoints/digit_classifier)")
        self.kind: str | None = None  # "digits" or "stacked", fixed by the first run it sees
        self.rows: list[dict] = []
        self.class_shares: list[float] = []
        self.floor = math.nan  # digit FID of real vs real at n (digits)
        self.perfect = (math.nan, math.nan)  # (modes, KL) a perfect generator shows at STACKED_N (stacked)
        self.z: torch.Tensor | None = None

    def _begin(self, trainer: Trainer) -> None:
        from ganviz.metrics.image_quality import real_floor
        from ganviz.metrics.stacked import MODES, expected_coverage

        dataset = trainer.config.dataset
        if dataset == "stacked":
            self.kind, n = "stacked", STACKED_N
            self.perfect = expected_coverage(torch.full((MODES,), 1 / MODES), n)
        elif dataset == "digits":
            self.kind, n = "digits", self.n
            self.floor = real_floor(self.classifier, n=n)["digit_fid"]
        else:
            self.not_judged = NOT_JUDGED_FOLDER
            return
        # Its own codes, from its own generator: the run's random numbers stay the run's.
        self.z = trainer.latent(n, torch.Generator().manual_seed(trainer.config.seed + 7))

    def __call__(self, trainer: Trainer) -> None:
        if self.classifier is None or trainer.step_count % self.every:
            return
        if self.kind is None and self.not_judged is None:
            self._begin(trainer)
        if self.z is None:
            return
        samples = resize(trainer.sample(z=self.z), 16)
        if self.kind == "stacked":
            from ganviz.metrics.stacked import stacked_coverage

            cov = stacked_coverage(samples, self.classifier)
            self.rows.append({"step": trainer.step_count, **{k: getattr(cov, k) for k in STACKED_KEYS}})
            return
        from ganviz.metrics.image_quality import measure_images

        m = measure_images(samples, self.classifier)
        self.rows.append({"step": trainer.step_count, **{k: m[k] for k in KEYS}})
        self.class_shares = m["class_shares"]


def make_trainer(config, data=None, every: int = 100, n: int = 256) -> Trainer:
    """A Trainer on images (``data``: the ImageSet a page opened by name, for a folder run) with the
    ``Measure`` hook, measured once before any step."""
    return measured(Trainer(config, data), every, n)


def measured(trainer: Trainer, every: int = 100, n: int = 256) -> Trainer:
    """``trainer`` with a ``Measure`` hook, measured once now (at its current step)."""
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
    judged: str | None = None  # "digits" or "stacked": which measures the rows hold
    not_judged: str | None = None  # why nothing is judged (a folder, no classifier)
    perfect: tuple[float, float] = (math.nan, math.nan)  # stacked: a perfect generator's (modes, KL)


def take(trainer: Trainer, state: str = "paused", error: str | None = None) -> ImageSnapshot:
    """Copy what the image lab draws (in the trainer's process; the page only reads it). A run the
    lab did not build (a checkpoint the worker loaded) gets its ``Measure`` here, judged at once."""
    measure = next((h for h in trainer.hooks if isinstance(h, Measure)), None)
    if measure is None:
        measure = measured(trainer).hooks[-1]
    return ImageSnapshot(
        step=trainer.step_count, state=state, error=error, objective=trainer.config.objective,
        steps_per_second=trainer.steps_per_second, samples=trainer.sample(z=trainer.eval_z[:GRID]),
        history={k: trainer.history.column(k) for k in ("step", "d_loss", "g_loss")},
        measures=[dict(r) for r in measure.rows], class_shares=list(measure.class_shares),
        fid_floor=measure.floor, device=str(trainer.device), judged=measure.kind, not_judged=measure.not_judged,
        perfect=measure.perfect)
