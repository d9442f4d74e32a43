"""``python -m ganviz truncation``: BigGAN's fidelity / variety trade-off (Brock et al. 2019, Fig. 2).

Loads a digit checkpoint (``python -m ganviz image --arch biggan --out PATH``) and, at each threshold
t, draws the same ``--samples`` codes z ~ N(0, I) (seed ``--seed``), redraws every component with
|z_i| > t (``ganviz.latent.truncate``), generates them and judges them with our digit classifier:

- precision and recall (Kynkäänniemi et al. 2019, k = 5, ``ganviz.metrics.image_quality``): against
  the 898 real digits of half A, or with ``--class K`` against the real digits of class K;
- mean confidence: the mean of the classifier's top probability;
- class agreement: the fraction classified as the requested class: K with ``--class K``, else each
  sample's own class, 0, 1, ..., 9, 0, 1, ... (every class alike), with the agreement per class.

Lower thresholds should raise precision and confidence and lower recall. An unconditional run
(its latent normal or uniform) is judged the same way, without classes.

Example:
    python -m ganviz truncation --checkpoint checkpoints/biggan_digits.safetensors --thresholds 0.5,1,2 --json
"""

from __future__ import annotations

import argparse
import math

from ganviz.cli.common import fail, int_arg, positive_int, print_json


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
    p.add_argument("--json", action="store_true",
                   help='print one JSON object: {"thresholds": [{"threshold", "precision", "recall", ...}]}')
    p.set_defaults(func=run)


def truncation_report(trainer, classifier, thresholds, n: int = 500, klass: int | None = None, seed: int = 0) -> dict:
    """The module docstring's numbers at each threshold; ValueError with one line for a class the
    run does not have, a run not on digits, or too few samples."""
    import torch

    from ganviz.data.images import resize
    from ganviz.latent import truncate
    from ganviz.metrics.image_quality import K, measure_images

    c = trainer.config
    if c.dataset != "digits":
        raise ValueError(f"the digit classifier judges runs on the digits; this run trained on {c.dataset}")
    if n <= K:
        raise ValueError(f"--samples must be more than {K} (precision and recall use the {K} nearest neighbours)")
    if klass is not None and not trainer.n_classes:
        raise ValueError(f"this run is unconditional (arch {c.arch}): it takes no --class; train a class-conditional "
                         "one with `python -m ganviz image --arch biggan --out PATH`")
    if klass is not None and not 0 <= klass < trainer.n_classes:
        raise ValueError(f"--class {klass} is not one of the run's classes: give 0 to {trainer.n_classes - 1}")
    y = trainer.classes(n, klass)
    reference, described = None, "the 898 real digits of half A"
    if klass is not None:
        real = trainer.data.images[trainer.data.labels == klass]
        reference, described = classifier.embed(resize(real, 16)), f"the {len(real)} real digits of class {klass}"
    rows = []
    for t in thresholds:
        gen = torch.Generator().manual_seed(seed)  # the same codes at every threshold, truncated differently
        z = truncate(trainer.latent(n, gen), t, gen=gen, dist=c.latent_dist)
        images = resize(trainer.sample(z=z, y=y), 16)
        m = measure_images(images, classifier, reference)
        row = {"threshold": t, "precision": m["precision"], "recall": m["recall"], "mean_confidence": m["quality"],
               "class_agreement": None, "density": m["density"], "coverage": m["coverage"],
               "digit_fid": m["digit_fid"], "classes_present": m["classes_present"]}
        if y is not None:
            hit = (classifier.probabilities(images).argmax(1) == y.cpu()).float()
            row["class_agreement"] = round(float(hit.mean()), 4)
            if klass is None:
                row["class_agreement_by_class"] = [round(float(hit[y.cpu() == k].mean()), 4)
                                                   for k in range(trainer.n_classes)]
        rows.append(row)
    return {"arch": c.arch, "steps": trainer.step_count, "samples": n, "seed": seed, "class": klass,
            "latent": c.latent_dist, "reference": described, "thresholds": rows}


def run(args) -> int:
    from ganviz.training.checkpoint import CheckpointError, load
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import classifier_path

    try:
        trainer = load(args.checkpoint)
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
