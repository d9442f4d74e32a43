"""The toy lab's 2D samples view as one picture, drawn on the server with Pillow while a run trains.

Why a picture: the browser re-lays out and re-paints the interactive Plotly view
(``ganviz.plots.toy.samples_figure``) on every update, about a quarter of a second of a core per
redraw in a GPU-less Chromium; 4 redraws a second of that did not fit beside training on a 2-core
laptop. Decoding a PNG costs the browser a few milliseconds, drawing it ~10 ms of the server's.
The picture shows the same four views as the figure: D's surface (the same grey ramp and colour
bar, darker = higher: ``ganviz.plots.toy.surface_grey``), the generator's warped noise grid (purple),
real (blue) and generated (orange) samples, and the arrows of -grad_x of the G loss (red) on the
run's fixed length scale, with its key arrow in the lower left corner. The page shows the
interactive figure again when paused. The toy lab's PNG and GIF are drawn by this module too.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ganviz.plots.toy import ARROW as ARROW_HEX
from ganviz.plots.toy import FAKE, REAL, arrow_key, arrow_key_text, surface_grey, surface_range


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


GRID = (120, 60, 160, 110)  # the figure's rgba(120,60,160,0.35) noise grid
ARROW = tuple(int(ARROW_HEX[i:i + 2], 16) for i in (1, 3, 5))  # crimson
LEFT, BOTTOM, BAR = 44, 40, 64  # margins in pixels: y ticks, x ticks + legend, colour bar


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round numbers (1, 2 or 5 times a power of ten apart) inside [lo, hi].

    Example:
        >>> nice_ticks(-2.3, 2.3)
        [-2.0, -1.0, 0.0, 1.0, 2.0]
    """
    raw = (hi - lo) / max(n, 1)
    if not raw > 0 or not math.isfinite(raw):
        return []
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step)
    return [round(k * step, 10) for k in range(first, math.floor(hi / step) + 1)]


def _bounds(snap) -> tuple[tuple[float, float], tuple[float, float]]:
    """The surface's box (or, with no finite samples, the real data's with a margin)."""
    if snap.surface_x is not None:
        return ((float(snap.surface_x[0]), float(snap.surface_x[-1])), (float(snap.surface_y[0]), float(snap.surface_y[-1])))
    pts = snap.real
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.15 * (hi - lo) + 0.1
    return ((float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1])))


def _square(box) -> tuple[tuple[float, float], tuple[float, float]]:
    """The shorter side of ``box`` widened about its centre to the longer one's length: one scale
    on both axes (Plotly's ``scaleanchor`` widens the range the same way)."""
    (x0, x1), (y0, y1) = box
    half = max(x1 - x0, y1 - y0) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return ((cx - half, cx + half), (cy - half, cy + half))


def picture_size(size: int) -> tuple[int, int]:
    """(width, height) in pixels of ``samples_image(snap, size)``: the plot, its margins and colour bar."""
    return LEFT + size + BAR, size + BOTTOM


