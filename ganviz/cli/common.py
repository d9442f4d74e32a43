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
