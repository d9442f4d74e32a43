"""``python -m ganviz stacked``: the stacked-digits benchmark (1,000 modes; Unrolled GAN, VEEGAN
Table 2, PacGAN Table 2). Each trial trains the one Trainer on the stacked pool
(``ganviz.data.stacked``) until the first of ``--steps`` and ``--max-seconds``, draws ``--samples``
(26,000, the papers' count) and reports modes captured and KL(mode histogram || uniform)
(``ganviz.metrics.stacked``); trial i uses seed ``--seed`` + i, and K trials give mean ± standard
error. ``perfect`` is what a generator drawing the 1,000 modes uniformly would score on as many
samples: the floor the KL is read against.

Example (a few steps, a few samples):
    python -m ganviz stacked --steps 20 --samples 2000 --json
"""

from __future__ import annotations

import math

from ganviz.cli.common import (Progress, add_image_train_args, add_run_args, fail, positive_int, report, set_args,
                               train_until)
from ganviz.metrics.modes import mean_and_se
from ganviz.metrics.stacked import SAMPLES, generator_coverage, perfect


def register(sub) -> None:
    p = sub.add_parser("stacked", help="stacked-digits mode coverage (1,000 modes)",
                       description="Train K trials on stacked digits (three digits as RGB channels) and report "
                                   "modes captured and the KL of the mode histogram to uniform.")
    add_image_train_args(p, what="a trial")
    p.add_argument("--trials", type=positive_int, default=1, help="trials, seeds --seed .. --seed + K - 1")
    p.add_argument("--samples", type=positive_int, default=SAMPLES, help=f"samples classified (default {SAMPLES:,})")
    add_run_args(p, "lr_g=1e-4")
    p.set_defaults(func=run)


def run(args) -> int:
    from ganviz.training.checkpoint import CheckpointError, save
    from ganviz.training.classifier import load_classifier
    from ganviz.training.recipes import image_recipe
    from ganviz.training.shipped import classifier_path

    if args.out and args.trials > 1:
        return fail("--out saves one run: use it with --trials 1")
    try:
        configs = [image_recipe("stacked", args.objective, seed=args.seed + i, image_size=args.size,
                                **dict(args.set)) for i in range(args.trials)]
    except (ValueError, TypeError) as e:
        return fail(str(e))
    try:
        classifier = load_classifier(classifier_path())
    except CheckpointError as e:
        return fail(f"the digit classifier reads the modes: {e}")
    rows = []
    for i, config in enumerate(configs):
        trainer, row = trial(config, classifier, args, f"trial {i + 1}/{args.trials}")
        rows.append(row)
    modes_mean, modes_se = mean_and_se([r["modes"] for r in rows])
    kls = [r["kl"] for r in rows if not math.isnan(r["kl"])]
    kl_mean, kl_se = mean_and_se(kls) if kls else (math.nan, math.nan)
    summary = {"objective": configs[0].objective, "data": "stacked", "size": args.size, "samples": args.samples,
               "trials": args.trials, "modes_mean": modes_mean, "modes_se": round(modes_se, 2),
               "kl_mean": round(kl_mean, 4), "kl_se": round(kl_se, 4),
               "perfect": perfect(args.samples), "per_trial": rows}
    if args.out:
        summary["checkpoint"] = str(save(trainer, args.out, command_for(args, trainer.step_count)))
    return report(summary, args.json)


def trial(config, classifier, args, label: str):
    """Train one trainer and measure its samples: (trainer, {seed, steps, seconds, modes, kl, ...})."""
    from ganviz.training import Trainer, TrainingDiverged

    trainer = Trainer(config)
    try:
        train_until(trainer, args.steps, args.max_seconds, Progress(f"{label} {config.objective}", not args.quiet))
        measured = coverage(trainer.sample, classifier, args.samples, Progress(f"{label} modes of", not args.quiet))
    except TrainingDiverged as e:
        # A diverged trial captured nothing; it counts in the modes' mean, as in the papers' averages.
        measured = {"modes": 0, "kl": math.nan, "diverged": str(e)}
    return trainer, {"seed": config.seed, "steps": trainer.step_count, "seconds": round(trainer.train_seconds, 2),
                     **measured}


def coverage(sample, classifier, n: int, progress=None) -> dict:
    """Modes captured (of 1,000), KL(mode histogram || uniform) and classes per channel of n samples
    drawn by ``sample(m)`` (``ganviz.metrics.stacked.generator_coverage``), as a run's summary holds them."""
    r = generator_coverage(sample, classifier, n, progress=progress)
    return {"modes": r.modes_captured, "kl": round(r.kl_to_uniform, 4), "channel_classes": list(r.channel_classes)}


def command_for(args, steps: int) -> str:
    """The command that reproduces one trial: the steps it trained, its seed and every option given."""
    parts = ["python -m ganviz stacked", f"--steps {steps}", f"--seed {args.seed}", f"--size {args.size}"]
    if args.objective:
        parts.append(f"--objective {args.objective}")
    return " ".join(parts + set_args(args.set))
