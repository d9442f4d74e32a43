"""``python -m ganviz convert-checkpoint OLD NEW``: rewrite a checkpoint in the current format.

Reads OLD (any kind, in the current format or one before it: "ganviz-toy-gan", "ganviz-began",
"ganviz-classifier") and writes NEW.safetensors and NEW.json with the same tensors and the recipe
mapped onto the current one (``ganviz.training.checkpoint.convert``). NEW may be OLD: the file is
read whole before anything is written, and each write is atomic.

Example (the shipped classifier, in place):
    python -m ganviz convert-checkpoint checkpoints/digit_classifier.safetensors checkpoints/digit_classifier
"""

from __future__ import annotations

import argparse

from ganviz.cli.common import add_json, fail, report


def register(sub) -> None:
    p = sub.add_parser("convert-checkpoint", help="rewrite a checkpoint of an older format in the current one",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("old", metavar="OLD", help="the .safetensors file to read")
    p.add_argument("new", metavar="NEW", help="where to write NEW.safetensors and NEW.json (may be OLD)")
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ganviz.training.checkpoint import FORMAT, VERSION, CheckpointError, convert

    try:
        path, got, was = convert(args.old, args.new)
    except CheckpointError as e:
        return fail(f"{args.old}: {e}")
    return report({"from": was, "to": f"{FORMAT} v{VERSION}", "kind": got.kind, "tensors": len(got.tensors),
                   "checkpoint": str(path)}, args.json)
