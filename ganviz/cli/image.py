"""``python -m ganviz image``: train any objective on images headless (the one Trainer), judge the
samples and print the numbers; it stops at whichever of ``--steps`` and ``--max-seconds`` comes first.

``--data`` is an image set (digits, stacked) or a folder of images or MNIST idx files. What the
verdict holds depends on the data: on digits, the digit classifier's quality, diversity, digit FID,
precision, recall, density and coverage; on stacked digits, modes captured of 1,000 and the KL of
the mode histogram to uniform (``ganviz.metrics.stacked``); on a grey folder, the feature measures
against the folder's own images (without labels there are no class measures); on a colour folder,
nothing (a one-line note says why).

Example (a few steps of the image default on 16 x 16 digits, then on a folder of PNGs):
    python -m ganviz image --steps 20 --json
    python -m ganviz image --data ~/faces --channels 3 --steps 20 --json
"""

from __future__ import annotations

import shlex
from pathlib import Path

from ganviz.cli.common import (Progress, add_image_train_args, add_run_args, fail, int_arg, positive_int, report,
                               set_args, trained)
from ganviz.data.images import IMAGE_SETS
from ganviz.nets.factory import ARCHS
from ganviz.training.config import FOLDER

# Config fields that have an option of their own: a --set of one would contradict the option (and
# the recorded command), so it is refused with the option's name.
OWN_OPTIONS = {"dataset": "--data", "source": "--data", "channels": "--channels", "image_size": "--size",
               "arch": "--arch", "seed": "--seed", "objective": "--objective"}


def register(sub) -> None:
    p = sub.add_parser("image", help="train a GAN of the family on images (digits, stacked digits, a folder)",
                       description="Train any objective on images with conv nets (DCGAN-style, BEGAN's autoencoder "
                                   "pair, or SAGAN's) and report quality and diversity: the digit classifier's "
                                   "numbers on digits, modes and KL on stacked digits.")
    add_image_train_args(p, archs=ARCHS)
    p.add_argument("--arch", choices=list(ARCHS), default="dcgan", metavar="ARCH",
                   help="one of: " + ", ".join(ARCHS) + " (sagan trains SAGAN's recipe: hinge, D lr 4e-4, G lr 1e-4)")
    p.add_argument("--data", default="digits", metavar="|".join((*IMAGE_SETS, "PATH")),
                   help=f"an image set ({', '.join(IMAGE_SETS)}) or the PATH of a folder of images or MNIST idx "
                        "files (a folder named like a set: ./digits)")
    p.add_argument("--channels", type=int_arg, choices=[1, 3], metavar="C",
                   help="a folder's channels: 1 grey (default) or 3 colour")
    add_run_args(p, "lr_g=1e-4")
    p.add_argument("--samples", type=positive_int, metavar="N",
                   help="samples judged (default 500; on stacked 26,000, the papers' count)")
    p.set_defaults(func=run)


def data_fields(data: str, channels: int | None) -> dict:
    """The config fields ``--data`` and ``--channels`` name: an image set as itself, anything else
    a folder (dataset 'folder', ``source`` its absolute path, so the recorded command runs from
    anywhere). Raises ValueError naming what is allowed.

    Example:
        >>> data_fields("digits", None)
        {'dataset': 'digits'}
        >>> data_fields("/", 3)["dataset"], data_fields("/", 3)["channels"]
        ('folder', 3)
    """
    if data in IMAGE_SETS:
        if channels is not None:
            raise ValueError(f"--channels is a folder's: {data} has its own")
        return {"dataset": data}
    folder = Path(data).expanduser()
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "no such folder"
        raise ValueError(f"--data {data}: {what}; give {' or '.join(IMAGE_SETS)}, or a folder of images or "
                         "MNIST idx files")
    return {"dataset": FOLDER, "source": str(folder.resolve()), "channels": channels or 1}


def config_for(args):
    """The run's TrainConfig from the parsed options (``image_recipe``, then ``--set``)."""
    from ganviz.training.recipes import image_recipe

    for key, _ in args.set:
        if key in OWN_OPTIONS:
            raise ValueError(f"--set {key}: use {OWN_OPTIONS[key]}")
    fields = data_fields(args.data, args.channels)
    return image_recipe(fields.pop("dataset"), args.objective, seed=args.seed, image_size=args.size, arch=args.arch,
                        **fields, **dict(args.set))


def run(args) -> int:
    from ganviz.metrics.image_quality import HALF, K
    from ganviz.training import Trainer
    from ganviz.training.checkpoint import save

    try:
        config = config_for(args)
        if config.dataset == "digits" and args.samples is not None and not K < args.samples <= HALF:
            # checked before training: the measures compare with a real half of HALF digits
            raise ValueError(f"--samples {args.samples}: the digit measures take {K + 1} to {HALF} samples")
        trainer = Trainer(config)
    except (ValueError, TypeError, OSError) as e:
        return fail(str(e))
    if (status := trained(trainer, args, f"{config.objective} on {config.dataset} {config.image_size}px")) is not None:
        return status
    data = {"data": config.dataset, **({"source": config.source, "channels": config.channels}
                                       if config.dataset == FOLDER else {})}
    speed = round(trainer.step_count / trainer.train_seconds, 2) if trainer.train_seconds else 0.0
    summary = {"objective": config.objective, "arch": config.arch, **data,
               "size": config.image_size, "seed": config.seed, "steps": trainer.step_count,
               "seconds": round(trainer.train_seconds, 1), "steps_per_second": speed,
               **judged(trainer, args.samples, not args.quiet), "device": str(trainer.device)}
    if args.out:
        summary["checkpoint"] = str(save(trainer, args.out, command_for(args, trainer)))
    return report(summary, args.json)


