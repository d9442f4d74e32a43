"""One D surface, four views: the live picture, the paused Plotly figure, the PNG and the GIF draw
the same values with the same grey, high D dark, and the same colour bar ramp."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from ganviz.plots import samples_view as live, toy
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
    r, g, b = im.convert("RGB").getpixel((round(live.Frame(SIZE).left + (x + 1) / 2 * (SIZE - 1)), round((1 - (y + 1) / 2) * (SIZE - 1))))
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
    x = live.Frame(SIZE).left + SIZE + 10 + 6
    top, bottom = SIZE // 4 + 1, SIZE // 4 + SIZE // 2 - 2
    tol = 3 if view == "GIF" else 1
    assert abs(im.getpixel((x, top))[0] - toy.SURFACE_DARK) <= tol
    assert abs(im.getpixel((x, bottom))[0] - 255) <= tol
    heat = next(t for t in toy.samples_figure(snap).data if t.type == "heatmap")
    assert heat.showscale and _plotly_grey(heat, max(BANDS)) == pytest.approx(toy.SURFACE_DARK, abs=0.5)


# --- one renderer: the live picture, the PNG and every GIF frame are one picture ------------------

from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

from ganviz.plots import palette as pal  # noqa: E402
from ganviz.plots import samples_view as sv  # noqa: E402
from ganviz.plots.samples_view import samples_png  # noqa: E402


def _busy() -> Snapshot:
    """A snapshot with everything the view draws and more than 256 colours: a smooth D (every grey
    of the ramp), 300 translucent real and generated points each, the noise grid and 40 arrows."""
    rng = np.random.default_rng(0)
    grid = np.linspace(-1, 1, 40, dtype=np.float32)
    surface = (np.sin(3 * grid)[None, :] * np.cos(2 * grid)[:, None]).astype(np.float32)
    t = np.linspace(-0.9, 0.9, 30, dtype=np.float32)
    lines = [np.stack([t, np.full_like(t, c) + 0.1 * np.sin(4 * t)], 1) for c in np.linspace(-0.8, 0.8, 5)]
    fake = rng.uniform(-0.9, 0.9, (300, 2)).astype(np.float32)
    return replace(_snap(), step=1234, real=rng.normal(0, 0.4, (300, 2)).clip(-0.95, 0.95).astype(np.float32),
                   fake=fake, surface=surface, noise_lines=lines, arrows_from=fake[:40],
                   arrows_push=rng.normal(0, 1, (40, 2)), arrow_scale=0.05)


def _rgb(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("RGB")).astype(int)


def _gif_frames(data: bytes) -> list[np.ndarray]:
    gif = Image.open(io.BytesIO(data))
    out = []
    for k in range(gif.n_frames):
        gif.seek(k)
        out.append(_rgb(gif))
    return out


def _is(arr: np.ndarray, colour) -> np.ndarray:
    return (arr == np.array(colour)).all(-1)


def test_a_gif_frame_is_the_png_of_its_snapshot():
    """Every GIF frame is the PNG of its snapshot: exact wherever the PNG shows a grey of D's ramp, an
    ink or a mark's own colour; elsewhere (blends of translucent points) within a few levels."""
    a, b = _busy(), replace(_busy(), step=1300, fake=_busy().fake[::-1].copy())
    pngs = [_rgb(Image.open(io.BytesIO(samples_png(s, SIZE)))) for s in (a, b, a)]
    assert len(np.unique(pngs[0].reshape(-1, 3), axis=0)) > 256  # the GIF must choose its colours
    frames = _gif_frames(gif_bytes([frame(a), frame(b), frame(a)], SIZE))
    assert len(frames) == 3
    kept = {tuple(c) for c in sv.KEPT}
    for png, gif in zip(pngs, frames):
        assert gif.shape == png.shape
        exact = np.array([tuple(c) in kept for c in png.reshape(-1, 3)]).reshape(png.shape[:2])
        assert exact.mean() > 0.8
        assert (gif[exact] == png[exact]).all()
        diff = np.abs(gif - png).max(-1)[~exact]  # the blends: a median cut of them, each the nearest
        assert diff.mean() <= 3 and diff.max() <= 40, (float(diff.mean()), int(diff.max()))


