"""The image data a page may train on: the bundled digits, the operator's folders by name, or the
session's own upload. Never a path from the browser (``ganviz.data.access``).

A session's upload is decoded in memory (``ganviz.data.upload``) and kept in its session state
only, so it goes with the session and nothing is written to the server's disk.
"""

from __future__ import annotations

import streamlit as st

from ganviz.data.access import MESSAGE, names, open_named
from ganviz.data.images import ImageSet, resize
from ganviz.data.upload import MAX_IMAGES, MAX_UNPACKED, UPLOAD_TYPES, read_upload
from ganviz.ui.scene import Param

UPLOAD = "upload:"  # this session's upload is the option "upload:<file name>"
_STORE = "_image_upload"  # session state: (file name, ImageSet at 32 x 32)
UPLOAD_SIZE = 32  # uploads are decoded once at the larger size and shrunk on demand


def _parse_source(text: str) -> str:
    if text in names():
        return text
    if text.startswith(UPLOAD):
        raise ValueError("an uploaded data set does not travel in a link: upload it again.")
    raise ValueError(MESSAGE)


def source_param(key: str) -> Param:
    """The scene parameter of the data choice: a link may name a data set by its name only."""
    return Param(key, names()[0], _parse_source, echo=False)


def options() -> list[str]:
    """The data sets this session may choose: digits, the operator's folders, its upload."""
    stored = st.session_state.get(_STORE)
    return names() + ([UPLOAD + stored[0]] if stored is not None else [])


def label(option: str) -> str:
    if option.startswith(UPLOAD):
        return f"your upload: {option[len(UPLOAD):]}"
    return "digits (bundled, 1,797 scans)" if option == "digits" else option


def open_source(source: str, size: int, channels: int = 1) -> ImageSet:
    """The images of ``source``: an option of ``options``, which is also what a run's recipe
    records. Raises ValueError with the one message of ``ganviz.data.access`` for anything not
    available here (a path, another session's upload, a folder the operator did not list)."""
    stored = st.session_state.get(_STORE)
    if stored is not None and source == UPLOAD + stored[0]:
        data = stored[1]
        if channels != data.channels:
            raise ValueError(f"the upload holds {data.channels}-channel images, the run needs {channels}")
        return ImageSet(resize(data.images, size).clamp(-1, 1), data.labels, data.source)
    return open_named(source, size, channels)


UPLOAD_HELP = (f"a .zip of png/jpg/... images or of MNIST idx files, or one gzipped idx file; at most "
               f"{MAX_IMAGES:,} images and {MAX_UNPACKED // 2**20} MB unpacked. It stays in this browser "
               "session only.")


def read_uploaded(uploader_key: str, choice_key: str, train: str = "From scratch") -> tuple[str, str] | None:
    """Uploader callback: decode the file at ``uploader_key``; on success keep it and choose it in
    ``choice_key``. Returns ("success" | "error", message naming the page's ``train`` button); a
    refused file changes nothing."""
    s = st.session_state
    f = s.get(uploader_key)
    if f is None:
        return None
    try:
        data = read_upload(f.name, f.getvalue(), UPLOAD_SIZE, 1,
                           max_bytes=st.get_option("server.maxUploadSize") * 2**20)
    except ValueError as e:
        return "error", f"{e}. Nothing was changed."
    s[_STORE] = (f.name, data)
    s[choice_key] = UPLOAD + f.name
    return "success", f"Loaded {data.source}. Press **{train}** to train on it."
