"""Raster pictures drawn with Pillow: the toy lab's samples view (a PNG of one frame, an animated GIF
of a run: the live picture's renderer) and grids of generated images (a PNG, and a GIF of a grid over training). Server-side
and dependency-free (Plotly's own PNG export needs a browser or kaleido; the figures' camera
button gives that PNG in the browser)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from ganviz.plots.began import tile

def render(frame, size: int = 480) -> Image.Image:
    """One frame of the toy lab's samples view: the live picture itself (``ganviz.plots.live``), so
    the PNG and the GIF draw D with the same grey ramp, colour bar and arrow scale as the page.
    ``frame`` is a snapshot (``ganviz.training.snapshot.frame``) or an ``export.Frame``; the step is
    written in the corner."""
    from ganviz.plots.live import samples_image

    snap = frame if hasattr(frame, "surface_label") else _as_snapshot(frame)
    img = samples_image(snap, size)
    ImageDraw.Draw(img).text((LEFT_TEXT, 4), f"step {snap.step}", fill=(0, 0, 0))
    return img


LEFT_TEXT = 50  # the step's x in pixels: just inside the plot (the live picture's y ticks are left of it)


def _as_snapshot(frame):
    """An ``export.Frame`` (samples, surface and its box) as a snapshot to draw."""
    from ganviz.training.snapshot import Snapshot

    (x0, x1), (y0, y1) = frame.bounds
    n = 2 if frame.surface is None else frame.surface.shape[1]
    m = 2 if frame.surface is None else frame.surface.shape[0]
    return Snapshot(step=frame.step, d_steps=0, state="", error=None, dim=2, objective="", dataset="",
                    steps_per_second=0.0, real=frame.real, fake=frame.fake, surface_label="D",
                    surface_x=np.linspace(x0, x1, n), surface_y=np.linspace(y0, y1, m), surface=frame.surface)


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
