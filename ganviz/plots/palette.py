"""Every colour ganviz draws, defined once: the Plotly figures and the Pillow pictures
(``ganviz.plots.samples_view``) take their colours from here, so one quantity has one colour in
every view (real samples and P blue, generated samples and Q orange, W1 purple, JS brown, ...).

Hex strings are what Plotly takes; ``rgb`` turns one into the (r, g, b) a Pillow picture draws,
and ``rgba`` into a translucent Plotly colour. D's surface is drawn on one grey ramp
(``surface_grey``, ``SURFACE_COLORSCALE``) in the interactive figure, the live picture, the PNG
and the GIF.

Example:
    >>> rgb(REAL), rgba(NOISE_GRID, NOISE_GRID_OPACITY)
    ((31, 119, 180), 'rgba(120,60,160,0.35)')
"""

from __future__ import annotations

import numpy as np

# --- the hues (Plotly's and matplotlib's "tab10"), and inks ---------------------------------------
BLUE, ORANGE, GREEN, RED, PURPLE = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"
BROWN, PINK, GREY, OLIVE, CYAN = "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
CRIMSON = "#dc143c"
BLACK = "#000000"
REFERENCE = "#808080"  # reference lines and their notes (log 2, log 10, learning-rate halvings)
WARN = "#ff0000"  # a sum that does not add up
TEXT = "#333333"  # text on a plot (the key arrow's value)
NOTE = "#555555"  # small notes on a plot
# A run's layers, one colour each, in order (Plotly's default cycle).
LAYERS = ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880", "#ff97ff", "#fecb52"]

# --- the toy lab's samples view (figure, live picture, PNG, GIF) -----------------------------------
REAL = BLUE  # real samples (and P, the data, on the Divergences page)
FAKE = ORANGE  # generated samples (and Q, the model)
REAL_OPACITY, FAKE_OPACITY = 0.6, 0.7
ARROW = CRIMSON  # -grad_x of the G loss at a sample, and the key arrow
NOISE_GRID = "#783ca0"  # G's image of a grid of noise lines (a darker purple than W1's)
NOISE_GRID_OPACITY = 0.35
D_STAR = GREEN  # the optimal discriminator D*(x), beside the learned D (BLACK)
D_LEARNED = BLACK

# D's surface: one grey ramp from white at the frame's lowest value to SURFACE_DARK at its highest,
# darker = higher, opaque.
SURFACE_DARK = 115
SURFACE_COLORSCALE = [[0.0, "rgb(255,255,255)"], [1.0, f"rgb({SURFACE_DARK},{SURFACE_DARK},{SURFACE_DARK})"]]

# --- the Pillow pictures' inks (grey levels) -------------------------------------------------------
PAPER = 255
AXIS_TEXT, LEGEND_TEXT, KEY_TEXT = 60, 40, 50
TICK, FRAME, BAR_OUTLINE = 120, 170, 150
STEP_TEXT = 0

# --- quantities over training, in every figure that draws them -------------------------------------
D_LOSS = GREEN
G_LOSS = RED
W1 = PURPLE
JS = BROWN
KL_PQ = PINK
KL_QP = CYAN
TV = GREEN
MODES = CYAN
HQ = OLIVE
K_T = PINK
M_GLOBAL = GREY
QUALITY = GREEN  # BEGAN and latent space: mean classifier confidence
CLASS_ENTROPY = BLUE
PAIRWISE_DISTANCE = ORANGE
PRECISION = OLIVE  # image lab: improved precision (the quality side), recall and coverage (the
RECALL = CYAN  # diversity side), digit FID (a distance, as W1)
COVERAGE = PINK
CLASS_AGREEMENT = "#393b79"  # dark indigo; BigGAN: the share of samples the classifier reads as the class asked for
DIGIT_FID = PURPLE
MMGAN = RED  # the saturating generator loss log(1 - D)
NSGAN = BLUE  # the non-saturating -log D
PLAN = (80, 80, 80)  # transport plans' arrows and lines (translucent by their mass)
OURS, PUBLISHED = "#c0392b", "#7f8c8d"  # the leaderboard's bars

# --- colour scales ---------------------------------------------------------------------------------
IMAGE_COLORSCALE = "gray"  # generated grey-level images
COUNTS_COLORSCALE = "Blues"  # a transport plan's matrix
SPECTRUM_COLORSCALE = "Viridis"  # log10 of the singular values


def rgb(colour: str) -> tuple[int, int, int]:
    """A '#rrggbb' colour as (r, g, b).

    Example:
        >>> rgb(ARROW)
        (220, 20, 60)
    """
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def rgba(colour, alpha: float) -> str:
    """A '#rrggbb' colour or an (r, g, b) at opacity ``alpha``, as Plotly writes it.

    Example:
        >>> rgba(PLAN, 0.5)
        'rgba(80,80,80,0.5)'
    """
    r, g, b = rgb(colour) if isinstance(colour, str) else colour
    return f"rgba({r},{g},{b},{alpha:g})"


def alpha8(opacity: float) -> int:
    """An opacity in [0, 1] as a Pillow alpha in 0..255.

    Example:
        >>> alpha8(NOISE_GRID_OPACITY)
        89
    """
    return round(255 * opacity)


def hue(k: int, n: int) -> str:
    """The k-th of n colours evenly spaced round the colour wheel (curves of one family).

    Example:
        >>> hue(1, 4)
        'hsl(90,65%,45%)'
    """
    return f"hsl({int(360 * k / n)},65%,45%)"


def surface_range(surface: np.ndarray) -> tuple[float, float]:
    """(lowest, highest) value of a surface: the ends of its grey ramp and colour bar.

    Example:
        >>> surface_range(np.array([[0.25, 0.75]]))
        (0.25, 0.75)
    """
    lo, hi = float(np.min(surface)), float(np.max(surface))
    return lo, (hi if hi > lo else lo + 1e-12)


def surface_grey(values, lo: float, hi: float) -> np.ndarray:
    """The grey level (0-255) of surface values on the ramp from ``lo`` (white) to ``hi`` (dark):
    the level the figure's ``SURFACE_COLORSCALE`` paints, rounded.

    Example:
        >>> surface_grey(np.array([0.0, 0.5, 1.0]), 0.0, 1.0).tolist()
        [255, 185, 115]
    """
    t = np.clip((np.asarray(values, np.float64) - lo) / (hi - lo), 0.0, 1.0)
    return np.round(255 - (255 - SURFACE_DARK) * t).astype(np.uint8)


def ramp_greys() -> range:
    """Every grey level of D's ramp, darkest first.

    Example:
        >>> r = ramp_greys(); (r[0], r[-1], len(r))
        (115, 255, 141)
    """
    return range(SURFACE_DARK, 256)
