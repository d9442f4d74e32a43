"""Which of the server's folders a browser may train on: only those its operator lists, by name.

The app is served to browsers it does not know, so nothing a browser sends (a text box, a link, the
recipe inside an uploaded checkpoint) is ever taken as a path. The operator lists folders in the
environment variable ``GANVIZ_DATA_DIRS``, separated by ``os.pathsep`` (``:`` on Linux and macOS),
each as ``name=path`` or a bare ``path`` (named after its last part):

    GANVIZ_DATA_DIRS="mnist=/srv/data/mnist:/srv/data/fashion" streamlit run app.py

Pages offer ``"digits"`` (bundled) and those names; ``open_named`` maps a name back to its folder.
Every refusal (a name not listed, a path, ``..``, a listed folder that is missing or holds no images)
raises the same ``DataNotAvailable`` message, so a browser cannot probe the disk; the reason is
logged on the server for its operator. A file inside a listed folder that links out of it is not read
(``ganviz.data.images.load_image_folder``). The command line, run by the machine's own user, keeps
taking paths.

Example:
    >>> dirs = data_dirs("mnist=/srv/mnist" + os.pathsep + "/srv/fashion")
    >>> sorted(dirs), str(dirs["fashion"])
    (['fashion', 'mnist'], '/srv/fashion')
    >>> try:
    ...     open_named("/etc", dirs=dirs)
    ... except DataNotAvailable as e:
    ...     print(e)
    That data set is not available on this server: choose digits or one the page lists, or upload a zip of images.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ganviz.data.images import ImageSet, load_images

ENV = "GANVIZ_DATA_DIRS"
BUNDLED = "digits"
MESSAGE = ("That data set is not available on this server: choose digits or one the page lists, "
           "or upload a zip of images.")

log = logging.getLogger(__name__)


class DataNotAvailable(ValueError):
    """A data set a browser named that this server will not open (always the same message)."""

    def __init__(self):
        super().__init__(MESSAGE)


def data_dirs(spec: str | None = None) -> dict[str, Path]:
    """The operator's folders by name, from ``spec`` (default: the ``GANVIZ_DATA_DIRS`` variable).
    Names are what browsers see; a later entry with the same name wins; ``digits`` is reserved."""
    spec = os.environ.get(ENV, "") if spec is None else spec
    out: dict[str, Path] = {}
    for entry in filter(None, (e.strip() for e in spec.split(os.pathsep))):
        name, sep, path = entry.partition("=")
        if not sep:
            name, path = Path(entry).name, entry
        name = name.strip()
        if name and name != BUNDLED and path.strip():
            out[name] = Path(path.strip()).expanduser().absolute()
    return out


def names(dirs: dict[str, Path] | None = None) -> list[str]:
    """What a page offers: the bundled digits first, then the operator's folders by name."""
    return [BUNDLED, *(data_dirs() if dirs is None else dirs)]


def open_named(name: str, size: int = 16, channels: int = 1, dirs: dict[str, Path] | None = None) -> ImageSet:
    """The images of the data set called ``name``: the bundled digits or an operator's folder.
    Anything else raises DataNotAvailable, with one message whatever the reason."""
    if name == BUNDLED:
        return load_images(BUNDLED, size, channels)
    dirs = data_dirs() if dirs is None else dirs
    folder = dirs.get(name)
    if folder is None:
        raise DataNotAvailable()
    try:
        return load_images(str(folder), size, channels, label=name)
    except (ValueError, OSError) as e:
        log.warning("ganviz: data set %r (%s) cannot be opened: %s", name, folder, e)
        raise DataNotAvailable() from None
