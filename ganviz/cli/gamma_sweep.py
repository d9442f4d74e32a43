"""``python -m ganviz gamma-sweep``: quality and diversity of the shipped BEGANs, one per gamma.

Each checkpoint draws the same number of samples from a fixed seed; the shipped digit classifier
judges them (``ganviz.metrics.quality``): quality = mean confidence, class entropy of the predicted
digits, mean pairwise distance, number of digits present; and on the classifier's features the
digit FID (with the floor two real halves give), precision, recall, density and coverage (k = 5).
"""

from __future__ import annotations

from pathlib import Path

from ganviz.cli.common import add_json, fail, int_arg, positive_int, print_json


def register(sub) -> None:
    p = sub.add_parser("gamma-sweep", help="judge the shipped BEGAN checkpoints across gamma",
                       description="Quality and diversity of every began_gamma*.safetensors checkpoint, "
                                   "measured with the shipped digit classifier.")
    p.add_argument("--checkpoints", metavar="DIR", help="folder of began_gamma*.safetensors (default: shipped)")
    p.add_argument("--classifier", metavar="PATH", help="classifier .safetensors (default: shipped)")
    p.add_argument("--samples", type=positive_int, default=500, help="samples per checkpoint (default 500)")
    p.add_argument("--seed", type=int_arg, default=0)
    add_json(p, "a JSON list, one object per gamma")
    p.set_defaults(func=run)


def run(args) -> int:
    import torch

    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import checkpoint_dir, classifier_path, shipped_began, sweep
    from ganviz.training.checkpoint import CheckpointError

    torch.set_num_threads(1)
    folder = Path(args.checkpoints) if args.checkpoints else checkpoint_dir()
    if not folder.is_dir():
        return fail(f"no folder {folder}: give a folder holding began_gamma<G>.safetensors files")
    if not shipped_began(folder):
        return fail(f"no began_gamma<G>.safetensors in {folder}: train one with "
                    "python -m ganviz began --gamma 0.5 --out DIR/began_gamma0.5")
    try:
        rows = sweep(load_classifier(args.classifier or classifier_path()), args.samples, args.seed, folder)
    except CheckpointError as e:
        return fail(str(e))
    if args.json:
        print_json(rows)
    else:
        print(f"{'gamma':>6} {'quality':>8} {'entropy':>8} {'distance':>9} {'classes':>8} {'k_t':>8} "
              f"{'digitFID':>9} {'precision':>9} {'recall':>7} {'density':>8} {'coverage':>8}")
        for r in rows:
            print(f"{r['gamma']:>6g} {r['quality']:>8.3f} {r['class_entropy']:>8.3f} {r['pairwise_distance']:>9.3f} "
                  f"{r['classes_present']:>8d} {r['k_t']:>8.4f} {_num(r['digit_fid'], 9, 1)} "
                  f"{_num(r['precision'], 9, 3)} {_num(r['recall'], 7, 3)} {_num(r['density'], 8, 3)} "
                  f"{_num(r['coverage'], 8, 3)}")
        floor = rows[0].get("digit_fid_floor") if rows else None
        if floor is not None:
            print(f"digit FID (on our classifier's features, not Inception FID) of {args.samples} real digits "
                  f"against the other 898: {floor:.1f}, the floor")
    return 0


def _num(value, width: int, places: int) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:>{width}.{places}f}"
