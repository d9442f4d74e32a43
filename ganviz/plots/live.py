"""The toy lab's 2D samples view as one picture, drawn on the server with Pillow while a run trains.

Why a picture: the browser re-lays out and re-paints the interactive Plotly view
(``ganviz.plots.toy.samples_figure``) on every update, about a quarter of a second of a core per
redraw in a GPU-less Chromium; 4 redraws a second of that did not fit beside training on a 2-core
laptop. Decoding a PNG costs the browser a few milliseconds, drawing it ~10 ms of the server's.

The picture is drawn by ``ganviz.plots.samples_view``, the one renderer of the samples view: the
live picture, the PNG download and every GIF frame are the same picture of the same snapshot, in
the figure's colours (``ganviz.plots.palette``). This module keeps the names the live picture
(``ganviz.ui.live_frames``) and the page import. The page shows the interactive figure again when
paused.

Example:
    >>> samples_png is samples_view.samples_png and picture_size(200) == (308, 240)
    True
"""

from __future__ import annotations

from ganviz.plots import samples_view
from ganviz.plots.samples_view import (BAR, BOTTOM, LEFT, _bounds, _square, nice_ticks, picture_size,  # noqa: F401
                                       samples_image, samples_png)
