"""Scenes in the URL, presentation mode and classroom links, for any page whose widgets are keyed.

A page declares its scene as ``{url_key: Param(widget_key, default, parse)}``. Each run,
``Scene.start()`` (before the widgets) sets the widgets named in a new link from the URL and gives
every other declared widget its default through session state (so the widgets take no ``value=``:
the default lives in one place); ``Scene.write()`` (after the widgets) writes the values that differ
from their defaults back into the URL. A link therefore reopens the same scene, as TensorFlow
Playground's do. A bad or stale parameter falls back to its default and ``Scene.notes`` says why.

Reserved parameters: ``present=1`` (presentation mode: larger type and figures for a projector,
each control group in a collapsible box) and ``hide=a,b`` (a classroom link that hides control
groups; each group sits in a container keyed ``grp_<name>``, which Streamlit gives the CSS class
``st-key-grp_<name>``).

Example (the parsers are plain functions, testable without Streamlit):
    >>> choice([0.3, 0.5, 0.7])("0.70"), number(0, 10, integer=True)("7"), number(-1, 1, step=0.25)("0.5")
    (0.7, 7, 0.5)
    >>> url_text(1e-05), url_text(True), url_text(0.5)
    ('1e-05', '1', '0.5')
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

import plotly.graph_objects as go
import streamlit as st

RESERVED = ("present", "hide")
SEEN_MAX = 50  # URLs remembered per page (see Scene.start)


@dataclass(frozen=True)
class Param:
    """One widget in the URL: its session-state key, its default, and the parser of its URL text
    (raises ValueError with a message that names what is allowed). ``echo=False``: a refused
    value is not repeated in the note, so every refusal reads the same (a data set's name)."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    echo: bool = True


# --- parsers ---------------------------------------------------------------------------------------
def choice(options, name: Callable[[Any], str] = str) -> Callable[[str], Any]:
    """A parser for one of ``options``: the option whose text is the URL text, or for numeric
    options, the one equal to it as a number ("0.70" is 0.7)."""
    options = list(options)

    def parse(text: str):
        for o in options:
            if str(o) == text:
                return o
        try:
            x = float(text)
        except ValueError:
            x = math.nan
        for o in options:
            if isinstance(o, (int, float)) and not isinstance(o, bool) and o == x:
                return o
        raise ValueError(f"not one of {', '.join(name(o) for o in options)}")

    return parse


def number(lo: float, hi: float, integer: bool = False, step: float | None = None) -> Callable[[str], Any]:
    """A parser for a number in [lo, hi]: an integer if ``integer``, on the grid lo + k * step if
    ``step`` (a slider's own grid)."""

    def parse(text: str):
        try:
            x = int(text) if integer else float(text)
        except ValueError:
            raise ValueError(f"not {'an integer' if integer else 'a number'}") from None
        if not lo <= x <= hi:  # also refuses nan
            raise ValueError(f"outside [{lo:g}, {hi:g}]")
        if step and abs((x - lo) / step - round((x - lo) / step)) > 1e-6:
            raise ValueError(f"not a multiple of {step:g} from {lo:g}")
        return x

    return parse


def flag(text: str) -> bool:
    """A parser for an on/off switch: 1/true/on or 0/false/off."""
    t = text.strip().lower()
    if t in ("1", "true", "on", "yes"):
        return True
    if t in ("0", "false", "off", "no"):
        return False
    raise ValueError("not 1 or 0")


# What makes a link, an image, HTML, emphasis, LaTeX or an autolinked URL ("https:"); the rest reads as typed.
_MARKDOWN = re.compile(r"([\\`*_\[\]!|<>~$:])")


def escape_markdown(text: str) -> str:
    r"""``text`` shown as it is, not as markdown: a link's text echoed in a note must not become a
    clickable link or load a remote image.

    Example:
        >>> escape_markdown("[x](http://e.com)")
        '\\[x\\](http\\://e.com)'
    """
    return _MARKDOWN.sub(r"\\\1", text)


def url_text(value) -> str:
    """How a widget value reads in the URL: switches as 1/0, floats as short as they round-trip."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def presentation_toggle(page: str) -> bool:
    """The presentation-mode toggle, one for the whole session (call it inside ``st.sidebar`` on every
    page, ``page`` naming the page). The session's value lives under ``_present`` and is put into the
    widget on arriving at a page: each page's toggle is a widget of its own to Streamlit, which drops
    or ignores the state another page's toggle left (the mode was lost on the way from the toy lab to
    Divergences to Spectra). A link that arrives with ``present=1`` or ``present=0`` decides instead.
    Within a visit the widget keeps its own state."""
    ss = st.session_state
    if "present" not in ss or ss.get("_present_page") != page:
        link = st.query_params.get("present")
        ss["present"] = ss.get("_present", False) if link is None else link == "1"
    ss["_present_page"] = page
    ss["_present"] = st.toggle("presentation mode (projector)", key="present",
                               help="larger type and figures; each group of controls can be collapsed")
    return ss["_present"]


# --- the scene -------------------------------------------------------------------------------------
class Scene:
    """The URL scene of one page. Call ``start()`` before the widgets and ``write()`` after them."""

    def __init__(self, page: str, params: dict[str, Param], groups: tuple[str, ...] = ()):
        self.page = page
        self.params = params
        self.groups = groups
        self.present = False

    def _state(self, what: str, default):
        return st.session_state.setdefault(f"_scene_{what}:{self.page}", default)

    def start(self) -> set[str]:
        """Set the widgets from a new link, fill in the defaults; return the widget keys the link set.

        A link is new on arriving at the page (from another page, e.g. a tour link on the home
        page), or when its parameters are none that this page wrote or read since: a rerun can
        arrive with the URL of the run before (the browser updates its address bar while the
        script runs), and reading that again would undo the user's last move. Arriving is seen by
        the presentation toggle's state: Streamlit drops a widget's state on a run that does not
        draw it, so it is missing after a page without the toggle (or on a session's first run).
        """
        ss = st.session_state
        url = self.new_link()
        applied: set[str] = set()
        if url is not None:
            notes = []
            for k, text in url.items():
                p = self.params.get(k)
                if p is None:
                    notes.append(f"unknown parameter {k!r} ignored (this page knows: {', '.join(self.params)})")
                    continue
                try:
                    ss[p.key] = p.parse(text)
                    applied.add(p.key)
                except ValueError as e:
                    notes.append(f"{k}={text!r} ignored ({e}); using the default" if p.echo
                                 else f"{k} ignored: {e} Using the default.")
            ss[f"_scene_notes:{self.page}"] = notes
        for p in self.params.values():
            if p.key not in ss:
                ss[p.key] = p.default
        return applied

    def new_link(self) -> dict[str, str] | None:
        """The URL's parameters (less the reserved ones) when they are a new link by ``start``'s rule,
        else None; for a page that reads its link itself (the toy lab's per-objective widgets). The
        link is remembered as seen; call ``remember`` with what the page writes."""
        ss = st.session_state
        url = {k: v for k, v in st.query_params.to_dict().items() if k not in RESERVED}
        seen = self._state("seen", [])
        if "present" not in ss or ss.get("_scene_page") != self.page:
            seen.clear()
        ss["_scene_page"] = self.page
        if url in seen:
            return None
        self.remember(url)
        return url

    def remember(self, params: dict[str, str]) -> None:
        """Count ``params`` (a URL this page wrote) as seen: a rerun arriving with it is no new link."""
        seen = self._state("seen", [])
        url = {k: v for k, v in params.items() if k not in RESERVED}
        if url not in seen:
            seen.append(url)
            del seen[:-SEEN_MAX]

    @property
    def notes(self) -> list[str]:
        """What the last link got wrong (kept until the next link), plus unknown hidden groups."""
        _, unknown = hidden_groups(self.groups)
        return list(self._state("notes", [])) + [
            f"hide={n!r} is not a control group of this page ({', '.join(self.groups)})" for n in unknown]

    def show_notes(self) -> None:
        notes = self.notes
        if notes:
            st.warning("Some of this link's settings were not used:\n" + "\n".join(f"- {escape_markdown(n)}"
                                                                                 for n in notes))

    def write(self) -> None:
        """Put the values that differ from their defaults into the URL (keeping ``hide``)."""
        ss = st.session_state
        params = {k: p for k, p in st.query_params.to_dict().items() if k == "hide"}
        if self.present:
            params["present"] = "1"
        for k, p in self.params.items():
            v = ss.get(p.key, p.default)
            if v != p.default:
                params[k] = url_text(v)
        if params != st.query_params.to_dict():
            st.query_params.from_dict(params)
        seen = self._state("seen", [])
        url = {k: v for k, v in params.items() if k not in RESERVED}
        if url not in seen:
            seen.append(url)
            del seen[:-SEEN_MAX]

    # --- presentation mode -------------------------------------------------------------------------
    def sidebar(self) -> bool:
        """The presentation-mode toggle in the sidebar (kept across pages for the session) and the
        page's CSS for it and for hidden groups. Returns whether presentation mode is on."""
        with st.sidebar:
            self.present = presentation_toggle(self.page)
        presentation_style(self.present, hidden_groups(self.groups)[0], self.groups)
        return self.present

    @contextmanager
    def group(self, name: str, label: str):
        """A control group: hideable by ``?hide=name``; a collapsible box in presentation mode."""
        assert name in self.groups, name
        with st.container(key=f"grp_{name}"):
            if self.present:
                with st.expander(label, expanded=True):
                    yield
            else:
                yield

    def fit(self, fig: go.Figure) -> go.Figure:
        """The figure in presentation mode: 1.3 times as high, with the projector's type
        (``projector``: 18 px)."""
        if self.present:
            h = fig.layout.height
            fig.update_layout(height=int(h * 1.3) if h else 600, margin_t=(fig.layout.margin.t or 40) + 25)
        return projector(fig, self.present)


PROJECTOR_TYPE_PX = 18  # the least type a figure has at the projector (the lecture layout)


def projector(fig: go.Figure, present: bool) -> go.Figure:
    """``fig`` with type of ``PROJECTOR_TYPE_PX`` (18 px) and more in presentation mode, a legend
    under the axes moved clear of the larger ticks; unchanged otherwise. Every page's figures at the
    projector: the live training pages (toy lab, image lab) set their own heights for the first
    screen, the others grow theirs by ``Scene.fit``.

    >>> fig = projector(go.Figure(layout=dict(legend_y=-0.2, margin_b=50)), True)
    >>> fig.layout.xaxis.tickfont.size, fig.layout.legend.y, fig.layout.margin.b
    (18, -0.32, 80)
    """
    if present:
        px = PROJECTOR_TYPE_PX
        fig.update_layout(font_size=px, legend_font_size=px, title_font_size=px + 2)
        fig.update_annotations(font_size=px)
        fig.update_xaxes(tickfont_size=px, title_font_size=px)
        fig.update_yaxes(tickfont_size=px, title_font_size=px)
        bar = dict(tickfont_size=px, title_font_size=px)
        fig.update_coloraxes(colorbar=bar)
        fig.update_traces(colorbar=bar, selector=lambda t: "colorbar" in t)
        legend, margin = fig.layout.legend, fig.layout.margin
        if legend.y is not None and legend.y < 0 and margin.b:
            fig.update_layout(legend_y=round(legend.y * 1.6, 6), margin_b=int(margin.b * 1.6))
    return fig


def png_config(filename: str) -> dict:
    """plotly_chart config: the camera button saves a 1600 x 1000 PNG (drawn by the browser)."""
    return {"toImageButtonOptions": {"format": "png", "width": 1600, "height": 1000, "filename": filename}}


def presentation_style(present: bool, hidden: list[str] = (), groups: tuple[str, ...] = ()) -> None:
    """The page's CSS for a projector (larger type) and for a classroom link that hides control
    groups (``hidden`` of the page's ``groups``); nothing where neither applies."""
    rules = [f'[class*="grp_{g}"] {{ display: none !important; }}' for g in hidden if g in groups]
    if present:
        rules += ["html { font-size: 20px; }", "h1 { font-size: 2.6rem !important; }",
                  '[data-testid="stMarkdownContainer"] p { font-size: 1.15rem; }',
                  # buttons in a row of columns keep their size: at 20px their labels were cut ("Pres…")
                  '[data-testid="stMain"] button [data-testid="stMarkdownContainer"] p { font-size: 15px; }',
                  '[data-testid="stMain"] button { padding: 4px 8px !important; }']
    if rules:
        st.markdown("<style>" + "\n".join(rules) + "</style>", unsafe_allow_html=True)


def hidden_groups(groups: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The control groups the link hides (``?hide=optimiser,networks``) and the unknown names."""
    raw = st.query_params.get("hide", "")
    names = [n.strip() for n in raw.split(",") if n.strip()]
    return [n for n in names if n in groups], [n for n in names if n not in groups]
