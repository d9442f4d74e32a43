"""The toy lab's live picture (ganviz.plots.samples_view): every view of the samples figure is in it, where
the data says it is."""

import doctest
import io

import numpy as np
import pytest
from PIL import Image

from ganviz.plots import samples_view as live
from ganviz.training.snapshot import Snapshot

SIZE = 200


def _snap(**kw) -> Snapshot:
    """A hand-made 2D snapshot on [-1, 1]^2: D high on the left half, low on the right."""
    grid = np.linspace(-1, 1, 40, dtype=np.float32)
    surface = np.where(grid[None, :] < 0, 0.9, 0.1).repeat(40, 0).astype(np.float32)
    base = dict(step=7, d_steps=7, state="running", error=None, dim=2, objective="nsgan", dataset="ring8",
                steps_per_second=0.0, real=np.array([[-0.5, 0.5]], np.float32),
                fake=np.array([[0.5, -0.5]], np.float32), surface_label="D(x)", surface_x=grid, surface_y=grid,
                surface=surface)
    return Snapshot(**{**base, **kw})


def _pixel(im, x, y):
    """The colour at data point (x, y) of a picture of SIZE (same mapping as the renderer)."""
    return im.getpixel((round(live.Frame(SIZE).left + (x + 1) / 2 * (SIZE - 1)), round((1 - (y + 1) / 2) * (SIZE - 1))))


def _any_near(im, x, y, test) -> bool:
    """Whether some pixel within 2 of data point (x, y) passes ``test`` (lines are 1-2 pixels wide)."""
    cx, cy = round(live.Frame(SIZE).left + (x + 1) / 2 * (SIZE - 1)), round((1 - (y + 1) / 2) * (SIZE - 1))
    return any(test(*im.getpixel((cx + dx, cy + dy))) for dx in range(-2, 3) for dy in range(-2, 3))


def test_doctests():
    assert doctest.testmod(live).failed == 0


def test_samples_and_surface_are_where_the_data_says():
    im = live.samples_image(_snap(), SIZE)
    assert im.size == live.Frame(SIZE).size
    r, _, b = _pixel(im, -0.5, 0.5)  # the real point: blue
    assert b > r + 40
    r, _, b = _pixel(im, 0.5, -0.5)  # the generated point: orange
    assert r > b + 80
    left, right = _pixel(im, -0.8, -0.8), _pixel(im, 0.8, 0.8)  # D high on the left: darker there
    assert sum(left) < sum(right) - 150 and left[0] == left[1] == left[2]


def test_noise_grid_and_arrows_are_drawn():
    line = np.stack([np.linspace(-0.9, 0.9, 30), np.full(30, 0.8)], 1).astype(np.float32)
    arrows_from = np.array([[-0.6, -0.2]], np.float32)
    im = live.samples_image(_snap(noise_lines=[line], arrows_from=arrows_from, arrows_push=np.array([[2.0, 0.0]]),
                                  arrow_scale=0.25), SIZE)  # a push of 2 at 0.25 plot units each: 0.5 long
    purple = lambda r, g, b: b > g + 20 and r > g + 10  # noqa: E731  the grid line, blended over the grey
    crimson = lambda r, g, b: r > 180 and g < 80  # noqa: E731  the arrow
    assert _any_near(im, 0.0, 0.8, purple) and _any_near(im, -0.4, -0.2, crimson)
    before = live.samples_image(_snap(), SIZE)
    assert not _any_near(before, 0.0, 0.8, purple) and not _any_near(before, -0.4, -0.2, crimson)


def test_diverged_samples_still_draw():
    bad = _snap(fake=np.array([[np.nan, np.inf]], np.float32), surface=None, surface_x=None, surface_y=None)
    png = live.samples_png(bad, SIZE)
    assert Image.open(io.BytesIO(png)).size == live.Frame(SIZE).size


@pytest.mark.parametrize("lo,hi", [(-2.3, 2.3), (0.0, 1.0), (-0.013, 0.02), (-150.0, 7.0), (3.0, 3.0)])
def test_ticks_are_round_evenly_spaced_and_inside(lo, hi):
    ticks = live.nice_ticks(lo, hi)
    if hi == lo:
        assert ticks == []
        return
    assert 2 <= len(ticks) <= 11 and all(lo <= t <= hi for t in ticks)
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0])
    mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
    assert any(np.isclose(mantissa, m) for m in (1, 2, 5))


def test_painter_writes_numbered_frames_and_a_pointer_while_watched(monkeypatch):
    import json
    from dataclasses import replace

    from ganviz.ui import live_frames

    p = live_frames.Painter()
    first = _snap()
    p.paint(first)
    assert not list(live_frames.FRAMES.glob(f"{p.token}*")), "drew with no page watching"
    p.watch(first, (SIZE, 1.0, None))  # a page watches: a frame of the newest snapshot at once
    p.paint(first)  # the same snapshot again: no new frame
    for k in range(4):
        p.paint(replace(first, step=first.step + k + 1))
    pointer = json.loads((live_frames.FRAMES / f"{p.token}.json").read_text())
    assert pointer == {"n": 5, "step": first.step + 4}
    kept = sorted(f.name for f in live_frames.FRAMES.glob(f"{p.token}-*"))
    assert kept == [f"{p.token}-{n}.png" for n in (3, 4, 5)]  # the last KEEP frames, nothing half-written
    assert (live_frames.FRAMES / f"{p.token}-5.png").read_bytes() == live.samples_png(replace(first, step=first.step + 4), SIZE)
    monkeypatch.setattr(live_frames.time, "monotonic", lambda: float("inf"))  # the page stopped asking
    p.paint(replace(first, step=first.step + 9))
    assert json.loads((live_frames.FRAMES / f"{p.token}.json").read_text())["n"] == 5
    live_frames._remove(p.token)


