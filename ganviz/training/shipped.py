"""The shipped checkpoints: where they are, the BEGAN runs by gamma, the digit classifier, the
gamma sweep that judges each run, and the image lab's runs on 16 x 16 digits by objective.

The folder is the repository's checkpoints/ (measured in checkpoints/README.md), or
$GANVIZ_CHECKPOINTS where it is set (tests, other models). A BEGAN run is
began_gamma<G>.safetensors (an image run of objective began: ``ganviz.training.began``), the classifier digit_classifier.safetensors
(``ganviz.training.classifier``). The image runs (``IMAGE_RUNS``) are image_<name>.safetensors, each
trained by the one command in its recipe (measured in checkpoints/README.md).

Example:
    >>> sorted(shipped_began(CHECKPOINTS)), CLASSIFIER_PATH.name
    ([0.3, 0.5, 0.7], 'digit_classifier.safetensors')
    >>> {k: p.name for k, p in shipped_images(CHECKPOINTS).items()}["wgan-gp"]
    'image_wgan_gp.safetensors'
"""

from __future__ import annotations

import os
from pathlib import Path

from ganviz.metrics.quality import judge_generator
from ganviz.training.began import load

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"
CLASSIFIER_PATH = CHECKPOINTS / "digit_classifier.safetensors"
# The image lab's runs on 16 x 16 digits, DCGAN-style nets: the image default (``image_recipe()``),
# NSGAN as DCGAN trained it (no EMA of G), WGAN-GP, and hinge with spectral norm in D.
IMAGE_RUNS = {"default": "image_default", "nsgan": "image_nsgan", "wgan-gp": "image_wgan_gp", "hinge": "image_hinge_sn"}


def checkpoint_dir() -> Path:
    """The shipped checkpoints' folder, or $GANVIZ_CHECKPOINTS where it is set (tests, other models)."""
    return Path(os.environ.get("GANVIZ_CHECKPOINTS") or CHECKPOINTS)


def classifier_path() -> Path:
    """The digit classifier's file in ``checkpoint_dir()``."""
    return checkpoint_dir() / CLASSIFIER_PATH.name


def shipped_began(folder: str | Path | None = None) -> dict[float, Path]:
    """{gamma: path} of the BEGAN checkpoints named began_gamma<G>.safetensors in ``folder``."""
    out = {}
    for p in sorted(Path(folder or checkpoint_dir()).glob("began_gamma*.safetensors")):
        try:
            out[float(p.stem.removeprefix("began_gamma"))] = p
        except ValueError:
            continue
    return dict(sorted(out.items()))


def shipped_images(folder: str | Path | None = None) -> dict[str, Path]:
    """{name: path} of the image runs of ``IMAGE_RUNS`` present in ``folder``: "default" (the image
    default) and the objectives "nsgan", "wgan-gp" and "hinge" (open one with
    ``ganviz.training.checkpoint.load``)."""
    where = Path(folder or checkpoint_dir())
    return {name: where / f"{stem}.safetensors" for name, stem in IMAGE_RUNS.items()
            if (where / f"{stem}.safetensors").is_file()}


def sweep(classifier, n: int = 500, seed: int = 0, folder: str | Path | None = None) -> list[dict]:
    """One row per shipped gamma: ``judge_generator`` of its checkpoint, plus k_t, steps and path.
    A missing or damaged checkpoint raises CheckpointError."""
    rows = []
    for gamma, path in shipped_began(folder).items():
        trainer = load(path)
        rows.append({"gamma": gamma, **judge_generator(trainer, classifier, n, seed),
                     "k_t": round(trainer.objective.k_t, 5), "steps": trainer.step_count, "checkpoint": str(path)})
    return rows
