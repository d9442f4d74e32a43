"""Raster pictures of the toy lab's samples view, drawn with Pillow: a PNG of one frame and an
animated GIF of a run. Server-side and dependency-free (Plotly's own PNG export needs a browser
or kaleido; the figures' camera button gives that PNG in the browser)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

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
    images = [render(f, size).convert("P", palette=Image.ADAPTIVE, colors=64) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
    return buf.getvalue()
