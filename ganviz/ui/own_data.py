"""The toy lab's "Your own data": draw points on the plane (a Plotly selection over a grid of
candidate points: a click drops a small cloud, a box or lasso fills its region) or upload a CSV of
x,y points; undo, clear, download them as CSV. A new set selects the "own" dataset, so the runs train
on it; the page's link carries it while its code fits (``ganviz.data.points``), and says when not.

Every refusal (a bad CSV, a set past the limit) is a message that says what was wrong and what to
do, and changes nothing."""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ganviz.data import points as P
from ganviz.data.toy import OWN
from ganviz.plots.palette import REAL
from ganviz.ui import scene
from ganviz.ui import toy_controls as tc
from ganviz.ui.common import download

HISTORY_KEY, MESSAGE_KEY, VERSION_KEY = "own_history", "own_message", "own_plane_version"
UPLOAD_KEY, DRAW_ON_KEY = "own_upload", "own_draw_on"
UNDO_DEPTH = 20  # sets kept for Undo (each at most MAX_POINTS points)
SHOWN_MAX = 5000  # points drawn on the plane (a 100,000-point upload as Plotly JSON was ~4 MB a rerun)
FORMAT = (f"A CSV of 2D points: two columns, x then y, one point a row, separated by commas; a first row "
          f"`x,y` is a header (optional). {P.MIN_POINTS} to {P.MAX_POINTS:,} points, finite numbers, at most "
          f"{P.MAX_CSV_BYTES // 2**20} MB.")
HOW_TO_DRAW = (f"click: each click on the plane drops a cloud of {P.BRUSH} points. lasso or box: drag to fill a "
               f"region ({P.PER_CELL} points per {P.GRID_STEP:g} × {P.GRID_STEP:g} cell, jittered). Every stroke "
               f"restarts the runs on the new set at step 0.")
# Plotly selects a clicked point only outside its lasso and box modes; with fixed axes "pan" moves nothing.
TOOLS = {"click": "pan", "lasso": "lasso", "box": "select"}
TOOL_KEY = "own_tool"


def _ss():
    return st.session_state


def _say(kind: str, text: str) -> None:
    _ss()[MESSAGE_KEY] = (kind, text)


def set_points(points: tuple[float, ...], message: str) -> None:
    """Make ``points`` the session's own set (the old one kept for Undo) and train on it."""
    ss = _ss()
    history = ss.setdefault(HISTORY_KEY, [])
    history.append(tc.own_points())
    del history[:-UNDO_DEPTH]
    ss[tc.OWN_KEY] = points
    if points:
        ss["a_dataset"] = OWN
    elif ss.get("a_dataset") == OWN:  # nothing to train on: back to the lab's default data
        ss["a_dataset"] = tc.default_config().dataset
    _say("success", message)


def _grid_indices(selection) -> list[int]:
    """The candidate-grid points a Plotly selection covers: every selected point (of the grid or of
    the drawn set) snapped to its nearest grid point (index j * 41 + i of the grid's column i, row j).

    Example:
        >>> _grid_indices({"points": [{"x": -2.0, "y": -2.0}, {"x": 0.04, "y": -1.97}, {"x": 9.0, "y": 0}]})
        [0, 20]
    """
    n = int(round(2 * P.PLANE / P.GRID_STEP)) + 1
    out = set()
    for p in (selection or {}).get("points", []):
        x, y = p.get("x"), p.get("y")
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
            continue
        i, j = round((x + P.PLANE) / P.GRID_STEP), round((y + P.PLANE) / P.GRID_STEP)
        if 0 <= i < n and 0 <= j < n:
            out.add(j * n + i)
    return sorted(out)