def test_arrows_and_the_key_arrow_are_in_every_gif_frame():
    snap = _busy()
    png = _rgb(live.samples_image(snap, SIZE))
    red = _is(png, sv.ARROW)
    assert red.sum() > 200
    (kx, ky), = np.array([[live.Frame(SIZE).left + 0.04 * (SIZE - 1), (1 - 0.05) * (SIZE - 1)]]).round().astype(int)
    key = sv.arrow_key(snap)
    assert key is not None and red[ky - 1:ky + 2, kx + 2:kx + 6].any()  # the key arrow's shaft
    for gif in _gif_frames(gif_bytes([frame(snap), frame(replace(snap, step=1300))], SIZE)):
        assert (_is(gif, sv.ARROW) == red).all()


def test_the_noise_grid_has_the_figures_colour_in_the_picture_the_png_and_the_gif():
    """A grid line across the four bands of D: in every picture its pixels are the figure's
    rgba(noise grid) laid over the band's grey, as Plotly lays it."""
    row = 60
    y = 1 - 2 * row / (SIZE - 1)  # on a pixel row: a one-pixel line, not split between two
    line = np.stack([np.linspace(-0.95, 0.95, 40), np.full(40, y)], 1).astype(np.float32)
    snap = replace(_snap(), noise_lines=[line])
    trace = next(t for t in toy.samples_figure(snap).data if t.name == "G(noise grid)")
    r, g, b, opacity = (float(v) for v in re.findall(r"[\d.]+", trace.line.color))
    assert (r, g, b) == pal.rgb(pal.NOISE_GRID) and opacity == pal.NOISE_GRID_OPACITY
    views = {"live picture": live.samples_image(snap, SIZE), "PNG": Image.open(io.BytesIO(samples_png(snap, SIZE))),
             "GIF": Image.open(io.BytesIO(gif_bytes([frame(snap)], SIZE)))}
    for name, im in views.items():
        im = im.convert("RGB")
        for x, grey in zip(CENTRES, _expected()):
            want = [opacity * c + (1 - opacity) * grey for c in (r, g, b)]
            got = im.getpixel((round(live.Frame(SIZE).left + (x + 1) / 2 * (SIZE - 1)), row))
            assert np.abs(np.array(got) - want).max() <= 1.5, (name, x, got, want)


def test_the_busy_gifs_d_is_the_pngs_d_and_the_figures():
    """Where D shows through (no point, line or text on it), the GIF's grey is the PNG's, both the
    figure's colour scale at that D value."""
    snap = _busy()
    png = _rgb(live.samples_image(snap, SIZE))
    gif = _gif_frames(gif_bytes([frame(snap)], SIZE))[0]
    heat = next(t for t in toy.samples_figure(snap).data if t.type == "heatmap")
    lo, hi = pal.surface_range(snap.surface)
    checked = 0
    for j in range(2, 38, 3):
        for i in range(2, 38, 3):
            x, y = float(snap.surface_x[i]), float(snap.surface_y[j])
            col, row = round(live.Frame(SIZE).left + (x + 1) / 2 * (SIZE - 1)), round((1 - (y + 1) / 2) * (SIZE - 1))
            want = int(pal.surface_grey(snap.surface[j, i], lo, hi))
            if tuple(png[row, col]) != (want,) * 3:
                continue  # a point or a line covers it
            checked += 1
            assert tuple(gif[row, col]) == (want,) * 3
            assert _plotly_grey(heat, float(snap.surface[j, i])) == pytest.approx(want, abs=0.5)
    assert checked > 60


def test_the_step_is_written_on_every_picture():
    """The live picture, the PNG and the GIF frame carry the frame's step, top left, and differ by it only."""
    early, late = _snap(), replace(_snap(), step=98765)
    for draw in (lambda s: _rgb(live.samples_image(s, SIZE)), lambda s: _gif_frames(gif_bytes([frame(s)], SIZE))[0]):
        diff = np.argwhere((draw(early) != draw(late)).any(-1))
        assert len(diff) and diff[:, 0].max() < 25 and diff[:, 1].min() >= live.Frame(SIZE).left


def test_every_plots_module_takes_its_colours_from_the_palette():
    # coloraxis="coloraxis" names Plotly's shared colour axis, not a colour
    literal = re.compile(r"#[0-9a-fA-F]{6}\b|(?<![\w.])(?:rgba?|hsl)\(|colou?r(?!axis)\w*\s*=\s*[\"'][a-z]+[\"']|fill=\(\d")
    for path in sorted(Path(pal.__file__).parent.glob("*.py")):
        if path.name == "palette.py":
            continue
        hits = [line for line in path.read_text().splitlines() if literal.search(line)]
        assert not hits, (path.name, hits)
