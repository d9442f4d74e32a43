"""``python -m ganviz attention``: where SAGAN's self-attention looks (Zhang et al. 2019).

Loads an image checkpoint (``python -m ganviz image --arch sagan --out PATH``), runs one image
through its networks and prints, for every attention layer, its name, gamma and the map of one
query: the softmax row beta_{j, .} of the layer's cell j holding pixel (ROW, COL), as a list of rows
at the layer's resolution, with its KL from a uniform map (0 nats: attention spread evenly; log HW:
all on one position), its mean attention distance in pixels, and the mean of that KL over every
query of the layer (``ganviz.metrics.attention.attention_report``).

- ``--image fake`` (default): the generator's image from the run's fixed evaluation code number
  ``--index``; the generator's layers (the EMA generator's, when the run keeps one: it draws the
  samples) and D's layers looking at that image.
- ``--image real``: the data set's image number ``--index`` through D's layers.

With ``--summary``, every query of the first 64 generated and 64 real digits is measured
(``ganviz.metrics.attention.attention_claim``): each layer's gamma, mean KL from uniform, mean
attention distance against a uniform and a local 3x3 map's, and the attention on the stroke.

Example:
    python -m ganviz attention --checkpoint /tmp/sagan.safetensors --query 4,8 --json
    python -m ganviz attention --checkpoint checkpoints/sagan_digits.safetensors --summary
"""

from __future__ import annotations

import argparse

from ganviz.cli.common import add_json, fail, int_arg, print_json


def query_arg(text: str) -> tuple[int, int]:
    """ROW,COL as two whole numbers."""
    parts = text.split(",")
    try:
        row, col = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ROW,COL (two whole numbers), got {text!r}") from None
    return row, col


def register(sub) -> None:
    p = sub.add_parser("attention", help="where a SAGAN checkpoint's self-attention looks from one pixel",
                       description="Print, for each self-attention layer of a SAGAN image checkpoint, its gamma "
                                   "and the attention map of the query at pixel ROW,COL.")
    p.add_argument("--checkpoint", required=True, metavar="PATH",
                   help="a .safetensors file saved by `python -m ganviz image --arch sagan --out PATH`")
    p.add_argument("--query", type=query_arg, metavar="ROW,COL",
                   help="the query pixel of the image, counted from 0 at the top left")
    p.add_argument("--summary", action="store_true",
                   help="also (or instead of a query) measure every query of the first 64 generated and 64 real "
                        "digits: each layer's mean KL from uniform, mean attention distance against a uniform and "
                        "a local 3x3 map's, attention on the stroke")
    p.add_argument("--image", choices=("fake", "real"), default="fake",
                   help="fake: a generated image (G's and D's layers); real: a data image (D's layers)")
    p.add_argument("--index", type=int_arg, default=0,
                   help="which image: the run's evaluation code (fake) or data image (real) number (default 0)")
    add_json(p, 'one JSON object: {"layers": [{"name", "gamma", "map", ...}]}')
    p.set_defaults(func=run)


def run(args) -> int:
    from ganviz.metrics.attention import attention_claim, attention_report
    from ganviz.training.checkpoint import load

    if args.query is None and not args.summary:
        return fail("give --query ROW,COL (one pixel's maps) or --summary (every query's measures), or both")
    try:
        trainer = load(args.checkpoint)
        report = attention_report(trainer, args.image, args.index, *args.query) if args.query else {"layers": []}
        if args.summary:
            report["summary"] = attention_claim(trainer)
    except ValueError as e:  # a CheckpointError is one
        return fail(str(e))
    report = {"checkpoint": str(args.checkpoint), **report}
    if args.json:
        print_json(report)
        return 0
    for row in report.get("summary", []):
        print(f"{row['layer']} on {row['images']} {row['image']} digits: gamma {row['gamma']:.4g}, KL from uniform "
              f"{row['mean_kl_from_uniform']:.3f} nats, mean distance {row['distance_px']:.2f} px (uniform map "
              f"{row['uniform_px']:.2f}, local 3x3 {row['local_px']:.2f}), {row['on_stroke']:.1%} on the stroke "
              f"({row['stroke_share']:.1%} of the cells)")
    if not args.query:
        return 0
    print(f"{args.checkpoint}: {report['image']} image {report['index']} ({report['size']} px, step "
          f"{report['steps']}), query pixel {args.query[0]},{args.query[1]}")
    for layer in report["layers"]:
        h, w = layer["resolution"]
        print(f"\n{layer['name']}  gamma {layer['gamma']:.4g}  {h}x{w} map of cell {layer['query'][0]},"
              f"{layer['query'][1]}: KL from uniform {layer['kl_from_uniform']:.3f} nats "
              f"(mean over all queries {layer['mean_kl_from_uniform']:.3f}), mean distance "
              f"{layer['distance_px']:.2f} px")
        for r in layer["map"]:
            print("  " + " ".join(f"{v:.3f}" for v in r))
    return 0
