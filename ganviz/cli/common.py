"""Helpers shared by the commands: argument types, a progress bar on stderr, JSON output."""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time

from ganviz.data.images import SIZES
from ganviz.objectives import OBJECTIVES
from ganviz.training.config import parse_value


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return v


def int_arg(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def finite_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return v


def key_value(text: str) -> tuple[str, object]:
    """KEY=VALUE, the value read by ``ganviz.training.config.parse_value``."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    value = parse_value(raw)
    return key.strip(), value


class Progress:
    """A one-line progress bar on stderr, redrawn at most 5 times a second."""

    def __init__(self, label: str, enabled: bool = True):
        self.label, self.enabled = label, enabled
        self.t0 = time.perf_counter()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if not self.enabled or (now - self._last < 0.2 and done < total):
            return
        self._last = now
        frac = done / total if total else 1.0
        bar = "#" * int(30 * frac)
        rate = done / max(now - self.t0, 1e-9)
        print(f"\r{self.label} [{bar:<30}] {done}/{total} {rate:.0f}/s", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr, flush=True)


def print_json(obj) -> None:
    """One JSON object on one line, the last line of stdout (infinities as Infinity)."""
    print(json.dumps(obj, allow_nan=True), flush=True)


def fail(message: str) -> int:
    print(f"python -m ganviz: error: {message}", file=sys.stderr)
    return 2


def add_json(p, what: str = "one JSON object as the last line of stdout") -> None:
    """--json: print ``what`` (every command's machine-readable output, said once here)."""
    p.add_argument("--json", action="store_true", help=f"print {what}")


def add_steps(p, default: int, what: str = "generator steps") -> None:
    """--steps N (a positive integer), its default in the help."""
    p.add_argument("--steps", type=positive_int, default=default, help=f"{what} (default {default})")


def add_run_args(p, set_example: str | None = "lr_g=1e-3") -> None:
    """The options every training command takes: --seed, --set KEY=VALUE (unless ``set_example`` is
    None), --out, --json, --quiet."""
    p.add_argument("--seed", type=int_arg, default=0)
    if set_example is not None:
        p.add_argument("--set", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                       help=f"override a config field, e.g. --set {set_example} (repeatable)")
    p.add_argument("--out", metavar="PATH", help="save a checkpoint (.safetensors + .json recipe) here")
    add_json(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def objective_help(archs: tuple[str, ...]) -> str:
    """--objective's help for a command that trains ``archs``: the names allowed and, per arch, the
    objective the image recipe picks without one (``ganviz.training.recipes.image_recipe``), so the
    help cannot drift from what runs. An arch the default cannot train names what it needs.

    Example:
        >>> objective_help(("dcgan",)).endswith("(default: nsgan)")
        True
    """
    from ganviz.training.recipes import image_recipe

    defaults = []
    for arch in archs:
        try:
            objective = image_recipe(arch=arch).objective
            defaults.append(objective if len(archs) == 1 else f"{objective} with --arch {arch}")
        except ValueError:  # the default objective does not fit this arch's discriminator
            energy = [name for name, o in OBJECTIVES.items() if o.discriminator == "autoencoder"]
            defaults.append(f"--arch {arch} needs one of {', '.join(energy)}")
    return "one of: " + ", ".join(OBJECTIVES) + f" (default: {'; '.join(defaults)})"


def add_image_train_args(p, archs: tuple[str, ...] = ("dcgan",), what: str = "the run") -> None:
    """The options of a command that trains the image recipe: --objective (its help names each
    arch's default, ``objective_help``), --size, --steps and --max-seconds; ``what`` names what
    the limits stop in their help ("the run", "a trial").

    Example:
        >>> p = argparse.ArgumentParser()
        >>> add_image_train_args(p)
        >>> a = p.parse_args(["--steps", "5"])
        >>> a.objective, a.size, a.steps, a.max_seconds
        (None, 16, 5, None)
    """
    p.add_argument("--objective", choices=list(OBJECTIVES), metavar="NAME", help=objective_help(archs))
    p.add_argument("--size", type=int_arg, choices=list(SIZES), default=16, metavar="S",
                   help="image side: " + " or ".join(map(str, SIZES)))
    add_steps(p, 2000, f"generator steps of {what} at most")
    p.add_argument("--max-seconds", type=positive_int, metavar="S", help=f"stop {what} after S seconds of training")


def set_args(pairs) -> list[str]:
    """``--set KEY=VALUE`` options that give back the same values: each value as JSON, so that
    ``key_value`` reads it as it was (True stays a bool, "relu" a string).

    Example:
        >>> set_args([("batch", 16), ("spectral_norm", True)])
        ['--set batch=16', '--set spectral_norm=true']
    """
    return [f"--set {shlex.quote(f'{k}={json.dumps(v)}')}" for k, v in pairs]


def train_until(trainer, steps: int, max_seconds: float | None, progress, chunk: int = 25) -> None:
    """Train ``steps`` more generator steps, or until ``max_seconds`` have passed (checked every
    ``chunk`` steps), whichever comes first; ``progress(done, steps)`` after each chunk."""
    from ganviz.training.trainer import claim_process

    claim_process(trainer.config.threads)  # the command line's process is the trainer's
    t_end = time.monotonic() + max_seconds if max_seconds else math.inf
    start = trainer.step_count
    while trainer.step_count - start < steps and time.monotonic() < t_end:
        trainer.train(min(chunk, steps - (trainer.step_count - start)))
        progress(trainer.step_count - start, steps)


def trained(trainer, args, label: str) -> int | None:
    """Train ``trainer`` for ``--steps`` / ``--max-seconds`` with a progress line labelled ``label``;
    None when done, or the exit status after one line saying it diverged."""
    from ganviz.training import TrainingDiverged

    try:
        train_until(trainer, args.steps, args.max_seconds, Progress(label, not args.quiet))
    except TrainingDiverged as e:
        return fail(str(e))
    return None


def report(summary: dict, as_json: bool) -> int:
    """Print a run's summary: one JSON object as the last line of stdout, or aligned "key: value"
    lines; returns the exit status 0."""
    if as_json:
        print_json(summary)
    else:
        width = max(map(len, summary), default=0)
        for k, v in summary.items():
            print(f"{k:>{width}}: {v}")
    return 0
