"""Where SAGAN's self-attention looks, measured (Zhang, Goodfellow, Metaxas & Odena 2019, Sec. 3).

A block at an H x W feature map of an S x S image gives every query position j a softmax row
beta_{j, .} over the N = H * W positions (``ganviz.nets.attention``). Two numbers say what a row does:

- its KL from a uniform map, KL(beta_j || 1/N) = sum_i beta_ji log(N beta_ji) in nats: 0 when the
  query looks everywhere alike, log N (4.16 for 8 x 8) when it looks at one position only;
- its mean attention distance in image pixels, d_j = sum_i beta_ji ||p_i - p_j|| (S / H), p the
  cell's (row, col): how far from itself the query looks on average.

A distance means little alone, so it is set beside two maps that attend by rule: the uniform map
(every position 1/N: as far as a map can look on average without preferring the far side) and the
local map (uniform over the query's 3 x 3 neighbourhood, cut at the border: a convolution's reach).
A map is long-range when its distance comes near the uniform map's or beyond while its KL says it
is not uniform; near the local map's it does what a convolution does.

Example (an 8 x 8 layer of a 16 px image, cells 2 px apart; a corner query):
    >>> d = distances(8, 8, 2.0)
    >>> round(float(d[0, 63]), 3), round(float(d[0, 1]), 1)  # corner to corner, to its neighbour
    (19.799, 2.0)
    >>> uniform, local = mean_distance(uniform_map(8, 8), d), mean_distance(local_map(8, 8), d)
    >>> round(float(uniform.mean()), 2), round(float(local.mean()), 2)  # averaged over the 64 queries
    (8.27, 2.04)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ganviz.nets.attention import attention_layers, keeping_maps, kl_from_uniform

LOCAL_RADIUS = 1  # the local map: the 3 x 3 neighbourhood of the query


def cells(height: int, width: int) -> torch.Tensor:
    """(row, col) of every cell in reading order, (H * W, 2): position j = row * W + col.

    Example:
        >>> cells(2, 3).tolist()
        [[0.0, 0.0], [0.0, 1.0], [0.0, 2.0], [1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    """
    rows, cols = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    return torch.stack([rows.flatten(), cols.flatten()], 1).float()


def distances(height: int, width: int, pixels_per_cell: float = 1.0) -> torch.Tensor:
    """(N, N) Euclidean distances between the cells' centres, in image pixels (a cell is
    ``pixels_per_cell`` = S / H pixels wide). Example: the module docstring."""
    p = cells(height, width)
    return torch.cdist(p, p) * pixels_per_cell


def uniform_map(height: int, width: int) -> torch.Tensor:
    """(N, N): every query attends 1 / N to every position."""
    n = height * width
    return torch.full((n, n), 1.0 / n)


def local_map(height: int, width: int, radius: int = LOCAL_RADIUS) -> torch.Tensor:
    """(N, N): every query attends uniformly to the cells within ``radius`` rows and columns of its
    own (itself included: 9 cells inside, 4 at a corner for radius 1), as a 3 x 3 convolution reaches.

    Example:
        >>> m = local_map(8, 8)
        >>> int((m[0] > 0).sum()), int((m[9] > 0).sum()), float(m.sum(1).min())
        (4, 9, 1.0)
    """
    p = cells(height, width)
    near = ((p[:, None, :] - p[None, :, :]).abs().amax(-1) <= radius).float()
    return near / near.sum(1, keepdim=True)


def mean_distance(maps: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
    """d_j = sum_i beta_ji dist_ji for every query row of ``maps`` (..., N, N) -> (..., N)."""
    return (maps * dist).sum(-1)


def stroke_cells(images: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(B, H * W) bool: the cells of an H x W grid over images (B, C, S, S) in [-1, 1] whose mean
    pixel is brighter than mid-grey (0): where the digit's stroke is.

    Example (a 4 px image, bright in its top-left quarter only):
        >>> x = -torch.ones(1, 1, 4, 4); x[..., :2, :2] = 1
        >>> stroke_cells(x, 2, 2).tolist()
        [[True, False, False, False]]
    """
    grey = images.mean(1, keepdim=True)
    return torch.nn.functional.adaptive_avg_pool2d(grey, (height, width)).flatten(1) > 0


def stroke_component(stroke: torch.Tensor, width: int, j: int) -> torch.Tensor:
    """(N,) bool: the stroke cells joined to cell j through stroke cells that touch by a side or a
    corner (8-connected), j included; none when cell j is off the stroke. The stroke of a query is
    this piece, not every bright cell of the image (a 4's two strokes, an 8's loops are one piece).

    Example (a 3 x 3 grid: a diagonal of two cells and a lone corner):
        >>> s = torch.tensor([1, 0, 0, 0, 1, 0, 0, 0, 0], dtype=torch.bool)
        >>> stroke_component(s, 3, 0).nonzero().flatten().tolist(), int(stroke_component(s, 3, 1).sum())
        ([0, 4], 0)
        >>> s[8] = True; stroke_component(s, 3, 8).nonzero().flatten().tolist()
        [0, 4, 8]
    """
    on = stroke.tolist()
    height = len(on) // width
    piece, todo = set(), [j] if on[j] else []
    while todo:
        k = todo.pop()
        if k in piece:
            continue
        piece.add(k)
        r, c = divmod(k, width)
        todo += [rr * width + cc for rr in range(max(r - 1, 0), min(r + 2, height))
                 for cc in range(max(c - 1, 0), min(c + 2, width)) if on[rr * width + cc]]
    out = torch.zeros(len(on), dtype=torch.bool)
    out[sorted(piece)] = True
    return out


@dataclass(frozen=True)
class LayerMaps:
    """One attention layer's maps of a few images: ``maps[b, j]`` is query j's softmax row for
    image b (N = H * W entries, reading order), ``shape`` (H, W), ``size`` the image side,
    ``stroke[b]`` the cells on image b's stroke (``stroke_cells``)."""

    name: str
    gamma: float
    shape: tuple[int, int]
    size: int
    maps: torch.Tensor  # (B, N, N)
    stroke: torch.Tensor  # (B, N) bool

    @property
    def pixels_per_cell(self) -> float:
        return self.size / self.shape[0]

    def query(self, row: int, col: int, image: int = 0) -> dict:
        """What the pixel (row, col) of image ``image`` looks at: the layer's cell holding it (the
        H x W cells cover the image: cell = pixel * H // S), that cell's map (H, W), its KL from
        uniform, its mean attention distance in pixels, and the weight it puts on the stroke's cells
        (``on_stroke``) against their share of the cells (``stroke_share``). Beside its distance, the
        uniform map's and the local map's from the same cell (``uniform_px``, ``local_px``: a corner
        sees farther than the centre). For a query on the stroke, the weight on the far part of its own
        stroke (``far_stroke``: the cells of its ``stroke_component`` more than half the image side
        away) against the share of cells there (``far_stroke_share``, what a uniform map puts there)."""
        size, (height, width) = self.size, self.shape
        if not (0 <= row < size and 0 <= col < size):
            raise ValueError(f"query {row},{col} lies outside the {size}x{size} image: "
                             f"ROW and COL go from 0 to {size - 1}")
        cell = (row * height // size, col * width // size)
        j = cell[0] * width + cell[1]
        beta = self.maps[image, j]
        dist = distances(height, width, self.pixels_per_cell)[j]
        stroke = self.stroke[image].float()
        far = (stroke_component(self.stroke[image], width, j) & (dist > size / 2)).float()
        return {"cell": cell, "map": beta.view(height, width), "kl_from_uniform": float(kl_from_uniform(beta)),
                "distance_px": float((beta * dist).sum()), "uniform_px": float(dist.mean()),
                "local_px": float((local_map(height, width)[j] * dist).sum()),
                "on_stroke": float((beta * stroke).sum()), "stroke_share": float(stroke.mean()),
                "far_stroke": float((beta * far).sum()), "far_stroke_share": float(far.mean())}

    def farthest(self) -> dict:
        """Over the queries on the stroke of every image: how many (``queries``), the share that look
        farther than a uniform map from the same cell (``beyond_uniform``), and the one that looks
        farthest against it (largest d_j / d_uniform,j: ``image``, its ``cell``, the ``pixel`` at the
        cell's top-left, ``ratio``)."""
        d = distances(*self.shape, self.pixels_per_cell)
        ratio = mean_distance(self.maps, d) / mean_distance(uniform_map(*self.shape), d)
        ratio = torch.where(self.stroke, ratio, torch.full_like(ratio, -1.0))
        on = ratio[self.stroke]
        b, j = divmod(int(ratio.argmax()), ratio.shape[1])
        cell = divmod(j, self.shape[1])
        rep = self.size // self.shape[0]
        return {"layer": self.name, "images": len(self.maps), "queries": len(on), "beyond_uniform": float((on > 1).float().mean()),
                "image": b, "cell": cell, "pixel": (cell[0] * rep, cell[1] * rep), "ratio": float(ratio[b, j])}

    def summary(self) -> dict:
        """Over every query of every image: mean KL from uniform (and log N, a map's KL when it puts
        everything on one cell), mean attention distance (pixels), and the uniform and local maps'
        distances on the same grid; the attention a query puts on the stroke's cells (``on_stroke``)
        against the share of cells on the stroke (``stroke_share``: what a uniform map puts there)."""
        d = distances(*self.shape, self.pixels_per_cell)
        stroke = self.stroke.float()
        return {"layer": self.name, "gamma": self.gamma, "images": len(self.maps),
                "mean_kl_from_uniform": float(kl_from_uniform(self.maps).mean()),
                "kl_one_cell": math.log(self.maps.shape[-1]),
                "distance_px": float(mean_distance(self.maps, d).mean()),
                "uniform_px": float(mean_distance(uniform_map(*self.shape), d).mean()),
                "local_px": float(mean_distance(local_map(*self.shape), d).mean()),
                "on_stroke": float((self.maps * stroke[:, None, :]).sum(-1).mean()),
                "stroke_share": float(stroke.mean())}


def generator_name(trainer) -> str:
    """"G_ema" when the run keeps an EMA of G (it draws the run's samples), else "G"."""
    return "G_ema" if trainer.G_ema is not None else "G"


def has_attention(trainer) -> bool:
    return bool(attention_layers(trainer.G) or attention_layers(trainer.D))


def attention_maps(trainer, image: str, indices) -> tuple[torch.Tensor, list[LayerMaps]]:
    """The images (B, C, S, S) and every attention layer's maps of them: ``image`` "fake" draws the
    generator's images from the run's fixed evaluation codes ``indices`` and reads G's layers, then
    D's looking at them; "real" reads D's layers on the data images ``indices``. ValueError with
    one line for a run without attention, or an image it does not have.

    Looking leaves the run as it was: batch norm from its running statistics and spectral norm
    without a power step (eval mode), the networks back in their train/eval mode afterwards."""
    g_name = generator_name(trainer)
    G, D = getattr(trainer, g_name), trainer.D
    layers = (attention_layers(G, g_name + ".") if image == "fake" else []) + attention_layers(D, "D.")
    if not layers:
        if not attention_layers(G):
            raise ValueError(f"this checkpoint's networks have no attention layers (arch {trainer.config.arch}); "
                             "train one with `python -m ganviz image --arch sagan --out PATH`")
        raise ValueError(f"this run's D has no attention layers (objective {trainer.config.objective} uses an "
                         "autoencoder): look at a fake image")
    indices = list(indices)
    count = len(trainer.eval_z) if image == "fake" else len(trainer.pool)
    bad = [i for i in indices if not 0 <= i < count]
    if bad:
        raise ValueError(f"image {bad[0]} is not one of the run's {count} {image} images: give 0 to {count - 1}")
    modes = G.training, D.training
    G.eval()
    D.eval()
    try:
        with torch.no_grad(), keeping_maps(G, D):
            x = G(trainer.eval_z[indices]) if image == "fake" else trainer.pool[indices]
            D(x)
    finally:
        G.train(modes[0])
        D.train(modes[1])
    x, size = x.cpu(), trainer.config.image_size
    return x, [LayerMaps(name, float(block.gamma.detach()), tuple(block.last_shape), size, block.last_map.cpu(),
                         stroke_cells(x, *block.last_shape)) for name, block in layers]


def attention_report(trainer, image: str, index: int, row: int, col: int) -> dict:
    """The layers' gammas and maps for the query (row, col) of one image (``python -m ganviz
    attention``): per layer its name, gamma, resolution, the query's cell, map (a list of rows), the
    map's KL from uniform and mean attention distance in pixels, and the layer's mean KL over every
    query of the image. ValueError with one line for an image, index or query the run does not have."""
    _, layers = attention_maps(trainer, image, [index])
    out = []
    for layer in layers:
        q = layer.query(row, col)
        out.append({"name": layer.name, "gamma": layer.gamma, "resolution": list(layer.shape),
                    "query": list(q["cell"]), "kl_from_uniform": q["kl_from_uniform"],
                    "mean_kl_from_uniform": float(kl_from_uniform(layer.maps[0]).mean()),
                    "distance_px": q["distance_px"], "map": q["map"].tolist()})
    return {"arch": trainer.config.arch, "image": image, "index": index, "size": trainer.config.image_size,
            "query": [row, col],
            "steps": trainer.step_count, "layers": out}


def attention_claim(trainer, n: int = 64) -> list[dict]:
    """The measured claim of a SAGAN run: for each attention layer, over every query of the first
    ``n`` generated images (G's layers and D's) and of the first ``n`` real digits (D's), gamma, the
    mean KL from uniform and the mean attention distance in pixels beside the uniform and local maps'
    (``LayerMaps.summary``), with ``image`` "fake" or "real"."""
    rows = []
    for image in ("fake", "real") if attention_layers(trainer.D) else ("fake",):
        count = len(trainer.eval_z) if image == "fake" else len(trainer.pool)
        _, layers = attention_maps(trainer, image, range(min(n, count)))
        rows += [{"image": image, **layer.summary()} for layer in layers]
    return rows


def long_reach(trainer, image: str = "fake", n: int | None = None) -> list[dict]:
    """The long-range search: for each attention layer, over every on-stroke query of the first ``n``
    (default all) generated images (``image`` "fake": the run's evaluation codes) or data images
    ("real"), the query that looks farthest against a uniform map (``LayerMaps.farthest``); ``image``
    in each row is that image's index."""
    count = len(trainer.eval_z) if image == "fake" else len(trainer.pool)
    _, layers = attention_maps(trainer, image, range(count if n is None else min(n, count)))
    return [layer.farthest() for layer in layers]


def gamma_curves(history: list[dict]) -> dict[str, tuple[list[int], list[float]]]:
    """Each attention layer's gamma over training from a run's history rows (the trainer logs
    "gamma <net>.<path>" every ``log_every`` steps): {layer: (steps, gammas)}, starting at step 0
    where every gamma is 0 (``SelfAttention`` starts as the identity). Empty for a history without
    gammas (a run from before they were logged, or without attention).

    Example:
        >>> gamma_curves([{"step": 10, "d_loss": 1.0, "gamma G.a": 0.01}, {"step": 20, "gamma G.a": 0.03}])
        {'G.a': ([0, 10, 20], [0.0, 0.01, 0.03])}
        >>> gamma_curves([{"step": 10, "d_loss": 1.0}])
        {}
    """
    names = list(dict.fromkeys(k for row in history for k in row if k.startswith("gamma ")))
    return {name[len("gamma "):]: ([0] + [row["step"] for row in history if name in row],
                                   [0.0] + [float(row[name]) for row in history if name in row]) for name in names}
