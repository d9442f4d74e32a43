"""``python -m ganviz image``: train any objective on images headless (the one Trainer), judge the
samples with our digit classifier and print the numbers; it stops at whichever of ``--steps`` and
``--max-seconds`` comes first.

Example (a few steps of the image default on 16 x 16 digits):
    python -m ganviz image --steps 20 --json
"""

from __future__ import annotations

import shlex
import sys

from ganviz.cli.common import Progress, add_run_args, fail, int_arg, positive_int, report, train_until
from ganviz.data.images import IMAGE_SETS, SIZES
from ganviz.nets.factory import ARCHS
from ganviz.objectives import OBJECTIVES

def register(sub) -> None:
    p = sub.add_parser("image", help="train a GAN of the family on images (digits)",
                       description="Train any objective on the bundled digits with conv nets (DCGAN-style, or "
                                   "BEGAN's autoencoder pair) and report the classifier's quality and diversity.")
    p.add_argument("--objective", choices=list(OBJECTIVES), metavar="NAME",
                   help="one of: " + ", ".join(OBJECTIVES) + " (default: the image default, nsgan)")
    p.add_argument("--arch", choices=list(ARCHS), default="dcgan", metavar="ARCH",
                   help="one of: " + ", ".join(ARCHS) + " (sagan trains SAGAN's recipe: hinge, D lr 4e-4, G lr 1e-4)")
    p.add_argument("--data", choices=list(IMAGE_SETS), default="digits", metavar="NAME",
                   help="one of: " + ", ".join(IMAGE_SETS))
    p.add_argument("--size", type=int_arg, choices=list(SIZES), default=16, metavar="S",
                   help="image side: " + " or ".join(map(str, SIZES)))
    p.add_argument("--steps", type=positive_int, default=2000, help="generator steps at most (default 2000)")
    p.add_argument("--max-seconds", type=positive_int, metavar="S", help="stop after S seconds of training")
    add_run_args(p, "lr_g=1e-4")
    p.add_argument("--samples", type=positive_int, default=500, help="samples judged by the classifier")
    p.set_defaults(func=run)


def run(args) -> int:
    from ganviz.training import Trainer, TrainingDiverged
    from ganviz.training.checkpoint import save
    from ganviz.training.recipes import image_recipe

    try:
        config = image_recipe(args.data, args.objective, seed=args.seed, image_size=args.size, arch=args.arch,
                              **dict(args.set))
        trainer = Trainer(config)
    except (ValueError, TypeError) as e:
        return fail(str(e))
    progress = Progress(f"{config.objective} on {config.dataset} {config.image_size}px", not args.quiet)
    try:
        train_until(trainer, args.steps, args.max_seconds, progress)
    except TrainingDiverged as e:
        return fail(str(e))
    summary = {"objective": config.objective, "arch": config.arch, "data": config.dataset,
               "size": config.image_size, "seed": config.seed, "steps": trainer.step_count,
               "seconds": round(trainer.train_seconds, 1),
               "steps_per_second": round(trainer.step_count / trainer.train_seconds, 2) if trainer.train_seconds else 0.0,
               **judged(trainer, args.samples), "device": str(trainer.device)}
    if args.out:
        summary["checkpoint"] = str(save(trainer, args.out, command_for(args, trainer.step_count)))
    return report(summary, args.json)


MEASURES = ("quality", "class_entropy", "classes_present", "class_shares", "digit_fid", "precision", "recall",
            "density", "coverage")


def judged(trainer, n: int) -> dict:
    """The digit classifier's verdict on n samples (at the classifier's 16 px): quality, diversity,
    digit FID, precision, recall, density and coverage (k = 5), and the real-vs-real floor of the
    FID at the same n (``ganviz.metrics.image_quality``); {} without a classifier."""
    from ganviz.data.images import resize
    from ganviz.metrics.image_quality import measure_images, real_floor
    from ganviz.training.checkpoint import CheckpointError
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import classifier_path

    if not classifier_path().is_file():
        return {}
    try:
        classifier = load_classifier(classifier_path())
    except CheckpointError as e:
        print(f"python -m ganviz: warning: not judged: {e}", file=sys.stderr)
        return {}
    out = measure_images(resize(trainer.sample(n), 16), classifier)
    floor = real_floor(classifier, n=n)
    return {**{k: out[k] for k in MEASURES}, "digit_fid_real_floor": floor["digit_fid"]}


def command_for(args, steps: int) -> str:
    """The command that reproduces the run: the steps it trained, its seed and every option given."""
    parts = ["python -m ganviz image", f"--steps {steps}", f"--seed {args.seed}", f"--arch {args.arch}",
             f"--data {args.data}", f"--size {args.size}"]
    if args.objective:
        parts.append(f"--objective {args.objective}")
    parts += [f"--set {shlex.quote(f'{k}={v}')}" for k, v in args.set]
    return " ".join(parts)
