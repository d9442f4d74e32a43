"""The toy lab's 2D samples view as a picture, drawn with Pillow: the one renderer of the live
picture (``ganviz.ui.live_frames``), the PNG download and every frame of the GIF.

It draws what the interactive figure (``ganviz.plots.toy.samples_figure``) shows, in the same
colours (``ganviz.plots.palette``): D's surface on the figure's grey ramp with its colour bar
(darker = higher), the generator's warped noise grid (purple), real (blue) and generated (orange)
samples, and the arrows of -grad_x of the G loss (red) on the run's fixed length scale, with the
key arrow in the lower left corner and the frame's step in the upper left.

The GIF keeps the picture's colours: every grey of D's ramp and every colour of the palette
present in a frame gets its own palette entry, the others the nearest of the rest (``gif_frame``),
so a GIF frame is the PNG wherever the PNG shows D, a sample's own colour, an arrow or a text.

Why a picture while a run trains: the browser re-lays out and re-paints the interactive Plotly
view on every update, about a quarter of a second of a core per redraw in a GPU-less Chromium; 4
redraws a second of that did not fit beside training on a 2-core laptop. Decoding a PNG costs the
browser a few milliseconds, drawing it ~10 ms of the server's. Paused, the page shows the
interactive figure again.
"""

from __future__ import annotations

import io
import math
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ganviz.plots import palette as pal

GREY = {name: (v, v, v) for name, v in (("paper", pal.PAPER), ("axis", pal.AXIS_TEXT), ("legend", pal.LEGEND_TEXT),
                                         ("key", pal.KEY_TEXT), ("tick", pal.TICK), ("frame", pal.FRAME),
                                         ("bar", pal.BAR_OUTLINE), ("step", pal.STEP_TEXT))}
REAL, FAKE, ARROW, NOISE_GRID = (pal.rgb(c) for c in (pal.REAL, pal.FAKE, pal.ARROW, pal.NOISE_GRID))
LEGEND = [("real", REAL), ("generated", FAKE), ("G(noise grid)", NOISE_GRID), ("-grad of G loss", ARROW)]
LABEL_BOX = (pal.PAPER,) * 3 + (200,)  # behind the step and the key arrow's value


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


def arrow_key(snap) -> tuple[float, float] | None:
    """The key arrow of a snapshot's arrows: (|grad_x L_G| it stands for, its length in plot
    units). The value is a round number (1, 2 or 5 times a power of ten) whose arrow is at most
    8% of the plot's width, on the snapshot's ``arrow_scale``. None without arrows."""
    scale = getattr(snap, "arrow_scale", None)
    if snap.arrows_from is None or not scale or snap.surface_x is None:
        return None
    width = float(snap.surface_x[-1] - snap.surface_x[0])
    raw = 0.08 * width / scale
    if not (raw > 0 and math.isfinite(raw)):
        return None
    power = 10 ** math.floor(math.log10(raw))
    value = max(m * power for m in (1, 2, 5) if m * power <= raw * (1 + 1e-9))
    return value, value * scale


def arrow_key_text(value: float) -> str:
    """The key arrow's label, in both views; plain letters: Pillow's default font has no ∇ or ₓ
    (the picture showed two empty boxes).

    Example:
        >>> arrow_key_text(0.2)
        '= |grad_x L_G| of 0.2'
    """
    return f"= |grad_x L_G| of {value:.3g}"


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


