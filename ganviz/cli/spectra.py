"""``python -m ganviz spectra``: the singular values of every weight in a safetensors file.

Reads any safetensors file (a ganviz checkpoint or not) without unpickling anything: every tensor
with ndim >= 2 is reshaped to (out, -1) and gets its singular values, largest first (the full
spectrum from ``torch.linalg.svdvals``, or sigma_0..sigma_2 by power iteration for big matrices).
"""

from __future__ import annotations

import math
from pathlib import Path

from ganviz.cli.common import add_json, fail, print_json


def register(sub) -> None:
    p = sub.add_parser("spectra", help="singular values of every weight in a checkpoint",
                       description="Print the singular values of every weight (ndim >= 2, reshaped to "
                                   "(out, -1)) of a .safetensors file, largest first.")
    p.add_argument("--checkpoint", required=True, metavar="PATH", help="a .safetensors file")
    add_json(p, 'one JSON object: {"layers": {name: {"singular_values": [...]}}}')
    p.set_defaults(func=run)


def read_matrices(path: Path):
    """The file's 2D-reshaped weights, or raise ValueError with one line that says what is wrong."""
    import torch
    from safetensors import SafetensorError, safe_open

    from ganviz.metrics.spectra import matrices_from_tensors

    if not path.is_file():
        raise ValueError(f"no file at {path}: give the path of a .safetensors file")
    try:
        with safe_open(str(path), framework="pt") as f:
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, RuntimeError, ValueError, TypeError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(f"cannot read {path}: it is truncated or not a safetensors file ({reason}); "
                         "give a .safetensors file (pickles and torch.save files are never loaded)") from None
    return matrices_from_tensors({k: v for k, v in tensors.items() if isinstance(v, torch.Tensor)})


def run(args) -> int:
    from ganviz.metrics.spectra import singular_values

    try:
        matrices = read_matrices(Path(args.checkpoint))
    except ValueError as e:
        return fail(str(e))
    layers = {}
    for name, w in matrices.items():
        sigma, method, _ = singular_values(w)
        values = [float(x) for x in sigma]
        layers[name] = {"singular_values": values, "shape": list(w.shape), "method": method}
    if args.json:
        print_json({"checkpoint": str(args.checkpoint), "layers": layers})
        return 0
    if not layers:
        print(f"{args.checkpoint}: no tensor with ndim >= 2")
        return 0
    width = max(len(n) for n in layers)
    print(f"{'layer':<{width}}  {'shape':>12}  {'sigma_0':>10}  {'sigma_0/sigma_1':>15}  method")
    for name, d in layers.items():
        s = d["singular_values"]
        ratio = s[0] / s[1] if len(s) > 1 and s[1] > 0 else math.inf
        shape = "x".join(map(str, d["shape"]))
        print(f"{name:<{width}}  {shape:>12}  {s[0]:>10.4g}  {ratio:>15.4g}  {d['method']}")
    return 0
