"""``python -m ganviz began``: train BEGAN on images headless, save a checkpoint, print its numbers."""

from __future__ import annotations

import json
import shlex
import sys

from ganviz.cli.common import add_run_args, add_steps, fail, int_arg, positive_int, report, trained
from ganviz.cli.image import data_fields


def register(sub) -> None:
    p = sub.add_parser("began", help="train BEGAN on images (digits by default)",
                       description="Train BEGAN (Berthelot et al. 2017) on handwritten digits or a local image "
                                   "folder; report k_t, M_global and, on digits, the classifier's numbers.")
    p.add_argument("--gamma", type=float, default=0.5, help="diversity ratio gamma in [0, 1] (default 0.5)")
    add_steps(p, 20000)
    p.add_argument("--data", default="digits", metavar="SOURCE",
                   help="'digits' (bundled), 'stacked', or a folder with MNIST/Fashion-MNIST idx files or images")
    p.add_argument("--size", type=int_arg, default=16, help="image size: 16 or 32 (default 16)")
    add_run_args(p, "lr_g=5e-5 --set g_width=64")
    p.add_argument("--max-seconds", type=positive_int, metavar="S",
                   help="stop early after S seconds of training (the recipe records the steps done)")
    p.add_argument("--samples", type=positive_int, default=500, help="samples judged by the classifier")
    p.set_defaults(func=run)


def run(args) -> int:
    from ganviz.metrics.quality import judge_generator
    from ganviz.training import Trainer
    from ganviz.training.began import began_config, run_summary
    from ganviz.training.checkpoint import CheckpointError, save
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import classifier_path

    try:
        config = began_config(**data_fields(args.data, None), image_size=args.size, seed=args.seed, began_gamma=args.gamma,
                              **dict(args.set))
        trainer = Trainer(config)
    except (ValueError, TypeError, OSError) as e:
        return fail(str(e))
    if (status := trained(trainer, args, f"BEGAN gamma={config.params.began_gamma:g}")) is not None:
        return status
    summary = {"gamma": config.params.began_gamma, **run_summary(trainer), "seconds": round(trainer.train_seconds, 1),
               "device": str(trainer.device)}
    if config.dataset == "digits" and classifier_path().is_file():
        try:
            summary.update(judge_generator(trainer, load_classifier(classifier_path()), args.samples))
        except CheckpointError as e:
            print(f"python -m ganviz: warning: not judged: {e}", file=sys.stderr)
    if args.out:
        summary["checkpoint"] = str(save(trainer, args.out, command_for(trainer, args.out)))
    return report(summary, args.json)


def command_for(trainer, out: str) -> str:
    """The one command that reproduces a run: its gamma, the steps it actually trained, and every
    setting that differs from BEGAN's recipe."""
    from ganviz.training.began import began_config

    c, default = trainer.config, began_config()
    parts = ["python -m ganviz began", f"--gamma {c.params.began_gamma:g}", f"--steps {trainer.step_count}"]
    if c.dataset == "folder":
        parts.append(f"--data {shlex.quote(c.source)}")
    if c.image_size != default.image_size:
        parts.append(f"--size {c.image_size}")
    if c.seed != default.seed:
        parts.append(f"--seed {c.seed}")
    skip = {"began_gamma", "dataset", "source", "image_size", "seed", "device", "threads"}
    mine, base = c.to_dict(), default.to_dict()
    for name, value in mine.items():
        if name not in skip and value != base.get(name):
            parts.append(f"--set {shlex.quote(f'{name}={json.dumps(value)}')}")
    return " ".join(parts + [f"--out {shlex.quote(str(out))}"])
