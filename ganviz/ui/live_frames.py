"""The toy lab's live picture: frames of a training run that the browser fetches by itself.

Why: while a 2D run trains, the samples view changes about 5 times a second. Sent through a page
rerun, each new picture cost the browser a re-render of the whole app (~100 ms of a core on a
GPU-less laptop, measured with Chromium's tracing: React work, not the picture) and the server a
script run; on 2 cores that came out of the trainer's speed, and 8 tabs starved the server.
Here the picture is a small custom component (``live_picture/index.html``): an
``<img>`` that polls a tiny JSON pointer and loads the newest frame when there is one. The page
itself reruns only its status line, once a second, and its metrics when they change.

Frames are drawn on the server in the trainer's reader thread (``ProcessWorker.on_snapshot``), only
while a page watches (it renews its watch every second, ``WATCH_SECONDS``), and written atomically
into a private temporary folder that Streamlit serves as the component's files:
``TOKEN.json`` ({"n": frame number, "step": training step}) and ``TOKEN-N.png``. The token is
random per run, so one session cannot guess another's frames; the last ``KEEP`` frames stay so a
picture being fetched is never deleted under the browser.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path

import streamlit.components.v1 as components

from ganviz.plots.samples_view import picture_size, samples_png
from ganviz.training.snapshot import with_arrow_scale

POLL_MS = 100  # the browser asks for the newest frame 10 times a second; snapshots come ~5 times
WATCH_SECONDS = 4.0  # a page that has not rerun for this long (tab closed) is no longer drawn for
KEEP = 3

FRAMES = Path(tempfile.mkdtemp(prefix="ganviz-live-"))
shutil.copy(Path(__file__).with_name("live_picture") / "index.html", FRAMES / "index.html")
atexit.register(shutil.rmtree, FRAMES, ignore_errors=True)
_component = components.declare_component("live_picture", path=str(FRAMES))


def _write(path: Path, data: bytes) -> None:
    """Write ``path`` atomically: the web server never reads half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Painter:
    """Draws one run's snapshots into its frame files while a page watches."""

    def __init__(self):
        self.token = secrets.token_hex(16)
        self.n = 0  # frames written
        self._lock = threading.Lock()
        self._look: tuple | None = None  # samples_png's (size, aspect, type_px)
        self._until = 0.0
        self._drawn = (None, None)  # (snapshot, look) of the newest frame
        self._arrow_scale: float | None = None  # the run's arrow length scale (the page fixes it)

    def watch(self, snap, look: tuple, arrow_scale: float | None = None) -> None:
        """Draw for the next ``WATCH_SECONDS`` as ``look`` says (``samples_png``'s size, aspect and
        type), arrows on ``arrow_scale``; draw ``snap`` now if no frame of it exists yet."""
        with self._lock:
            self._look, self._until = look, time.monotonic() + WATCH_SECONDS
            self._arrow_scale = arrow_scale
        self.paint(snap)

    def renew(self, arrow_scale: float | None = None) -> None:
        """Go on drawing, as last watched, for the next ``WATCH_SECONDS``, arrows on
        ``arrow_scale`` (the run's, once fixed)."""
        with self._lock:
            if self._look is not None:
                self._until = time.monotonic() + WATCH_SECONDS
                self._arrow_scale = arrow_scale

    def unwatch(self) -> None:
        with self._lock:
            self._until = 0.0

    def paint(self, snap) -> None:
        """A new frame of ``snap`` (the reader thread calls this with every snapshot)."""
        with self._lock:
            if time.monotonic() > self._until or snap.dim != 2 or (self._drawn[0] is snap and self._drawn[1] == self._look):
                return
            self._drawn = (snap, self._look)
            png = samples_png(with_arrow_scale(snap, self._arrow_scale), *self._look)
            self.n += 1
            _write(FRAMES / f"{self.token}-{self.n}.png", png)
            _write(FRAMES / f"{self.token}.json", json.dumps({"n": self.n, "step": snap.step}).encode())
            (FRAMES / f"{self.token}-{self.n - KEEP}.png").unlink(missing_ok=True)


def _remove(token: str) -> None:
    for f in FRAMES.glob(f"{token}*"):
        f.unlink(missing_ok=True)


_painters: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def painter(worker) -> Painter:
    """The painter of ``worker`` (a ProcessWorker), attached to its snapshots on first use; its
    frames are deleted when the worker is."""
    p = _painters.get(worker)
    if p is None:
        p = _painters[worker] = Painter()
        worker.on_snapshot = p.paint
        weakref.finalize(worker, _remove, p.token)
    return p


def show(worker, snap, size: int, alt: str, key: str, arrow_scale: float | None = None, aspect: float = 1.0,
         type_px: int | None = None) -> None:
    """The samples view of ``worker``'s run as a picture that refreshes itself while it trains, its
    plot ``size`` pixels high and ``aspect`` times as wide, its type ``type_px`` high, its arrows on
    the run's ``arrow_scale``."""
    p = painter(worker)
    p.watch(snap, (size, aspect, type_px), arrow_scale)
    width, height = picture_size(size, aspect, type_px)
    # n: the newest frame's number, so that a rerun with a new frame sends the picture a new render
    # message (it then fetches at once, not at its next poll).
    _component(src=p.token, n=p.n, period_ms=POLL_MS, width=width, height=height, alt=alt, key=key, default=None)


def renew(worker, arrow_scale: float | None = None) -> None:
    """Keep ``worker``'s picture drawn (``Painter.renew``) without drawing the picture element again:
    the page's status line calls this every second while the picture fetches its own frames."""
    painter(worker).renew(arrow_scale)


def stop_watching(worker) -> None:
    p = _painters.get(worker)
    if p is not None:
        p.unwatch()