def test_renewing_the_watch_keeps_drawing_on_the_runs_arrow_scale(monkeypatch):
    """The status line renews the watch each second without drawing the picture element again: the
    frames go on past WATCH_SECONDS, on the scale it passes; before any page watched it starts nothing."""
    from dataclasses import replace

    from ganviz.ui import live_frames

    now = [100.0]
    monkeypatch.setattr(live_frames.time, "monotonic", lambda: now[0])
    p = live_frames.Painter()
    first = _snap()
    p.renew(0.5)
    p.paint(first)
    assert p.n == 0, "a renewal before any watch drew"
    p.watch(first, (SIZE, 1.0, None))
    for k in range(1, 4):  # three renewals, each just before the watch would end
        now[0] += live_frames.WATCH_SECONDS * 0.9
        p.renew(0.25)
        p.paint(replace(first, step=first.step + k))
    assert p.n == 4 and p._arrow_scale == 0.25
    assert (live_frames.FRAMES / f"{p.token}-4.png").read_bytes() == live.samples_png(replace(first, step=first.step + 3), SIZE)
    now[0] += live_frames.WATCH_SECONDS * 1.1  # no renewal: the page went away
    p.paint(replace(first, step=first.step + 9))
    assert p.n == 4
    live_frames._remove(p.token)


def test_one_scale_on_both_axes_as_in_the_figure():
    wide = np.linspace(-2, 2, 40, dtype=np.float32)
    im = live.samples_image(_snap(surface_x=wide), SIZE)  # the surface is 4 wide and 2 high
    (x0, x1), (y0, y1) = live._square(live._bounds(_snap(surface_x=wide)))
    assert (x0, x1, y0, y1) == (-2, 2, -2, 2)
    row = lambda y: round((1 - (y - y0) / (y1 - y0)) * (SIZE - 1))  # noqa: E731
    col = round(live.Frame(SIZE).left + (-1 - x0) / (x1 - x0) * (SIZE - 1))  # x = -1, where D is high
    assert im.getpixel((col, row(1.6))) == (255, 255, 255)  # above the surface: blank
    assert im.getpixel((col, row(0.5)))[0] < 200  # on it: dark grey


def test_png_bytes_is_lossless_on_a_drawn_frame_and_on_noise():
    """Our PNG writer decodes (with Pillow) to the very pixels drawn: a frame of the live picture, and
    random colours, whose row differences wrap around 256 everywhere."""
    drawn = live.samples_image(_snap(), SIZE)
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8), "RGB")
    for im in (drawn, noise):
        back = Image.open(io.BytesIO(live.png_bytes(im)))
        assert back.mode == "RGB" and back.size == im.size
        assert np.array_equal(np.asarray(back), np.asarray(im))


def test_every_letter_of_the_pictures_labels_has_a_glyph_in_its_font():
    """Pillow's default font draws a letter it lacks as an empty box (the key arrow read "|□□ L_G|")."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=12)
    box = bytes(font.getmask("\U0010fffd"))  # a code point no font has
    text = live.arrow_key_text(0.2) + "".join(t for t, _ in live.LEGEND)
    missing = {c for c in text if not c.isspace() and bytes(font.getmask(c)) == box}
    assert not missing, missing


def test_a_wide_picture_keeps_one_scale_and_its_type_size():
    """At the projector the plot is 1.3 times as wide as high (``Frame``): the axes keep one scale
    (the surface's square box stays square, the extra width shows more of the plane left and right,
    blank), the margins grow with 18 px type, and the text is that high."""
    fr = live.Frame(SIZE, aspect=1.3, type_px=18)
    im = live.samples_image(_snap(), SIZE, aspect=1.3, type_px=18)
    assert im.size == fr.size == (fr.left + round(1.3 * SIZE) + fr.bar, SIZE + fr.bottom)
    inside = np.asarray(im.convert("L"))[1:SIZE - 1, fr.left + 1:fr.left + fr.width - 1]  # within the frame's outline
    dark = inside < 200  # D high: x in [-1, 0]
    cols = np.flatnonzero(dark.sum(axis=0) > SIZE // 2)
    rows = np.flatnonzero(dark.sum(axis=1) > SIZE // 4)
    assert abs(len(cols) - SIZE / 2) <= 2 and abs(len(rows) - SIZE) <= 3  # half of [-1, 1]^2, drawn square
    assert abs(cols[0] + 1 - (fr.width - SIZE) / 2) <= 2  # centred: the widening is shared left and right
    ink = np.flatnonzero((np.asarray(im.convert("L"))[SIZE + 4:SIZE + 30, fr.left:] < 160).any(axis=1))
    assert 12 <= ink[-1] - ink[0] + 1 <= 20  # the x tick labels' digits at 18 px type (digits are ~2/3 of it)
