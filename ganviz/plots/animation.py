"""Raster pictures drawn with Pillow: the toy lab's samples view (a PNG of one frame, an animated GIF
of a run) and grids of generated images (a PNG, and a GIF of a grid over training). Server-side
and dependency-free (Plotly's own PNG export needs a browser or kaleido; the figures' camera
button gives that PNG in the browser).

The samples view is drawn by ``ganviz.plots.samples_view``, the live picture's renderer: a GIF
frame is the PNG of the same snapshot, arrows, noise grid, key arrow and step included.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from ganviz.plots import palette as pal
from ganviz.plots.began import tile
from ganviz.plots.samples_view import as_snapshot, gif, samples_gif, samples_image


def render(frame, size: int = 480) -> Image.Image:
    """One frame of the toy lab's samples view: ``samples_view.samples_image`` of ``frame``, a
    snapshot (``ganviz.training.snapshot.frame``) or an ``export.Frame``."""
    return samples_image(as_snapshot(frame), size)


def png_bytes(frame, size: int = 480) -> bytes:
    """``render`` as PNG bytes."""
    buf = io.BytesIO()
    render(frame, size).save(buf, format="PNG")
    return buf.getvalue()


def gif_bytes(frames, size: int = 360, ms_per_frame: int = 120) -> bytes:
    """An animated GIF of the frames in step order (loops forever): ``samples_view.samples_gif``."""
    return samples_gif(frames, size, ms_per_frame)


@dataclass
class GridFrame:
    """A grid of generated images at one step, kept as 8-bit pixels (small: a run's GIF holds ~100)."""

    step: int
    pixels: np.ndarray  # (H, W) or (H, W, 3), uint8


def grid_frame(step: int, images, cols: int = 8) -> GridFrame:
    """(N, C, S, S) images in [-1, 1] tiled ``cols`` to a row (``ganviz.plots.began.tile``).

    Example:
        >>> import torch
        >>> grid_frame(3, torch.zeros(4, 1, 8, 8), cols=2).pixels.shape  # 2 x 2 tiles, 1-pixel gutter
        (17, 17)
    """
    return GridFrame(int(step), (tile(images, cols) * 255).round().astype(np.uint8))


def grid_image(frame: GridFrame, scale: int = 4, caption: bool = False) -> Image.Image:
    """The grid enlarged ``scale`` times (nearest neighbour: pixels stay sharp), with the step
    written under it if ``caption``."""
    im = Image.fromarray(frame.pixels).convert("RGB")
    im = im.resize((im.width * scale, im.height * scale), Image.NEAREST)
    if not caption:
        return im
    out = Image.new("RGB", (im.width, im.height + 18), (pal.PAPER,) * 3)
    out.paste(im, (0, 0))
    ImageDraw.Draw(out).text((4, im.height + 3), f"step {frame.step}", fill=(pal.STEP_TEXT,) * 3)
    return out


def grid_png(frame: GridFrame, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    grid_image(frame, scale).save(buf, format="PNG")
    return buf.getvalue()


def grid_gif(frames: list[GridFrame], scale: int = 3, ms_per_frame: int = 150) -> bytes:
    """An animated GIF of image grids over training, each frame captioned with its step."""
    if not frames:
        raise ValueError("no frames recorded yet: train for a moment first")
    return gif([grid_image(f, scale, caption=True) for f in frames], ms_per_frame)
