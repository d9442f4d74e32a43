"""ganviz home page: what it is and the pages that work; and the server that serves it.

``streamlit run app.py`` reads this file twice. First it imports it as the module ``app`` and finds
``app``, the server (``st.App``): as it starts, it warms in the background what the toy lab's first
visit would otherwise wait for (PyTorch in the trainers' forkserver and the page's own imports).
Then, for every page a browser opens, Streamlit runs it as a script: the navigation (which, on every
page but home, starts the browser's Plotly module at once: ``plotly_preload``), and the home page
itself, which imports neither torch nor the trainers' modules.
"""

from pathlib import Path

import streamlit as st

from ganviz.ui.scene import presentation_style, presentation_toggle
from ganviz.ui.tour import PAGES, TOUR

HERE = Path(__file__).parent
PLOTLY_LATER_MS = 6000  # the toy lab's preload: after its first view, before a run's first curves
STREAMLIT_JS = Path(st.__file__).parent / "static" / "static" / "js"  # the browser's code, served by Streamlit
# What the toy lab (the tour's first scene) imports that costs: torch above all, then the trainer's
# modules and the figures. Not ganviz.ui's modules: live_frames declares its component as it is
# imported, which registers the component only inside a page's run.
WARM_IMPORTS = ("torch", "ganviz.training.trainer", "ganviz.training.process_worker", "ganviz.training.presets",
                "ganviz.plots.toy", "ganviz.plots.samples_view", "ganviz.plots.animation", "ganviz.training.export")


def warm_server() -> None:
    """Start the trainers' forkserver and wait until it can fork a trainer (its imports run in its own
    process), then import the toy lab's heavy modules here. One after the other: importing here holds
    the server's GIL, and a visitor's page, served meanwhile, needs it; the forkserver's do not."""
    import importlib
    import time

    from ganviz import forkserver

    t0 = time.perf_counter()
    forkserver.wait_ready()
    for name in WARM_IMPORTS:
        importlib.import_module(name)
    print(f"  ganviz is warm: PyTorch and the trainers' start-up loaded in {time.perf_counter() - t0:.1f} s",
          flush=True)


def plotly_preload(after_ms: int = 0) -> str:
    """A script for a page that draws Plotly figures: the browser fetches and runs Streamlit's Plotly
    module (4.7 MB of JavaScript, seconds of a loaded CPU) ``after_ms`` after the page starts, while
    the server runs the script and starts its trainer, instead of once the first figure arrives. The
    same module, at the address Streamlit's own code imports it from, so that the figure finds it
    loaded. Empty where this Streamlit has no such module."""
    chunk = next(iter(sorted(STREAMLIT_JS.glob("PlotlyChart.*.js"))), None)
    if chunk is None:
        return ""
    return ("<script>(() => { const main = document.querySelector(\"script[src*='/static/js/index.']\");"
            f" if (main) setTimeout(() => import(new URL({chunk.name!r}, main.src).href).catch(() => {{}}),"
            f" {int(after_ms)}); }})();</script>")


def home() -> None:
    """The home page: what ganviz is, its pages, the guided tour."""
    st.set_page_config(page_title="ganviz", page_icon="🎛️", layout="wide")
    with st.sidebar:
        present = presentation_toggle("home")
    presentation_style(present)
    st.title("ganviz")
    st.markdown(
        "Train small GANs live and watch GAN theory happen: every number and picture here comes from a "
        "real run or a real formula, on your own CPU (or GPU, where there is one). Nothing is downloaded."
    )
    for path, title, blurb in PAGES:
        if (HERE / path).is_file():
            st.page_link(path, label=title, icon="▶")
            st.caption(blurb)
    st.divider()
    st.subheader("Guided tour")
    st.caption("GAN theory in lecture order, one click per scene.")
    for path, label, params in TOUR:
        if (HERE / path).is_file():
            st.page_link(path, label=label, query_params=params)
    st.divider()
    st.markdown(
        "**From the command line:** `python -m ganviz --help` lists the commands, e.g. "
        "`python -m ganviz train --dataset ring8 --steps 5000 --json`."
    )


if __name__ == "app":  # imported: by `streamlit run` looking for its server, or by a test reading PAGES
    import contextlib
    import threading

    from streamlit.runtime.pages_manager import PagesManager

    @contextlib.asynccontextmanager
    async def _warm_at_start(_server):
        # What st.navigation does at its first call, done before the first visit: else a link
        # straight to a page would get the navigation of the pages/ folder (the home page named
        # "app") until somebody opened the home page.
        PagesManager.uses_pages_directory = False
        # In a thread: the server answers at once, and a visitor who comes before the warm-up is
        # done only waits for what is left of it.
        threading.Thread(target=warm_server, name="ganviz-warm-up", daemon=True).start()
        yield

    app = st.App(__file__, lifespan=_warm_at_start)
else:
    # The sidebar's pages in the home page's order; the home page under its own name (the file's
    # name, "app", otherwise). Page titles and addresses come from the file names (/Toy_GAN_Lab).
    home_page = st.Page(home, title="Home", icon=":material/home:", default=True)
    page = st.navigation([home_page] + [st.Page(path) for path, *_ in PAGES if (HERE / path).is_file()])
    # The toy lab's first view is a picture (no Plotly): its figures' module loads once the page is
    # up, not while the browser and a fresh server are busy with the page's start.
    preload = plotly_preload(PLOTLY_LATER_MS if page.url_path == "Toy_GAN_Lab" else 0)
    if page is not home_page and preload:  # every other page draws Plotly figures
        with st.container(key="plotly_preload"):  # hidden: it would push the page down by one gap
            st.html("<style>[data-testid='stLayoutWrapper']:has(> .st-key-plotly_preload) {display: none}</style>" + preload, unsafe_allow_javascript=True)
    page.run()
