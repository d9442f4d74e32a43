"""``python -m ganviz sweep``: many toy or image runs on Ray, one results table, resumable."""

from __future__ import annotations

import argparse
import sys

from ganviz.cli.common import fail, key_value, positive_int
from ganviz.training.config import parse_value


def grid_values(text: str) -> tuple[str, list]:
    """KEY=V1,V2,... with each value read as --set reads it."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=V1,V2,..., got {text!r}")
    key, raw = text.split("=", 1)
    values = [parse_value(v.strip()) for v in raw.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"{key} needs at least one value")
    return key.strip(), values


def register(sub) -> None:
    p = sub.add_parser("sweep", help="many toy or image runs on Ray into one results table",
                       description="Run a grid of changes x trials (seeds 0..K-1) on Ray: a local Ray by "
                                   "default, a cluster with --address. Each finished run's row is written "
                                   "at once to OUT/results.csv (beside OUT/spec.json); the same command "
                                   "resumes an interrupted sweep and runs only what is missing.")
    p.add_argument("spec", nargs="?", metavar="SPEC", help="a .toml or .json file with dataset, steps, trials, "
                   "set (a table of changes) and grid (a table of lists); flags add to it")
    p.add_argument("--kind", choices=["toy", "image"], help="toy runs (ring8, grid25, ...; the default) or image runs "
                   "(digits, stacked: judged by the digit classifier)")
    p.add_argument("--dataset", metavar="NAME")
    p.add_argument("--set", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                   help="a change for every run (repeatable)")
    p.add_argument("--grid", type=grid_values, action="append", default=[], metavar="KEY=V1,V2,...",
                   help="values to try for KEY (repeatable; the grid is their product)")
    p.add_argument("--trials", type=positive_int, help="seeds per grid point (default 1)")
    p.add_argument("--steps", type=positive_int, help="generator steps per run (default 2000)")
    p.add_argument("--address", metavar="ADDRESS", help="an existing Ray cluster (HOST:PORT, or 'auto'); "
                   "default: start Ray on this machine")
    p.add_argument("--max-parallel", type=positive_int, metavar="N", help="runs at once (default: Ray's CPUs)")
    p.add_argument("--no-batch", action="store_true", help="train every trial alone (default: the trials of a "
                   "grid point train as one batched model where the config allows, from 4 trials on)")
    p.add_argument("--out", required=True, metavar="DIR", help="the sweep's folder (created; reused to resume)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=run)


def spec_from(args):
    from ganviz.training.sweep import SweepSpec

    d = SweepSpec.from_file(args.spec) if args.spec else {}
    for name in ("kind", "dataset", "trials", "steps"):
        if getattr(args, name) is not None:
            d[name] = getattr(args, name)
    d["set"] = {**d.get("set", {}), **dict(args.set)}
    d["grid"] = {**d.get("grid", {}), **dict(args.grid)}
    return SweepSpec.from_dict(d).validate()


def run(args) -> int:
    from ganviz.training.sweep import run_sweep

    try:
        spec = spec_from(args)
    except (ValueError, TypeError) as e:
        return fail(str(e))

    def report(progress) -> None:
        if not args.quiet:
            print("\r" + progress.line(), end="", file=sys.stderr, flush=True)

    try:
        run_sweep(spec, args.out, address=args.address, max_parallel=args.max_parallel, report=report,
                  batch=not args.no_batch)
    except ValueError as e:
        return fail(str(e))
    except KeyboardInterrupt:
        print(f"\ninterrupted: the finished runs are in {args.out}/results.csv; run the same command to resume",
              file=sys.stderr)
        return 130
    if not args.quiet:
        print(file=sys.stderr)
    print(f"{args.out}/results.csv")
    return 0