def samples_image(snap, size: int = 520) -> Image.Image:
    """The 2D samples view of ``snap`` (a ``ganviz.training.snapshot.Snapshot``) on a square plot of
    ``size`` pixels, with axis ticks, a titled colour bar of the surface and a one-line legend.

    The axes share one scale (a circle stays round), as in the interactive figure; the surface
    fills its own box, blank beyond it.

    Example:
        >>> from ganviz.training import Trainer, snapshot
        >>> from ganviz.training.config import TrainConfig
        >>> im = samples_image(snapshot.take(Trainer(TrainConfig(dataset="ring8"))), size=200)
        >>> im.size
        (308, 240)
    """
    box = _bounds(snap)
    (x0, x1), (y0, y1) = _square(box)
    img = Image.new("RGB", picture_size(size), "white")
    font = ImageFont.load_default(size=max(11, round(size / 45)))  # larger on a projector's larger view

    def px(p: np.ndarray) -> np.ndarray:
        return np.stack([LEFT + (p[:, 0] - x0) / (x1 - x0) * (size - 1),
                         (1 - (p[:, 1] - y0) / (y1 - y0)) * (size - 1)], 1)

    s = snap.surface
    if s is not None and np.isfinite(s).all():
        lo, hi = surface_range(s)
        grey = surface_grey(s[::-1], lo, hi)  # image rows run top-down, y runs up
        (left, top), (right, bottom) = px(np.array([[box[0][0], box[1][1]], [box[0][1], box[1][0]]])).round().astype(int)
        patch = Image.fromarray(grey, "L").resize((right - left + 1, bottom - top + 1), Image.NEAREST)
        img.paste(patch.convert("RGB"), (left, top))
        _colour_bar(img, LEFT + size + 10, size, lo, hi, f"{snap.surface_label} (dark = high)", font)
    draw = ImageDraw.Draw(img, "RGBA")  # RGBA: translucent lines and points blend like the figure's

    for line in snap.noise_lines:
        draw.line([tuple(q) for q in px(line)], fill=GRID, width=1)
    for pts, colour, alpha in ((snap.real, REAL, 150), (snap.fake, FAKE, 180)):
        pts = pts[np.isfinite(pts).all(axis=1)]
        fill = (*_rgb(colour), alpha)
        for x, y in px(pts):
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=fill)
    ends = snap.arrows_to
    if ends is not None:
        for (ax, ay), (bx, by) in zip(px(snap.arrows_from), px(ends)):
            draw.line((ax, ay, bx, by), fill=ARROW, width=2)
            _head(draw, ax, ay, bx, by)
        key = arrow_key(snap)
        if key is not None:  # the key arrow in the lower left corner: the run's one length scale
            (kx, ky), = px(np.array([[box[0][0] + 0.04 * (box[0][1] - box[0][0]),
                                      box[1][0] + 0.05 * (box[1][1] - box[1][0])]]))  # where the figure puts it
            length = key[1] / (x1 - x0) * (size - 1)
            text = arrow_key_text(key[0])
            tw = draw.textlength(text, font=font)
            draw.rectangle((kx - 3, ky - font.size / 2 - 3, kx + length + tw + 9, ky + font.size / 2 + 3),
                           fill=(255, 255, 255, 200))
            draw.line((kx, ky, kx + length, ky), fill=ARROW, width=2)
            _head(draw, kx, ky, kx + length, ky)
            draw.text((kx + length + 5, ky), text, fill=(50, 50, 50), font=font, anchor="lm")
    _axes(draw, size, (x0, x1), (y0, y1), font)
    legend = [("real", _rgb(REAL)), ("generated", _rgb(FAKE)), ("G(noise grid)", GRID[:3]), ("-grad of G loss", ARROW)]
    x = LEFT
    for text, colour in legend:
        draw.rectangle((x, size + 26, x + 9, size + 35), fill=colour)
        draw.text((x + 13, size + 24), text, fill=(40, 40, 40), font=font)
        x += 26 + int(draw.textlength(text, font=font))
    return img


def _head(draw, ax, ay, bx, by, length: float = 5.0) -> None:
    dx, dy = bx - ax, by - ay
    n = math.hypot(dx, dy)
    if n < 3:
        return
    ux, uy = dx / n, dy / n
    for side in (1, -1):  # two short strokes at +-30 degrees behind the tip
        c, s = math.cos(math.radians(150)), side * math.sin(math.radians(150))
        draw.line((bx, by, bx + length * (ux * c - uy * s), by + length * (ux * s + uy * c)), fill=ARROW, width=2)


def _axes(draw, size, xr, yr, font) -> None:
    draw.rectangle((LEFT, 0, LEFT + size - 1, size - 1), outline=(170, 170, 170))
    for v in nice_ticks(*xr):
        x = LEFT + (v - xr[0]) / (xr[1] - xr[0]) * (size - 1)
        draw.line((x, size - 1, x, size + 3), fill=(120, 120, 120))
        draw.text((x, size + 5), f"{v:g}", fill=(60, 60, 60), font=font, anchor="mt")
    for v in nice_ticks(*yr):
        y = (1 - (v - yr[0]) / (yr[1] - yr[0])) * (size - 1)
        draw.line((LEFT - 4, y, LEFT, y), fill=(120, 120, 120))
        draw.text((LEFT - 6, y), f"{v:g}", fill=(60, 60, 60), font=font, anchor="rm")


def _colour_bar(img, x, size, lo, hi, title, font) -> None:
    """The surface's grey ramp from ``lo`` (bottom) to ``hi`` (top), with ``title`` written upwards
    beside it, as Plotly's colour bar does."""
    h = size // 2
    ramp = surface_grey(np.linspace(hi, lo, h), lo, hi)[:, None].repeat(12, 1)  # high at the top
    img.paste(Image.fromarray(ramp, "L").convert("RGB"), (x, size // 4))
    draw = ImageDraw.Draw(img)
    draw.rectangle((x, size // 4, x + 11, size // 4 + h - 1), outline=(150, 150, 150))
    draw.text((x, size // 4 - 4), f"{hi:.3g}", fill=(60, 60, 60), font=font, anchor="lb")
    draw.text((x, size // 4 + h + 3), f"{lo:.3g}", fill=(60, 60, 60), font=font, anchor="lt")
    width = int(draw.textlength(title, font=font)) + 2
    label = Image.new("RGB", (width, font.size + 4), "white")
    ImageDraw.Draw(label).text((1, 1), title, fill=(60, 60, 60), font=font)
    label = label.rotate(90, expand=True)
    img.paste(label, (x + 16, max(0, (size - label.height) // 2)))


def samples_png(snap, size: int = 520) -> bytes:
    """``samples_image`` as PNG bytes (fast compression: flat colours compress well anyway)."""
    buf = io.BytesIO()
    samples_image(snap, size).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
