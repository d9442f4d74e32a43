"""``python -m ganviz train``: train a toy GAN headless and print its numbers."""

from __future__ import annotations

import shlex
import sys

from ganviz.cli.common import Progress, add_run_args, add_steps, fail, print_json, report
from ganviz.data.toy import DATASETS
from ganviz.objectives import OBJECTIVES
from ganviz.training import TrainingDiverged
from ganviz.training.recipes import recipe


def register(sub) -> None:
    p = sub.add_parser("train", help="train a GAN on toy data headless",
                       description="Train a GAN on a toy data set and report mode coverage and W1.")
    p.add_argument("--dataset", required=True, choices=list(DATASETS), metavar="NAME",
                   help="one of: " + ", ".join(DATASETS))
    p.add_argument("--objective", choices=list(OBJECTIVES), metavar="NAME",
                   help="one of: " + ", ".join(OBJECTIVES) + " (default: the project's best recipe for the dataset)")
    add_steps(p, 5000)
    add_run_args(p, "lr_g=1e-3")
    p.set_defaults(func=run)


def run(args) -> int:
    from ganviz.training import Trainer
    from ganviz.training.checkpoint import save

    try:
        config = recipe(args.dataset, args.objective, seed=args.seed, steps=args.steps, **dict(args.set))
        trainer = Trainer(config)
    except (ValueError, TypeError) as e:
        return fail(str(e))
    try:
        trainer.train(args.steps, Progress(f"{config.objective} on {config.dataset}", not args.quiet))
    except TrainingDiverged as e:
        return fail(str(e)) if not args.json else _diverged(args, trainer, e)
    summary = trainer.summary()
    if args.out:
        command = "python -m ganviz " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else None
        summary["checkpoint"] = str(save(trainer, args.out, command))
    return report(summary, args.json)


def _diverged(args, trainer, e) -> int:
    print_json({"dataset": args.dataset, "objective": trainer.config.objective, "steps": trainer.step_count,
                "diverged": str(e)})
    print(f"python -m ganviz: error: {e}", file=sys.stderr)
    return 1
