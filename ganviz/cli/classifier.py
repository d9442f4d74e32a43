"""``python -m ganviz classifier``: train the small digit classifier that judges generated digits."""

from __future__ import annotations

import shlex

from ganviz.cli.common import Progress, add_run_args, add_steps, fail, int_arg, report


def register(sub) -> None:
    p = sub.add_parser("classifier", help="train the digit classifier used by the gamma sweep",
                       description="Train a small conv net on 80%% of scikit-learn's digits and report its "
                                   "accuracy on the other 20%%.")
    add_steps(p, 2000, "optimiser steps")
    p.add_argument("--size", type=int_arg, default=16, help="image size: 16 or 32 (default 16)")
    add_run_args(p, set_example=None)
    p.set_defaults(func=run)


def run(args) -> int:
    import torch

    from ganviz.data.images import SIZES
    from ganviz.training.classifier import save_classifier, train_classifier

    if args.size not in SIZES:
        return fail(f"--size must be one of {', '.join(map(str, SIZES))}, got {args.size}")
    torch.set_num_threads(1)
    net, info = train_classifier(args.size, args.steps, args.seed, progress=Progress("classifier", not args.quiet))
    summary = {"size": args.size, "steps": args.steps, "seed": args.seed, **info}
    if args.out:
        command = (f"python -m ganviz classifier --steps {args.steps} --size {args.size} --seed {args.seed} "
                   f"--out {shlex.quote(str(args.out))}")
        summary["checkpoint"] = str(save_classifier(net, args.out, {"steps": args.steps, "seed": args.seed, **info},
                                                    command))
    return report(summary, args.json)
