"""``python -m ganviz truncation``: BigGAN's fidelity / variety trade-off (Brock et al. 2019, Fig. 2).

Loads a digit checkpoint (``python -m ganviz image --arch biggan --out PATH``) and prints
``ganviz.metrics.truncation.truncation_report``: at each threshold t, the same ``--samples`` codes
z ~ N(0, I) (seed ``--seed``) with every component |z_i| > t redrawn, generated (class ``--class K``,
or every class in turn) and judged by our digit classifier: precision and recall (k = 5, against the
real digits, of class K with ``--class``), mean confidence and class agreement.

Example:
    python -m ganviz truncation --checkpoint checkpoints/biggan_digits.safetensors --thresholds 0.5,1,2 --json
"""

from __future__ import annotations

import argparse
import math

from ganviz.cli.common import add_json, fail, int_arg, positive_int, print_json
from ganviz.metrics.image_quality import K
from ganviz.metrics.truncation import truncation_report


def thresholds_arg(text: str) -> list[float]:
    """T1,T2,... as numbers > 0."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected thresholds like 0.5,1,2 (numbers > 0), got {text!r}") from None
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"every threshold must be a finite number > 0, got {text!r}")
    return values


def register(sub) -> None:
    p = sub.add_parser("truncation", help="precision, recall, confidence and class agreement as the truncation "
                                          "threshold moves",
                       description="Judge a digit checkpoint's samples with the latent truncated at each threshold "
                                   "(BigGAN's truncation trick): precision, recall, mean confidence and class "
                                   "agreement per threshold.")
    p.add_argument("--checkpoint", required=True, metavar="PATH",
                   help="a .safetensors file saved by `python -m ganviz image --arch biggan --out PATH`")
    p.add_argument("--class", dest="klass", type=int_arg, metavar="K",
                   help="generate class K only (default: every class in turn)")
    p.add_argument("--thresholds", type=thresholds_arg, default=[0.5, 1.0, 2.0], metavar="T1,T2,...",
                   help="truncation thresholds, numbers > 0 (default 0.5,1,2)")
    p.add_argument("--samples", type=positive_int, default=500, metavar="N",
                   help="samples judged at each threshold (default 500; more than 5)")
    p.add_argument("--seed", type=int_arg, default=0, help="seed of the codes and their redraws (default 0)")
    add_json(p, 'one JSON object: {"thresholds": [{"threshold", "precision", "recall", ...}]}')
    p.set_defaults(func=run)


def check_args(trainer, args) -> None:
    """The flags this run cannot take, as one line naming the flag (ValueError)."""
    if args.samples <= K:
        raise ValueError(f"--samples must be more than {K} (precision and recall use the {K} nearest neighbours)")
    if args.klass is not None and not trainer.n_classes:
        raise ValueError(f"this run is unconditional (arch {trainer.config.arch}): it takes no --class; train a "
                         "class-conditional one with `python -m ganviz image --arch biggan --out PATH`")
    if args.klass is not None and not 0 <= args.klass < trainer.n_classes:
        raise ValueError(f"--class {args.klass} is not one of the run's classes: give 0 to {trainer.n_classes - 1}")


def run(args) -> int:
    from ganviz.training.checkpoint import CheckpointError, load
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import classifier_path

    try:
        trainer = load(args.checkpoint)
        check_args(trainer, args)
        classifier = load_classifier(classifier_path())
        report = truncation_report(trainer, classifier, args.thresholds, args.samples, args.klass, args.seed)
    except (ValueError, CheckpointError) as e:
        return fail(str(e))
    report = {"checkpoint": str(args.checkpoint), **report}
    if args.json:
        print_json(report)
        return 0
    print(f"{args.checkpoint}: {report['arch']}, step {report['steps']}, {report['samples']} samples "
          f"(class {'each in turn' if args.klass is None else args.klass}), against {report['reference']}")
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'confidence':>10} {'agreement':>9}")
    for r in report["thresholds"]:
        agree = "-" if r["class_agreement"] is None else f"{r['class_agreement']:.3f}"
        print(f"{r['threshold']:>9g} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['mean_confidence']:>10.3f} "
              f"{agree:>9}")
    return 0
