"""The shipped checkpoints: where they are, the BEGAN runs by gamma, the digit classifier, and the
gamma sweep that judges each run.

The folder is the repository's checkpoints/ (measured in checkpoints/README.md), or
$GANVIZ_CHECKPOINTS where it is set (tests, other models). A BEGAN run is
began_gamma<G>.safetensors (an image run of objective began: ``ganviz.training.began``), the classifier digit_classifier.safetensors
(``ganviz.training.classifier``).

Example:
    >>> sorted(shipped_began(CHECKPOINTS)), CLASSIFIER_PATH.name
    ([0.3, 0.5, 0.7], 'digit_classifier.safetensors')
"""

from __future__ import annotations

import os
from pathlib import Path

from ganviz.metrics.quality import judge_generator
from ganviz.training.began import load

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"
CLASSIFIER_PATH = CHECKPOINTS / "digit_classifier.safetensors"


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


def sweep(classifier, n: int = 500, seed: int = 0, folder: str | Path | None = None) -> list[dict]:
    """One row per shipped gamma: ``judge_generator`` of its checkpoint, plus k_t, steps and path.
    A missing or damaged checkpoint raises CheckpointError."""
    rows = []
    for gamma, path in shipped_began(folder).items():
        trainer = load(path)
        rows.append({"gamma": gamma, **judge_generator(trainer, classifier, n, seed),
                     "k_t": round(trainer.objective.k_t, 5), "steps": trainer.step_count, "checkpoint": str(path)})
    return rows
