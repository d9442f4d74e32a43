"""One D surface, four views: the live picture, the paused Plotly figure, the PNG and the GIF draw
the same values with the same grey, high D dark, and the same colour bar ramp."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from ganviz.plots import live, toy
from ganviz.plots.animation import gif_bytes, png_bytes
from ganviz.training.export import Frame
from ganviz.training.snapshot import Snapshot, frame

SIZE = 240
BANDS = (0.1, 0.4, 0.7, 0.95)  # D in four vertical bands on [-1, 1]^2, rising to the right
CENTRES = (-0.75, -0.25, 0.25, 0.75)  # the bands' middles (x); every y


def _snap() -> Snapshot:
    grid = np.linspace(-1, 1, 40, dtype=np.float32)
    band = np.minimum(((grid + 1) / 2 * 4).astype(int), 3)
    surface = np.array(BANDS, np.float32)[band][None, :].repeat(40, 0)
    return Snapshot(step=3, d_steps=3, state="paused", error=None, dim=2, objective="nsgan", dataset="ring8",
                    steps_per_second=0.0, real=np.zeros((0, 2), np.float32), fake=np.zeros((0, 2), np.float32),
                    surface_label="D(x)", surface_x=grid, surface_y=grid, surface=surface)


def _picture_grey(im: Image.Image, x: float, y: float) -> int:
    """The grey at data point (x, y) of a samples picture of SIZE (the renderer's mapping)."""
    r, g, b = im.convert("RGB").getpixel((round(live.LEFT + (x + 1) / 2 * (SIZE - 1)), round((1 - (y + 1) / 2) * (SIZE - 1))))
    assert r == g == b, (r, g, b)  # grey, not tinted
    return r


def _plotly_grey(trace, value: float) -> float:
    """The grey Plotly paints a heatmap cell of ``value``: its colour scale (reversed if asked)
    between zmin and zmax, at the trace's opacity over the white paper."""
    lo = trace.zmin if trace.zmin is not None else float(np.min(trace.z))
    hi = trace.zmax if trace.zmax is not None else float(np.max(trace.z))
    stops = [(float(p), float(re.findall(r"[\d.]+", c)[0])) for p, c in trace.colorscale]
    if trace.reversescale:
        stops = [(1 - p, c) for p, c in reversed(stops)]
    grey = float(np.interp((value - lo) / (hi - lo), [p for p, _ in stops], [c for _, c in stops]))
    opacity = 1.0 if trace.opacity is None else trace.opacity
    return 255 - opacity * (255 - grey)


def _expected() -> list[int]:
    return [int(v) for v in toy.surface_grey(np.array(BANDS), min(BANDS), max(BANDS))]


def test_the_ramp_runs_from_white_at_the_lowest_to_dark_at_the_highest():
    greys = _expected()
    assert greys[0] == 255 and greys[-1] == toy.SURFACE_DARK and greys == sorted(greys, reverse=True)


def test_live_picture_png_gif_and_figure_draw_the_same_greys():
    snap, want = _snap(), _expected()
    views = {
        "live picture": live.samples_image(snap, SIZE),
        "PNG": Image.open(io.BytesIO(png_bytes(frame(snap), SIZE))),
        "PNG of an export frame": Image.open(io.BytesIO(png_bytes(
            Frame(snap.step, snap.real, snap.fake, snap.surface, ((-1.0, 1.0), (-1.0, 1.0))), SIZE))),
        "GIF": Image.open(io.BytesIO(gif_bytes([frame(snap)] * 2, SIZE))),
    }
    heat = next(t for t in toy.samples_figure(snap).data if t.type == "heatmap")
    for y in (-0.6, 0.0, 0.6):
        for x, v, grey in zip(CENTRES, BANDS, want):
            for name, im in views.items():
                # The GIF's 64-colour palette may move a grey by a level or two.
                tol = 3 if name == "GIF" else 0
                assert abs(_picture_grey(im, x, y) - grey) <= tol, (name, x, v)
            assert _plotly_grey(heat, v) == pytest.approx(grey, abs=0.5), ("figure", v)


@pytest.mark.parametrize("view", ["live picture", "PNG", "GIF"])
def test_every_picture_has_the_colour_bar_of_the_figure(view):
    """The bar beside the plot: the figure's ramp, high (dark) at the top, low (white) at the bottom."""
    snap = _snap()
    im = {"live picture": lambda: live.samples_image(snap, SIZE),
          "PNG": lambda: Image.open(io.BytesIO(png_bytes(frame(snap), SIZE))),
          "GIF": lambda: Image.open(io.BytesIO(gif_bytes([frame(snap)], SIZE)))}[view]().convert("RGB")
    x = live.LEFT + SIZE + 10 + 6
    top, bottom = SIZE // 4 + 1, SIZE // 4 + SIZE // 2 - 2
    tol = 3 if view == "GIF" else 1
    assert abs(im.getpixel((x, top))[0] - toy.SURFACE_DARK) <= tol
    assert abs(im.getpixel((x, bottom))[0] - 255) <= tol
    heat = next(t for t in toy.samples_figure(snap).data if t.type == "heatmap")
    assert heat.showscale and _plotly_grey(heat, max(BANDS)) == pytest.approx(toy.SURFACE_DARK, abs=0.5)