class Frame:
    """Where things go in a picture whose plot is ``size`` pixels high and ``aspect`` times as wide,
    its type ``type_px`` high (by default a little larger on a larger view): the margins (y ticks on
    the left; x ticks and the legend below; the colour bar on the right) grow with the type.

    Example: the margins at the default type of a 520-px plot (12 px); a projector's wide plot at 18 px.
        >>> f = Frame(520)
        >>> f.type_px, f.left, f.bottom, f.bar, f.size
        (12, 48, 42, 70, (638, 562))
        >>> Frame(620, aspect=1.3, type_px=18).size
        (982, 674)
    """

    def __init__(self, size: int, aspect: float = 1.0, type_px: int | None = None):
        self.height, self.width = size, round(size * aspect)
        self.type_px = type_px or max(11, round(size / 45))
        f = self.type_px
        self.left, self.bottom, self.bar = round(4 * f), round(2 * f + 18), round(5.8 * f)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the whole picture."""
        return self.left + self.width + self.bar, self.height + self.bottom


def picture_size(size: int, aspect: float = 1.0, type_px: int | None = None) -> tuple[int, int]:
    """(width, height) in pixels of ``samples_image(snap, size, aspect, type_px)``: the plot, its
    margins and colour bar."""
    return Frame(size, aspect, type_px).size


def as_snapshot(frame):
    """What to draw: a snapshot (``ganviz.training.snapshot.frame``) as it is, an
    ``export.Frame`` (samples, surface and its box; no noise grid, no arrows) as a snapshot."""
    if hasattr(frame, "surface_label"):
        return frame
    from ganviz.training.snapshot import Snapshot

    (x0, x1), (y0, y1) = frame.bounds
    n = 2 if frame.surface is None else frame.surface.shape[1]
    m = 2 if frame.surface is None else frame.surface.shape[0]
    return Snapshot(step=frame.step, d_steps=0, state="", error=None, dim=2, objective="", dataset="",
                    steps_per_second=0.0, real=frame.real, fake=frame.fake, surface_label="D",
                    surface_x=np.linspace(x0, x1, n), surface_y=np.linspace(y0, y1, m), surface=frame.surface)


def samples_image(snap, size: int = 520, aspect: float = 1.0, type_px: int | None = None) -> Image.Image:
    """The 2D samples view of ``snap`` (a ``ganviz.training.snapshot.Snapshot`` or an
    ``export.Frame``) on a plot ``size`` pixels high and ``aspect`` times as wide, with axis ticks,
    a titled colour bar of the surface, a one-line legend and the step, in type ``type_px`` high
    (``Frame``).

    The axes share one scale (a circle stays round), as in the interactive figure: a wide plot
    shows more of the plane left and right. The surface fills its own box, blank beyond it.

    Example:
        >>> from ganviz.training import Trainer, snapshot
        >>> from ganviz.training.config import TrainConfig
        >>> im = samples_image(snapshot.take(Trainer(TrainConfig(dataset="ring8"))), size=200)
        >>> im.size
        (308, 240)
    """
    snap = as_snapshot(snap)
    fr = Frame(size, aspect, type_px)
    box = _bounds(snap)
    (x0, x1), (y0, y1) = _square(box)
    half = (x1 - x0) / 2 * fr.width / fr.height  # one scale on both axes
    x0, x1 = (x0 + x1) / 2 - half, (x0 + x1) / 2 + half
    img = Image.new("RGB", fr.size, GREY["paper"])
    font = ImageFont.load_default(size=fr.type_px)

    def px(p: np.ndarray) -> np.ndarray:
        return np.stack([fr.left + (p[:, 0] - x0) / (x1 - x0) * (fr.width - 1),
                         (1 - (p[:, 1] - y0) / (y1 - y0)) * (size - 1)], 1)

    s = snap.surface
    if s is not None and np.isfinite(s).all():
        lo, hi = pal.surface_range(s)
        grey = pal.surface_grey(s[::-1], lo, hi)  # image rows run top-down, y runs up
        (left, top), (right, bottom) = px(np.array([[box[0][0], box[1][1]], [box[0][1], box[1][0]]])).round().astype(int)
        patch = Image.fromarray(grey, "L").resize((right - left + 1, bottom - top + 1), Image.NEAREST)
        img.paste(patch.convert("RGB"), (left, top))
        _colour_bar(img, fr.left + fr.width + 10, size, lo, hi, f"{snap.surface_label} (dark = high)", font)
    draw = ImageDraw.Draw(img, "RGBA")  # RGBA: translucent lines and points blend like the figure's

    grid = (*NOISE_GRID, pal.alpha8(pal.NOISE_GRID_OPACITY))
    for line in snap.noise_lines:
        draw.line([tuple(q) for q in px(line)], fill=grid, width=1)
    for pts, colour, opacity in ((snap.real, REAL, pal.REAL_OPACITY), (snap.fake, FAKE, pal.FAKE_OPACITY)):
        pts = pts[np.isfinite(pts).all(axis=1)]
        fill = (*colour, pal.alpha8(opacity))
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
            length = key[1] / (x1 - x0) * (fr.width - 1)
            text = arrow_key_text(key[0])
            tw = draw.textlength(text, font=font)
            draw.rectangle((kx - 3, ky - font.size / 2 - 3, kx + length + tw + 9, ky + font.size / 2 + 3), fill=LABEL_BOX)
            draw.line((kx, ky, kx + length, ky), fill=ARROW, width=2)
            _head(draw, kx, ky, kx + length, ky)
            draw.text((kx + length + 5, ky), text, fill=GREY["key"], font=font, anchor="lm")
    _axes(draw, fr, (x0, x1), (y0, y1), font)
    step = f"step {snap.step}"
    draw.rectangle((fr.left + 3, 2, fr.left + 9 + draw.textlength(step, font=font), 6 + font.size), fill=LABEL_BOX)
    draw.text((fr.left + 6, 4), step, fill=GREY["step"], font=font)
    f = fr.type_px
    x, swatch = fr.left, round(0.8 * f)
    for text, colour in LEGEND:
        draw.rectangle((x, size + f + 15, x + swatch, size + f + 15 + swatch), fill=colour)
        draw.text((x + swatch + 4, size + f + 13), text, fill=GREY["legend"], font=font)
        x += round(2.4 * f) + int(draw.textlength(text, font=font))
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


def _axes(draw, fr: Frame, xr, yr, font) -> None:
    left, width, size = fr.left, fr.width, fr.height
    draw.rectangle((left, 0, left + width - 1, size - 1), outline=GREY["frame"])
    for v in nice_ticks(*xr, n=round(5 * fr.width / fr.height)):
        x = left + (v - xr[0]) / (xr[1] - xr[0]) * (width - 1)
        draw.line((x, size - 1, x, size + 3), fill=GREY["tick"])
        draw.text((x, size + 5), f"{v:g}", fill=GREY["axis"], font=font, anchor="mt")
    for v in nice_ticks(*yr):
        y = (1 - (v - yr[0]) / (yr[1] - yr[0])) * (size - 1)
        draw.line((left - 4, y, left, y), fill=GREY["tick"])
        draw.text((left - 6, y), f"{v:g}", fill=GREY["axis"], font=font, anchor="rm")


def _colour_bar(img, x, size, lo, hi, title, font) -> None:
    """The surface's grey ramp from ``lo`` (bottom) to ``hi`` (top), with ``title`` written upwards
    beside it, as Plotly's colour bar does."""
    h = size // 2
    ramp = pal.surface_grey(np.linspace(hi, lo, h), lo, hi)[:, None].repeat(12, 1)  # high at the top
    img.paste(Image.fromarray(ramp, "L").convert("RGB"), (x, size // 4))
    draw = ImageDraw.Draw(img)
    draw.rectangle((x, size // 4, x + 11, size // 4 + h - 1), outline=GREY["bar"])
    draw.text((x, size // 4 - 4), f"{hi:.3g}", fill=GREY["axis"], font=font, anchor="lb")
    draw.text((x, size // 4 + h + 3), f"{lo:.3g}", fill=GREY["axis"], font=font, anchor="lt")
    width = int(draw.textlength(title, font=font)) + 2
    label = Image.new("RGB", (width, font.size + 4), GREY["paper"])
    ImageDraw.Draw(label).text((1, 1), title, fill=GREY["axis"], font=font)
    label = label.rotate(90, expand=True)
    img.paste(label, (x + 16, max(0, (size - label.height) // 2)))


def samples_png(snap, size: int = 520, aspect: float = 1.0, type_px: int | None = None) -> bytes:
    """``samples_image`` as PNG bytes (``png_bytes``)."""
    return png_bytes(samples_image(snap, size, aspect, type_px))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bytes(im: Image.Image) -> bytes:
    """An RGB picture as a PNG (ISO/IEC 15948): every row with the "Up" filter (each byte minus the
    one above it, mod 256), then zlib at level 1. The live picture is drawn ~5 times a second on the
    server; Pillow's encoder tries every filter on every row and took 16 ms a frame, this 6 ms, and
    the file is no larger (flat colours repeat from row to row). Lossless.

    Example:
        >>> im = Image.new("RGB", (3, 2), (200, 10, 10))
        >>> Image.open(io.BytesIO(png_bytes(im))).convert("RGB").getpixel((2, 1))
        (200, 10, 10)
    """
    flat = np.asarray(im.convert("RGB")).reshape(im.height, im.width * 3)
    rows = np.empty((im.height, im.width * 3 + 1), np.uint8)
    rows[:, 0] = 2  # filter type: Up
    rows[0, 1:] = flat[0]  # the row above the first is zeros
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])  # uint8 arithmetic wraps mod 256, as PNG's does
    header = struct.pack(">IIBBBBB", im.width, im.height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + _chunk(b"IEND", b""))


# --- the GIF ---------------------------------------------------------------------------------------
KEPT = np.array(sorted({(g, g, g) for g in pal.ramp_greys()} | set(GREY.values()) | {REAL, FAKE, ARROW, NOISE_GRID}))


def _code(colours: np.ndarray) -> np.ndarray:
    c = colours.astype(np.int64)
    return (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]


def gif_frame(im: Image.Image) -> Image.Image:
    """``im`` with at most 256 colours (a GIF frame), each pixel its own colour where it can be.

    With 256 colours or fewer nothing changes. Otherwise the frame's colours that are greys of D's
    ramp or the pictures' inks and marks (``KEPT``) keep theirs, the rest of the palette is a
    median cut of its other pixels, and those take the nearest entry.

    Example:
        >>> flat = Image.new("RGB", (4, 4), (200, 10, 10))
        >>> gif_frame(flat).convert("RGB").getpixel((0, 0))
        (200, 10, 10)
    """
    rgb = np.asarray(im.convert("RGB"))
    codes, index = np.unique(_code(rgb.reshape(-1, 3)), return_inverse=True)
    colours = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], 1)
    if len(codes) > 256:
        kept = np.isin(codes, _code(KEPT))
        others = ~kept[index]
        table = colours[kept]
        room = 256 - len(table)
        if room > 0 and others.any():
            rest = Image.fromarray(rgb.reshape(-1, 3)[others][None, :], "RGB")
            cut = rest.quantize(colors=room, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            used = np.unique(np.asarray(cut))
            table = np.concatenate([table, np.asarray(cut.getpalette()[:3 * (int(used.max()) + 1)]).reshape(-1, 3)[used]])
        table = table[:256]
        nearest = ((colours[:, None, :].astype(np.int64) - table[None, :, :].astype(np.int64)) ** 2).sum(-1).argmin(1)
        colours, index = table, nearest[index]
    out = Image.fromarray(index.reshape(rgb.shape[:2]).astype(np.uint8), "P")
    out.putpalette(colours.astype(np.uint8).ravel().tolist())
    return out


def gif(images: list[Image.Image], ms_per_frame: int) -> bytes:
    """An animated GIF of ``images`` (looping forever), each frame with its own palette (``gif_frame``)."""
    frames = [gif_frame(im) for im in images]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    return buf.getvalue()


def samples_gif(frames, size: int = 360, ms_per_frame: int = 120) -> bytes:
    """An animated GIF of the samples view of ``frames`` (snapshots or ``export.Frame``s) in step
    order: each frame is ``samples_image`` of its snapshot.

    Example:
        >>> from ganviz.training import Trainer, snapshot
        >>> from ganviz.training.config import TrainConfig
        >>> t = Trainer(TrainConfig(dataset="ring8"))
        >>> first = snapshot.frame(snapshot.take(t))
        >>> t.train(2)
        >>> Image.open(io.BytesIO(samples_gif([first, snapshot.frame(snapshot.take(t))], size=120))).n_frames
        2
    """
    if not frames:
        raise ValueError("no frames recorded yet: train for a moment first")
    return gif([samples_image(f, size) for f in frames], ms_per_frame)