MEASURES = ("quality", "class_entropy", "classes_present", "class_shares", "digit_fid", "precision", "recall",
            "density", "coverage")
FEATURE_MEASURES = ("digit_fid", "precision", "recall", "density", "coverage")  # need no labels


def judged(trainer, n: int | None, show_progress: bool = False) -> dict:
    """The verdict on n samples of the run, by its data (see the module doc); ``{"not_judged": why}``
    where there is nothing to judge with. n defaults to 500 (26,000 on stacked).

    - digits: quality, diversity, digit FID, precision, recall, density and coverage (k = 5), and
      the real-vs-real floor of the FID at the same n (``ganviz.metrics.image_quality``);
    - stacked: modes captured, KL to uniform, classes per channel, and what a perfect generator
      scores on n samples (``ganviz.cli.stacked.coverage``, ``ganviz.metrics.stacked.perfect``);
    - a grey folder: the feature measures and floor against the folder's own images
      (``folder_judged``); a colour folder: nothing.
    """
    from ganviz.data.images import resize
    from ganviz.metrics.image_quality import measure_images, real_floor
    from ganviz.metrics.stacked import SAMPLES

    classifier, why = _classifier()
    if classifier is None:
        return {"not_judged": why}
    dataset = trainer.config.dataset
    if dataset == "stacked":
        from ganviz.cli.stacked import coverage
        from ganviz.metrics.stacked import perfect

        n = n or SAMPLES
        return {**coverage(trainer.sample, classifier, n, Progress("modes of", show_progress)), "samples": n,
                "perfect": perfect(n)}
    if dataset == FOLDER:
        return folder_judged(trainer, classifier, n or 500)
    n = n or 500
    out = measure_images(resize(trainer.sample(n), 16), classifier)
    floor = real_floor(classifier, n=n)
    return {**{k: out[k] for k in MEASURES}, "digit_fid_real_floor": floor["digit_fid"]}


def folder_judged(trainer, classifier, n: int) -> dict:
    """A folder run's verdict: on grey images, digit FID, precision, recall, density and coverage on
    the digit classifier's features against the folder's own images (up to 2 x 898 of them, in a
    fixed random order, split in halves as the digits are), with the real-vs-real floor at the same
    n (n at most a half). An image folder has no labels, so no class measures; the classifier reads
    grey images, so a colour folder is not judged."""
    import torch

    from ganviz.metrics.image_quality import HALF, K, measure_images, real_floor, reference_features

    c = trainer.config
    if c.channels != 1:
        return {"not_judged": "a colour folder: the digit classifier reads grey images only"}
    images = trainer.data.images
    real = images[torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[:2 * HALF]]
    half = len(real) // 2
    if half <= K:
        return {"not_judged": f"{len(images)} images in the folder: its measures compare two halves of more "
                              f"than {K} images each"}
    n = min(n, half)
    ref = reference_features(classifier, c.image_size, real_images=real)
    out = measure_images(trainer.sample(n), classifier, ref)
    floor = real_floor(classifier, n=n, size=c.image_size, real_images=real)
    return {**{k: out[k] for k in FEATURE_MEASURES}, "digit_fid_real_floor": floor["digit_fid"], "samples": n,
            "judged_against": f"{half} of the folder's images, on the digit classifier's features"}


def _classifier():
    """(the shipped digit classifier, "") or (None, why it is not there)."""
    from ganviz.training.checkpoint import CheckpointError
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import classifier_path

    path = classifier_path()
    if not path.is_file():
        return None, f"no digit classifier at {path} (python -m ganviz classifier trains one)"
    try:
        return load_classifier(path), ""
    except CheckpointError as e:
        return None, f"the digit classifier: {e}"


def command_for(args, trainer) -> str:
    """The command that reproduces the run: the steps it trained, its seed, data and every option
    given (a folder by its absolute path and channels).

    Example:
        >>> from types import SimpleNamespace as NS
        >>> from ganviz.training import TrainConfig
        >>> t = NS(step_count=3, config=TrainConfig(dataset="folder", source="/my images", channels=3))
        >>> cmd = command_for(NS(seed=0, arch="dcgan", size=16, objective=None, set=[("batch", 16)]), t)
        >>> cmd.split(" --data ")
        ['python -m ganviz image --steps 3 --seed 0 --arch dcgan', "'/my images' --channels 3 --size 16 --set batch=16"]
    """
    c = trainer.config
    data = [f"--data {shlex.quote(c.source)}", f"--channels {c.channels}"] if c.dataset == FOLDER else [
        f"--data {c.dataset}"]
    parts = ["python -m ganviz image", f"--steps {trainer.step_count}", f"--seed {args.seed}", f"--arch {args.arch}",
             *data, f"--size {args.size}"]
    if args.objective:
        parts.append(f"--objective {args.objective}")
    return " ".join(parts + set_args(args.set))
