"""A user's own 2D data set: points drawn on the plane or read from a CSV, checked, and carried in a
link.

A set is held flat, ``(x0, y0, x1, y1, ...)``, in one canonical order (sorted by x, then y): an
empirical distribution's order means nothing, and one order makes the same set train the same run
from a link, a CSV or the drawing. A set holds ``MIN_POINTS`` to ``MAX_POINTS`` points, every
coordinate a finite number of size at most ``MAX_ABS``.

The CSV format: two columns, x then y, one point a row, separated by commas; a first row that reads
``x,y`` is a header and is skipped (a header is optional); blank lines are skipped. A file larger than
``MAX_CSV_BYTES`` is refused before it is read. Every refusal is a ``PointsError`` that says what was
wrong and what to do.

The link code (``encode_link``/``decode_link``): coordinates in hundredths (integers k: v = k / 100),
the sorted x as a first value and then non-negative steps, y as they are, each as a zigzag varint
(``zigzag(v) = 2v`` for v >= 0, ``-2v - 1`` below), zlib-compressed and base64url without padding,
after a version character "1". Sorting turns x into small steps: a drawn set takes about 2 characters
a point (5.3 for raw int16 pairs), so a link of ``MAX_LINK_CHARS`` holds about 800 drawn points.

Example:
    >>> pts = read_csv(b"x,y\\n" + b"".join(b"%d,%d\\n" % (i, -i) for i in range(10)))
    >>> len(pts) // 2, pts[:4]
    (10, (0.0, 0.0, 1.0, -1.0))
    >>> decode_link(encode_link(pts)) == pts
    True
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import math
import zlib

import numpy as np

MIN_POINTS, MAX_POINTS = 10, 100_000
MAX_ABS = 1e6  # a coordinate's largest size: past it float32 training loses the set's shape
MAX_CSV_BYTES = 8 * 2**20  # 100,000 rows at full float precision are ~5 MB
# The link's code of a set: at most this many characters, so the whole address (the scene's other
# settings take up to ~300) stays under ~2,000 characters, which every browser and chat client keeps.
MAX_LINK_CHARS = 1600
LINK_VERSION = "1"
LINK_STEP = 0.01  # the link's resolution: a set it carries has coordinates in hundredths
# Candidate points of the drawing plane: a grid on [-PLANE, PLANE]^2 with spacing GRID_STEP.
PLANE, GRID_STEP = 2.0, 0.1
PER_CELL = 4  # points a box or lasso adds per grid point it encloses (400 per unit of area)
BRUSH, BRUSH_SIGMA = 16, 0.05  # a click adds a small Gaussian cloud around the grid point clicked
CLICK_MAX = 2  # a selection of at most this many grid points is a click, not a region


class PointsError(ValueError):
    """A set of points that is refused; the message says what was wrong and what to do."""


def check_flat(points, what: str = "points") -> None:
    """Raise ValueError unless ``points`` is a flat (x0, y0, x1, y1, ...) sequence of MIN_POINTS to
    MAX_POINTS points with finite coordinates of size at most MAX_ABS.

    Example:
        >>> check_flat((0.0, 1.0) * 3)
        Traceback (most recent call last):
        ...
        ValueError: points hold 3 points; at least 10 are needed
    """
    if not isinstance(points, (tuple, list)):
        raise ValueError(f"{what} must be a list of numbers x0, y0, x1, y1, ..., got {type(points).__name__}")
    if len(points) % 2:
        raise ValueError(f"{what} must hold x, y pairs: got {len(points)} numbers, an odd count")
    n = len(points) // 2
    if n < MIN_POINTS:
        raise ValueError(f"{what} hold {n:,} points; at least {MIN_POINTS} are needed")
    if n > MAX_POINTS:
        raise ValueError(f"{what} hold {n:,} points; at most {MAX_POINTS:,} are allowed")
    for i, v in enumerate(points):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{what}: value {i + 1} is {str(v)[:40]!r}, not a number")
        if not (math.isfinite(v) and abs(v) <= MAX_ABS):
            raise ValueError(f"{what}: value {i + 1} is {v!r}; every coordinate must be a finite number "
                             f"of size at most {MAX_ABS:g}")


def canonical(xy) -> tuple[float, ...]:
    """An (n, 2) array of points as a flat tuple of Python floats sorted by x, then y.

    Example:
        >>> canonical([[1, 0], [0, 2], [0, 1]])
        (0.0, 1.0, 0.0, 2.0, 1.0, 0.0)
    """
    a = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    a = a[np.lexsort((a[:, 1], a[:, 0]))]
    return tuple(a.ravel().tolist())


def as_array(points) -> np.ndarray:
    """A flat set as an (n, 2) float64 array."""
    return np.asarray(points, dtype=np.float64).reshape(-1, 2)


# --- CSV ------------------------------------------------------------------------------------------
def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def read_csv(data: bytes, name: str = "the file") -> tuple[float, ...]:
    """The points of a CSV file's bytes (the module's format), canonical; a PointsError says what
    was wrong (size, text, columns, a value, the count) and what the file must hold.

    Example:
        >>> read_csv(b"1,2\\n3,nan\\n")
        Traceback (most recent call last):
        ...
        ganviz.data.points.PointsError: the file, row 2: y is nan; every value must be a finite number (at most 1e+06 in size)
    """
    if len(data) > MAX_CSV_BYTES:
        raise PointsError(f"{name} is {len(data) / 2**20:.1f} MB; a CSV of points is at most "
                          f"{MAX_CSV_BYTES // 2**20} MB ({MAX_POINTS:,} rows fit in about 5)")
    if b"\0" in data:
        raise PointsError(f"{name} is not a CSV: it holds binary data. Save the points as text, "
                          f"one 'x,y' row a point")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PointsError(f"{name} is not a CSV: it is not UTF-8 text. Save the points as text, "
                          f"one 'x,y' row a point") from None
    xs: list[float] = []
    first = True
    for row_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue  # a blank line
        if first and [c.lower() for c in cells] == ["x", "y"]:
            first = False
            continue  # the optional header
        if len(cells) != 2:
            head = ", ".join(repr(c[:20]) for c in cells[:4]) + (", …" if len(cells) > 4 else "")
            sep = " (columns are separated by commas)" if len(cells) == 1 and (";" in cells[0] or "\t" in cells[0]) else ""
            raise PointsError(f"{name}, row {row_no}: {len(cells)} column{'s' * (len(cells) != 1)} ({head}); "
                              f"each row must be two numbers, x and y{sep}. A first row x,y is a header")
        first = False
        for axis, cell in zip("xy", cells):
            v = _number(cell)
            if v is None:
                raise PointsError(f"{name}, row {row_no}: {axis} is {cell[:30]!r}, not a number; each row "
                                  f"must be two numbers, x and y (a header must read exactly x,y)")
            if not (math.isfinite(v) and abs(v) <= MAX_ABS):
                raise PointsError(f"{name}, row {row_no}: {axis} is {cell[:30]}; every value must be a "
                                  f"finite number (at most {MAX_ABS:g} in size)")
            xs.append(v)
        if len(xs) > 2 * MAX_POINTS:
            raise PointsError(f"{name} holds more than {MAX_POINTS:,} points; keep at most {MAX_POINTS:,} rows")
    n = len(xs) // 2
    if n < MIN_POINTS:
        raise PointsError(f"{name} holds {n} point{'s' * (n != 1)}; at least {MIN_POINTS} are needed, "
                          f"one 'x,y' row each")
    return canonical(xs)


def to_csv(points) -> str:
    """A set as the CSV this module reads: a header x,y, then one row a point (repr of each float,
    so reading it back gives the same set).

    Example:
        >>> to_csv((0.5, -1.0, 2.0, 0.25))
        'x,y\\n0.5,-1.0\\n2.0,0.25\\n'
    """
    a = as_array(points)
    return "x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in a.tolist())


# --- the link -------------------------------------------------------------------------------------
def _zigzag(v: int) -> int:
    return 2 * v if v >= 0 else -2 * v - 1


def _unzigzag(u: int) -> int:
    return u // 2 if u % 2 == 0 else -(u + 1) // 2


def _varints(values) -> bytes:
    out = bytearray()
    for v in values:
        while True:
            b, v = v & 0x7F, v >> 7
            out.append(b | 0x80 if v else b)
            if not v:
                break
    return bytes(out)


def hundredths(points) -> np.ndarray | None:
    """The set's coordinates as integers k (v = k / 100), or None when some coordinate is not a
    hundredth (a link would change it)."""
    a = np.asarray(points, dtype=np.float64)
    k = np.round(a * 100)
    return k.astype(np.int64) if np.array_equal(k / 100, a) else None


def encode_link(points) -> str | None:
    """The link code of a canonical set, or None when a link cannot carry it exactly (a coordinate
    not in hundredths). ``link_fits`` says whether the code is short enough for a link.

    Example:
        >>> pts = canonical([[i / 10, -0.5] for i in range(10)])
        >>> code = encode_link(pts); code[0], decode_link(code) == pts
        ('1', True)
        >>> encode_link((0.001, 0.5) * 10) is None
        True
    """
    k = hundredths(points)
    if k is None:
        return None
    k = k.reshape(-1, 2)
    x, y = k[:, 0].tolist(), k[:, 1].tolist()
    steps = [x[i] - x[i - 1] for i in range(1, len(x))]
    if any(s < 0 for s in steps):
        raise ValueError("encode_link needs a canonical (sorted) set: use canonical()")
    body = _varints([len(x), _zigzag(x[0]) if x else 0, *steps, *map(_zigzag, y)])
    return LINK_VERSION + base64.urlsafe_b64encode(zlib.compress(body, 9)).decode().rstrip("=")


def link_fits(code: str | None) -> bool:
    """Whether a link code exists and is short enough for a link (``MAX_LINK_CHARS``)."""
    return code is not None and len(code) <= MAX_LINK_CHARS


def decode_link(code: str) -> tuple[float, ...]:
    """The set a link code holds; a PointsError says why a code cannot be read (cut, altered or not
    one this lab writes).

    Example:
        >>> decode_link("1abc")
        Traceback (most recent call last):
        ...
        ganviz.data.points.PointsError: the points code is damaged (cut or altered): copy the whole link again
    """
    damaged = PointsError("the points code is damaged (cut or altered): copy the whole link again")
    if not isinstance(code, str) or len(code) > 2 * MAX_LINK_CHARS:
        raise PointsError(f"the points code is longer than any this lab writes ({MAX_LINK_CHARS:,} characters)")
    if code[:1] != LINK_VERSION:
        raise PointsError("the points code is not one this lab writes (it must start with "
                          f"{LINK_VERSION!r}): copy the whole link again")
    try:
        raw = base64.urlsafe_b64decode(code[1:] + "=" * (-len(code[1:]) % 4))
        z = zlib.decompressobj()
        # A varint in range (|k| <= 1e8) is at most 4 bytes: bounded, so a crafted code cannot inflate.
        body = z.decompress(raw, 4 * (2 * MAX_POINTS + 2))
        if z.unconsumed_tail or not z.eof:
            raise damaged
    except (binascii.Error, ValueError, zlib.error):
        raise damaged from None
    values, v, shift = [], 0, 0
    for b in body:
        v |= (b & 0x7F) << shift
        shift += 7
        if shift > 35:
            raise damaged
        if not b & 0x80:
            values.append(v)
            v, shift = 0, 0
    if shift or not values:
        raise damaged
    n = values[0]
    if not MIN_POINTS <= n <= MAX_POINTS or len(values) != 1 + 2 * n:
        raise damaged
    x = np.cumsum([_unzigzag(values[1]), *values[2:1 + n]])
    y = np.array([_unzigzag(u) for u in values[1 + n:]])
    pts = np.stack([x, y], 1) / 100
    try:
        check_flat(tuple(pts.ravel().tolist()), "the link's points")
    except ValueError as e:
        raise PointsError(str(e)) from None
    return canonical(pts)


# --- drawing --------------------------------------------------------------------------------------
def candidate_grid() -> np.ndarray:
    """The drawing plane's candidate points: a GRID_STEP grid on [-PLANE, PLANE]^2, (n, 2).

    Example:
        >>> g = candidate_grid(); g.shape, float(g.min()), float(g.max())
        ((1681, 2), -2.0, 2.0)
    """
    n = int(round(2 * PLANE / GRID_STEP)) + 1
    t = np.round(np.linspace(-PLANE, PLANE, n), 10)
    xx, yy = np.meshgrid(t, t)
    return np.stack([xx.ravel(), yy.ravel()], 1)


def brush(indices, existing: int) -> np.ndarray:
    """The points a selection of candidate-grid ``indices`` adds, in hundredths, as an (m, 2) array:

    - a click (at most CLICK_MAX grid points): BRUSH points around each, N(p, BRUSH_SIGMA^2 I);
    - a box or lasso: PER_CELL points in each enclosed grid point's cell, uniform on the cell
      (p + U[-GRID_STEP/2, GRID_STEP/2]^2), so a region is filled evenly, not as a lattice.

    The jitter is seeded by the selection and by the number of points already drawn (``existing``),
    so the same strokes draw the same set and a second click on a spot adds new points there.

    Example:
        >>> brush([0], existing=0).shape, brush(range(10), existing=0).shape
        ((16, 2), (40, 2))
        >>> bool((brush([5], 3) == brush([5], 3)).all())
        True
    """
    idx = np.asarray(sorted({int(i) for i in indices}), dtype=np.int64)
    grid = candidate_grid()
    idx = idx[(idx >= 0) & (idx < len(grid))]
    if len(idx) == 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng([existing, len(idx), int(idx.sum()), int(idx[0])])
    centres = grid[idx]
    if len(idx) <= CLICK_MAX:
        pts = np.repeat(centres, BRUSH, 0) + BRUSH_SIGMA * rng.standard_normal((BRUSH * len(idx), 2))
    else:
        pts = np.repeat(centres, PER_CELL, 0) + GRID_STEP * (rng.random((PER_CELL * len(idx), 2)) - 0.5)
    return np.round(pts, 2)


def add_points(points, new: np.ndarray) -> tuple[float, ...]:
    """The canonical set of ``points`` (flat) and ``new`` ((m, 2)) together.

    Example:
        >>> add_points((1.0, 1.0), np.array([[0.0, 0.5]]))
        (0.0, 0.5, 1.0, 1.0)
    """
    return canonical(np.concatenate([as_array(points), np.asarray(new, dtype=np.float64).reshape(-1, 2)]))
