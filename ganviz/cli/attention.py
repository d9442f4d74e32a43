"""``python -m ganviz attention``: where SAGAN's self-attention looks (Zhang et al. 2019).

Loads an image checkpoint (``python -m ganviz image --arch sagan --out PATH``), runs one image
through its networks and prints, for every attention layer, its name, gamma and the map of one
query: the softmax row beta_{j, .} of the layer's cell j holding pixel (ROW, COL), as a list of rows
at the layer's resolution, with its KL from a uniform map (0 nats: attention spread evenly; log HW:
all on one position) and the mean of that KL over every query of the layer.

- ``--image fake`` (default): the generator's image from the run's fixed evaluation code number
  ``--index``; the generator's layers (the EMA generator's, when the run keeps one: it draws the
  samples) and D's layers looking at that image.
- ``--image real``: the data set's image number ``--index`` through D's layers.

Example:
    python -m ganviz attention --checkpoint /tmp/sagan.safetensors --query 4,8 --json
"""

from __future__ import annotations

import argparse

from ganviz.cli.common import fail, int_arg, print_json


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
    p.add_argument("--query", required=True, type=query_arg, metavar="ROW,COL",
                   help="the query pixel of the image, counted from 0 at the top left")
    p.add_argument("--image", choices=("fake", "real"), default="fake",
                   help="fake: a generated image (G's and D's layers); real: a data image (D's layers)")
    p.add_argument("--index", type=int_arg, default=0,
                   help="which image: the run's evaluation code (fake) or data image (real) number (default 0)")
    p.add_argument("--json", action="store_true",
                   help='print one JSON object: {"layers": [{"name", "gamma", "map", ...}]}')
    p.set_defaults(func=run)


def attention_report(trainer, image: str, index: int, row: int, col: int) -> dict:
    """The layers' gammas and maps for the query (row, col) of one image (see the module docstring);
    ValueError with one line for an image, index or query the run does not have."""
    import torch

    from ganviz.nets.attention import attention_layers, keeping_maps, kl_from_uniform, query_map

    g_name = "G_ema" if trainer.G_ema is not None else "G"
    G, D = getattr(trainer, g_name), trainer.D
    size = trainer.config.image_size
    layers = (attention_layers(G, g_name + ".") if image == "fake" else []) + attention_layers(D, "D.")
    if not layers:
        if not attention_layers(G):
            raise ValueError(f"this checkpoint's networks have no attention layers (arch {trainer.config.arch}); "
                             "train one with `python -m ganviz image --arch sagan --out PATH`")
        raise ValueError(f"this run's D has no attention layers (objective {trainer.config.objective} uses an "
                         "autoencoder): use --image fake")
    if not (0 <= row < size and 0 <= col < size):
        raise ValueError(f"query {row},{col} lies outside the {size}x{size} image: ROW and COL go from 0 to {size - 1}")
    count = len(trainer.eval_z) if image == "fake" else len(trainer.pool)
    if not 0 <= index < count:
        raise ValueError(f"--index {index} is not one of the run's {count} {image} images: give 0 to {count - 1}")
    # Batch norm from its running statistics, spectral norm without a power step: looking at a run
    # must not change it (a live trainer's networks go back to the mode they were in).
    modes = G.training, D.training
    G.eval()
    D.eval()
    try:
        with torch.no_grad(), keeping_maps(G, D):
            x = G(trainer.eval_z[index:index + 1]) if image == "fake" else trainer.pool[index:index + 1]
            D(x)
    finally:
        G.train(modes[0])
        D.train(modes[1])
    out = []
    for name, block in layers:
        cell, m = query_map(block, row, col, size)
        out.append({"name": name, "gamma": float(block.gamma.detach()), "resolution": list(block.last_shape),
                    "query": list(cell), "kl_from_uniform": float(kl_from_uniform(m.flatten())),
                    "mean_kl_from_uniform": float(kl_from_uniform(block.last_map[0]).mean()),
                    "map": m.cpu().tolist()})
    return {"arch": trainer.config.arch, "image": image, "index": index, "size": size, "query": [row, col],
            "steps": trainer.step_count, "layers": out}


def run(args) -> int:
    from ganviz.training.checkpoint import load

    try:
        trainer = load(args.checkpoint)
        report = attention_report(trainer, args.image, args.index, *args.query)
    except ValueError as e:  # a CheckpointError is one
        return fail(str(e))
    report = {"checkpoint": str(args.checkpoint), **report}
    if args.json:
        print_json(report)
        return 0
    print(f"{args.checkpoint}: {report['image']} image {report['index']} ({report['size']} px, step "
          f"{report['steps']}), query pixel {args.query[0]},{args.query[1]}")
    for layer in report["layers"]:
        h, w = layer["resolution"]
        print(f"\n{layer['name']}  gamma {layer['gamma']:.4g}  {h}x{w} map of cell {layer['query'][0]},"
              f"{layer['query'][1]}: KL from uniform {layer['kl_from_uniform']:.3f} nats "
              f"(mean over all queries {layer['mean_kl_from_uniform']:.3f})")
        for r in layer["map"]:
            print("  " + " ".join(f"{v:.3f}" for v in r))
    return 0
