"""Streamlit helpers shared by the pages: page frame, the session's trainers, friendly errors.

This package is the only part of ganviz that imports streamlit.
"""

from __future__ import annotations

import threading

import streamlit as st

from ganviz.training.trainer import pick_device
from ganviz.training.worker import max_trainers


def page_frame(title: str, what_to_look_for: str) -> None:
    """Title and the one short paragraph that says what to look for (every page opens so). In
    presentation mode the paragraph folds into a box, so the figures come up the screen: the
    lecturer says it, the students need not read it."""
    st.title(title)
    if presenting():
        with st.expander("What to look for"):
            st.markdown(what_to_look_for)
    else:
        st.markdown(what_to_look_for)


def presenting() -> bool:
    """Whether this run is in presentation mode, before the sidebar's toggle is drawn: the link's
    ``present`` on arriving, else the toggle's state (``ganviz.ui.scene.presentation_toggle``)."""
    ss = st.session_state
    if "present" in ss:
        return bool(ss["present"])
    link = st.query_params.get("present")
    return link == "1" if link is not None else bool(ss.get("_present", False))


def try_this(hints: list[str]) -> None:
    """The closing "try this" hints of a page."""
    st.divider()
    st.markdown("**Try this**\n" + "\n".join(f"- {h}" for h in hints))


def download(where, label: str, **kwargs):
    """``where.download_button`` that does not rerun the app when clicked.

    With Streamlit's default (``on_click="rerun"``) the click's rerun registers the button's ``data=``
    callable anew and revokes the old one, which the browser may not have fetched yet: the download
    then never starts (the toy lab's run GIF in the browser suite's first run on a fresh machine).
    A download changes nothing on the page, so nothing needs the rerun."""
    return where.download_button(label, on_click="ignore", **kwargs)


class SessionWorkers:
    """The trainers of one browser session, by key (a TrainerWorker thread or a ProcessWorker).
    Released with the session: its threads and processes stop."""

    def __init__(self):
        self.workers: dict = {}

    def get(self, key: str):
        return self.workers.get(key)

    def put(self, key: str, worker):
        old = self.workers.get(key)
        if old is not None and old is not worker:
            old.stop()
        self.workers[key] = worker
        return worker

    def stop_all(self) -> None:
        for w in self.workers.values():
            w.stop()


def release_workers(sw: SessionWorkers) -> threading.Thread:
    """Stop a closed session's trainers in a background thread, and return that thread.

    Streamlit calls ``on_release`` on its event loop when a tab's websocket closes, and stopping a
    trainer waits for its process to exit (seconds on a busy machine): done inline, every other
    session's page froze meanwhile, for seconds per closed tab (tests/browser/test_many_sessions.py).
    """
    t = threading.Thread(target=sw.stop_all, name="ganviz-release", daemon=True)
    t.start()
    return t


@st.cache_resource(scope="session", on_release=release_workers, show_spinner=False)
def session_workers() -> SessionWorkers:
    """One registry per browser session (never shared between sessions)."""
    return SessionWorkers()


def device_caption() -> str:
    d = pick_device()
    name = {"cuda": "GPU (CUDA)", "mps": "Apple GPU (MPS)", "cpu": "CPU"}.get(d.type, d.type)
    return f"Device: {name} · at most {max_trainers()} trainers run at once on this server"


def state_badge(state: str, sharing: int = 0) -> str:
    """The coloured state of a trainer; ``sharing``: how many other trainers it takes turns with
    (a ProcessWorker's ``sharing``; 0 while nobody waits for a slot)."""
    if sharing and state in ("running", "queued"):
        turns = (f"taking turns with {sharing} other run{'s' if sharing > 1 else ''} "
                 f"({max_trainers()} train at once on this server)")
        return f":green[● training] · {turns}" if state == "running" else f":orange[● queued — {turns}]"
    return {
        "running": ":green[● training]",
        "queued": ":orange[● queued: waiting for a free trainer slot on this server]",
        "starting": ":gray[● starting the trainer…]",
        "paused": ":gray[● paused]",
        "finished": ":blue[● finished]",
        "diverged": ":red[● stopped: diverged]",
    }.get(state, state)


def too_big(f) -> str | None:
    """Why an uploaded checkpoint is refused before it is read (over ``MAX_BYTES``), or None.

    Example:
        >>> class F: name, size = "big.safetensors", 2**30
        >>> too_big(F())
        'big.safetensors is 1024.0 MB; checkpoints are at most 64 MB. Nothing was changed.'
    """
    from ganviz.training.checkpoint import MAX_BYTES

    if f.size <= MAX_BYTES:
        return None
    return f"{f.name} is {f.size / 2**20:.1f} MB; checkpoints are at most {MAX_BYTES // 2**20} MB. Nothing was changed."
