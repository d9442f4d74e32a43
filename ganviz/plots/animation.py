"""Raster pictures drawn with Pillow: the toy lab's samples view (a PNG of one frame, an animated GIF
of a run) and grids of generated images (a PNG, and a GIF of a grid over training). Server-side
and dependency-free (Plotly's own PNG export needs a browser or kaleido; the figures' camera
button gives that PNG in the browser)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from ganviz.plots.began import tile

REAL = (31, 119, 180)
FAKE = (255, 127, 14)


def render(frame, size: int = 480) -> Image.Image:
    """One frame: D's surface as a grey background, real points blue, generated orange, and the
    step written in the corner."""
    (x0, x1), (y0, y1) = frame.bounds
    if frame.surface is not None and np.isfinite(frame.surface).all():
        s = frame.surface
        g = (s - s.min()) / (s.max() - s.min() + 1e-12)
        grey = (255 - 110 * g[::-1]).astype(np.uint8)  # image rows run top-down, y runs up
        img = Image.fromarray(grey, "L").resize((size, size), Image.NEAREST).convert("RGB")
    else:
        img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)

    def to_px(p):
        px = (p[:, 0] - x0) / (x1 - x0) * (size - 1)
        py = (1 - (p[:, 1] - y0) / (y1 - y0)) * (size - 1)
        return np.stack([px, py], 1)

    for pts, colour in ((frame.real, REAL), (frame.fake, FAKE)):
        pts = pts[np.isfinite(pts).all(axis=1)]
        for x, y in to_px(pts):
            draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
    draw.text((8, 8), f"step {frame.step}", fill=(0, 0, 0))
    return img


def png_bytes(frame, size: int = 480) -> bytes:
    buf = io.BytesIO()
    render(frame, size).save(buf, format="PNG")
    return buf.getvalue()


def gif_bytes(frames, size: int = 360, ms_per_frame: int = 120) -> bytes:
    """An animated GIF of the frames in step order (loops forever)."""
    if not frames:
        raise ValueError("no frames recorded yet: train for a moment first")
    return _gif([render(f, size) for f in frames], ms_per_frame)


def _gif(images: list[Image.Image], ms_per_frame: int) -> bytes:
    images = [im.convert("P", palette=Image.ADAPTIVE, colors=64) for im in images]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
    return buf.getvalue()


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
    out = Image.new("RGB", (im.width, im.height + 18), "white")
    out.paste(im, (0, 0))
    ImageDraw.Draw(out).text((4, im.height + 3), f"step {frame.step}", fill=(0, 0, 0))
    return out


def grid_png(frame: GridFrame, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    grid_image(frame, scale).save(buf, format="PNG")
    return buf.getvalue()


def grid_gif(frames: list[GridFrame], scale: int = 3, ms_per_frame: int = 150) -> bytes:
    """An animated GIF of image grids over training, each frame captioned with its step."""
    if not frames:
        raise ValueError("no frames recorded yet: train for a moment first")
    return _gif([grid_image(f, scale, caption=True) for f in frames], ms_per_frame)
