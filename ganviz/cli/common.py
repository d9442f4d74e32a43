"""Helpers shared by the commands: argument types, a progress bar on stderr, JSON output."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

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


def add_run_args(p, set_example: str | None = "lr_g=1e-3") -> None:
    """The options every training command takes: --seed, --set KEY=VALUE (unless ``set_example`` is
    None), --out, --json, --quiet."""
    p.add_argument("--seed", type=int_arg, default=0)
    if set_example is not None:
        p.add_argument("--set", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                       help=f"override a config field, e.g. --set {set_example} (repeatable)")
    p.add_argument("--out", metavar="PATH", help="save a checkpoint (.safetensors + .json recipe) here")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line of stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def train_until(trainer, steps: int, max_seconds: float | None, progress, chunk: int = 25) -> None:
    """Train ``steps`` more generator steps, or until ``max_seconds`` have passed (checked every
    ``chunk`` steps), whichever comes first; ``progress(done, steps)`` after each chunk."""
    t_end = time.monotonic() + max_seconds if max_seconds else math.inf
    start = trainer.step_count
    while trainer.step_count - start < steps and time.monotonic() < t_end:
        trainer.train(min(chunk, steps - (trainer.step_count - start)))
        progress(trainer.step_count - start, steps)


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