def on_select(chart_key: str) -> None:
    """Plotly selection callback: add the points the click or region draws; then a fresh chart (a
    new key) so the next stroke starts from an empty selection."""
    ss = _ss()
    event = ss.get(chart_key)
    ss[VERSION_KEY] = ss.get(VERSION_KEY, 0) + 1
    idx = _grid_indices(getattr(event, "selection", None) or (event or {}).get("selection"))
    if not idx:
        return
    now = tc.own_points()
    new = P.brush(idx, len(now) // 2)
    if len(now) // 2 + len(new) > P.MAX_POINTS:
        _say("error", f"That stroke would make {len(now) // 2 + len(new):,} points; a set holds at most "
                      f"{P.MAX_POINTS:,}. Nothing was changed: undo or clear some first.")
        return
    pts = P.add_points(now, new)
    n = len(pts) // 2
    more = f" Draw at least {P.MIN_POINTS - n} more to train on them." if n < P.MIN_POINTS else ""
    if n < P.MIN_POINTS:  # too few to train on yet: kept, but the dataset stays as it is
        history = ss.setdefault(HISTORY_KEY, [])
        history.append(now)
        ss[tc.OWN_KEY] = pts
        _say("info", f"{n} points drawn.{more}")
        return
    set_points(pts, f"{n:,} points drawn; both runs train on them (dataset own).")


def on_upload() -> None:
    """File-uploader callback: read and check the CSV (its size first); a bad file changes nothing."""
    upload = _ss().get(UPLOAD_KEY)
    if upload is None:
        return
    name = scene.escape_markdown(tc.short(upload.name, 40))
    if upload.size > P.MAX_CSV_BYTES:
        _say("error", f"{name} is {upload.size / 2**20:.1f} MB; a CSV of points is at most "
                      f"{P.MAX_CSV_BYTES // 2**20} MB. Nothing was changed.")
        return
    try:
        pts = P.read_csv(upload.getvalue(), name)
    except P.PointsError as e:
        _say("error", f"{e}. Nothing was changed.")
        return
    set_points(pts, f"Training on the {len(pts) // 2:,} points of {name} (dataset own).")


def undo() -> None:
    ss = _ss()
    history = ss.get(HISTORY_KEY) or []
    if not history:
        return
    prev = history.pop()
    ss[tc.OWN_KEY] = prev
    if len(prev) // 2 < P.MIN_POINTS and ss.get("a_dataset") == OWN:
        ss["a_dataset"] = tc.default_config().dataset
    _say("info", f"Back to {len(prev) // 2:,} points.")


def clear() -> None:
    if tc.own_points():
        set_points((), "Cleared: the runs train on the lab's default data again.")


def plane_figure(points: tuple[float, ...], tool: str = "click", height: int = 420) -> go.Figure:
    """The drawing plane: faint candidate points (what a click or a region selects) and the set so
    far, on equal axes covering the plane and the set."""
    grid = P.candidate_grid()
    pts = P.as_array(points)
    shown = pts if len(pts) <= SHOWN_MAX else pts[np.random.default_rng(0).choice(len(pts), SHOWN_MAX, replace=False)]
    lo = min(-P.PLANE, *(pts.min(0) if len(pts) else [0])) - 0.1
    hi = max(P.PLANE, *(pts.max(0) if len(pts) else [0])) + 0.1
    fig = go.Figure([
        go.Scatter(x=grid[:, 0], y=grid[:, 1], mode="markers", name="plane",
                   marker={"size": 5, "color": "rgba(120,120,120,0.18)"}, hoverinfo="none", showlegend=False),
        go.Scatter(x=shown[:, 0], y=shown[:, 1], mode="markers", name="your points",
                   marker={"size": 4, "color": REAL}, hoverinfo="skip", showlegend=False),
    ])
    fig.update_layout(height=height, margin={"l": 40, "r": 10, "t": 10, "b": 30}, dragmode=TOOLS[tool],
                      uirevision="own_plane", plot_bgcolor="white")
    fig.update_xaxes(range=[lo, hi], zeroline=True, gridcolor="#eee", fixedrange=True, constrain="domain")
    fig.update_yaxes(range=[lo, hi], zeroline=True, gridcolor="#eee", scaleanchor="x", fixedrange=True)
    return fig


def link_status(points: tuple[float, ...]) -> tuple[bool, str]:
    """Whether the page's link carries the set, and the sentence that says so.

    Example:
        >>> link_status(P.canonical([[i / 100, 0.5] for i in range(10)]))[0]
        True
        >>> link_status(P.canonical([[i / 1000, 0.5] for i in range(10)]))[1][:60]
        'The link cannot carry these 10 points: some coordinates are '
    """
    code = P.encode_link(points)
    n = len(points) // 2
    if P.link_fits(code):
        return True, f"The page's link carries these {n:,} points (their code is {len(code):,} of at most {P.MAX_LINK_CHARS:,} characters)."
    why = ("some coordinates are finer than 0.01 (an uploaded file's values are kept as they are)" if code is None
           else f"their code would be {len(code):,} characters, and a link holds {P.MAX_LINK_CHARS:,} (about 800 drawn points)")
    return False, (f"The link cannot carry these {n:,} points: {why}. To share this scene, download the points "
                   f"as CSV and send the file with the link; the link alone opens on the default data.")


def section(default_open: bool = False) -> None:
    """The "Your own data" group: the drawing plane (behind a toggle) with its tool, Undo, Clear, the
    CSV download and upload, and whether the link carries the set."""
    ss = _ss()
    pts = tc.own_points()
    n = len(pts) // 2
    title = f"Your own data ({n:,} points)" if n else "Your own data: draw points or upload a CSV"
    with st.container(key="grp_own_data"), st.expander(title, expanded=default_open):
        drawing = st.toggle("draw on the plane", key=DRAW_ON_KEY, help=HOW_TO_DRAW)
        if drawing:
            left, side = st.columns([3, 2])
            with side:
                tool = st.radio("tool", list(TOOLS), key=TOOL_KEY, horizontal=True)
                st.caption(HOW_TO_DRAW)
            with left:
                chart_key = f"own_plane_{ss.get(VERSION_KEY, 0)}"
                st.plotly_chart(plane_figure(pts, tool), key=chart_key, on_select=functools.partial(on_select, chart_key),
                                selection_mode=("points", "box", "lasso"), width="stretch",
                                config={"displayModeBar": False})
        else:
            side = st.container()
        with side:
            _tools(ss, pts, n)


def _tools(ss, pts: tuple[float, ...], n: int) -> None:
    c1, c2, c3 = st.columns(3)
    c1.button("Undo", key="own_undo", on_click=undo, disabled=not ss.get(HISTORY_KEY), width="stretch")
    c2.button("Clear", key="own_clear", on_click=clear, disabled=not n, width="stretch", help="remove every point")
    download(c3, "points CSV", data=P.to_csv(pts) if n else "", file_name="ganviz_points.csv", mime="text/csv",
             key="own_download", disabled=not n, width="stretch")
    st.file_uploader("upload a CSV of 2D points (x,y)", type=["csv"], key=UPLOAD_KEY, on_change=on_upload, help=FORMAT)
    st.caption(FORMAT)
    message = ss.pop(MESSAGE_KEY, None)
    if message:
        {"error": st.error, "info": st.info}.get(message[0], st.success)(message[1])
    if n >= P.MIN_POINTS:
        fits, text = link_status(pts)
        (st.caption if fits else st.warning)(text)
        if ss.get("a_dataset") != OWN:
            st.caption("Pick **own** in the dataset list to train on these points.")
