"""``python -m ganviz modes``: the mode-coverage protocol of VEEGAN/PacGAN over several trials."""

from __future__ import annotations

import time

from ganviz.cli.common import Progress, add_json, fail, positive_int, print_json
from ganviz.metrics.modes import mean_and_se
from ganviz.objectives import OBJECTIVES
from ganviz.training import Trainer, TrainingDiverged
from ganviz.training.recipes import default_steps, recipe


def register(sub) -> None:
    p = sub.add_parser("modes", help="mode-coverage benchmark (VEEGAN/PacGAN protocol)",
                       description="Train K trials (seeds 0..K-1) and report modes captured, the "
                                   "high-quality fraction and the KL of the mode histogram to uniform.")
    p.add_argument("--dataset", required=True, choices=["ring8", "grid25"], metavar="NAME", help="ring8 or grid25")
    p.add_argument("--objective", choices=list(OBJECTIVES), metavar="NAME",
                   help="one of: " + ", ".join(OBJECTIVES) + " (default: the project's best recipe)")
    p.add_argument("--trials", type=positive_int, default=10)
    p.add_argument("--steps", type=positive_int, help="generator steps per trial (default: the recipe's, "
                   "ring8 4000, grid25 6000)")
    add_json(p)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.steps is None:
        args.steps = default_steps(args.dataset)
    try:
        objective = recipe(args.dataset, args.objective, steps=args.steps).objective
    except ValueError as e:
        return fail(str(e))
    rows = []
    t0 = time.perf_counter()
    for seed in range(args.trials):
        try:
            trainer = Trainer(recipe(args.dataset, args.objective, seed=seed, steps=args.steps))
            trainer.train(args.steps, Progress(f"trial {seed + 1}/{args.trials}", not args.quiet))
            s = trainer.summary()
        except TrainingDiverged as e:
            # A diverged trial captured nothing: it counts, as in the papers' averages.
            s = {"modes_captured": 0, "hq_fraction": 0.0, "kl_modes": float("nan"), "diverged": str(e)}
        rows.append(s)
    modes_mean, modes_se = mean_and_se([r["modes_captured"] for r in rows])
    hq_mean, hq_se = mean_and_se([r["hq_fraction"] for r in rows])
    kls = [r["kl_modes"] for r in rows if r["kl_modes"] == r["kl_modes"]]
    out = {
        "dataset": args.dataset,
        "objective": objective,
        "modes_mean": modes_mean, "modes_se": modes_se,
        "hq_mean": hq_mean, "hq_se": hq_se,
        "kl_mean": sum(kls) / len(kls) if kls else None,
        "trials": args.trials, "steps": args.steps,
        "seconds": round(time.perf_counter() - t0, 2),
        "per_trial": [{"modes": r["modes_captured"], "hq": r["hq_fraction"]} for r in rows],
    }
    if args.json:
        print_json(out)
    else:
        print(f"{args.dataset}: modes {modes_mean:.2f} ± {modes_se:.2f}, HQ {hq_mean:.1%} ± {hq_se:.1%} "
              f"({args.trials} trials of {args.steps} steps, {out['seconds']:.0f} s)")
    return 0
