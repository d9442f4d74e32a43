"""The server's trainer slots: every lab's run trains in a worker process of its own
(``ganviz.training.process_worker``), and only while it holds a slot of ``turns`` (at most
``max_trainers()`` at once: a lecture hall of tabs on one server); the others report the state
"queued" and take turns (``ganviz.training.turns``). A worker trains in slices of at most
``SLICE_SECONDS`` between reading its commands.
"""

from __future__ import annotations

import os

from ganviz.training.turns import TurnScheduler

SLICE_SECONDS = 0.02


def max_trainers() -> int:
    """GANVIZ_MAX_TRAINERS, or the number of CPU cores (one thread per trainer)."""
    try:
        return max(1, int(os.environ.get("GANVIZ_MAX_TRAINERS", "")))
    except ValueError:
        return max(1, os.cpu_count() or 1)


turns = TurnScheduler(max_trainers())  # the server's trainer slots, shared by every session and page
