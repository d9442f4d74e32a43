"""ganviz home page: what it is and the pages that work."""

from ganviz import forkserver

# The toy lab is the next page most visitors open: its trainer's start (importing torch, ~7 s of CPU
# in the forkserver) begins here, while they read.
forkserver.warm_up()

from pathlib import Path

import streamlit as st

from ganviz.ui.scene import presentation_css, presentation_toggle
from ganviz.ui.tour import PAGES, TOUR

st.set_page_config(page_title="ganviz", page_icon="🎛️", layout="wide")
with st.sidebar:
    css = presentation_css(presentation_toggle("home"), [], ())
if css:
    st.markdown(css, unsafe_allow_html=True)
st.title("ganviz")
st.markdown(
    "Train small GANs live and watch GAN theory happen: every number and picture here comes from a "
    "real run or a real formula, on your own CPU (or GPU, where there is one). Nothing is downloaded."
)
here = Path(__file__).parent
for path, title, blurb in PAGES:
    if (here / path).is_file():
        st.page_link(path, label=title, icon="▶")
        st.caption(blurb)
st.divider()
st.subheader("Guided tour")
st.caption("GAN theory in lecture order, one click per scene.")
for path, label, params in TOUR:
    if (here / path).is_file():
        st.page_link(path, label=label, query_params=params)
st.divider()
st.markdown(
    "**From the command line:** `python -m ganviz --help` lists the commands, e.g. "
    "`python -m ganviz train --dataset ring8 --steps 5000 --json`."
)
