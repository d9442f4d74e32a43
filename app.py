"""ganviz home page: what it is and the pages that work."""

from pathlib import Path

import streamlit as st

st.set_page_config(page_title="ganviz", page_icon="🎛️", layout="wide")

# (file, title, one line of what it shows); only pages present on disk are linked.
PAGES = [
    ("pages/1_Divergences.py", "Divergences", "JS saturates at log 2 while the Earth Mover's distance keeps "
     "growing; optimal moving plans from POT; the objectives' curves."),
    ("pages/2_Toy_GAN_Lab.py", "Toy GAN lab", "Train every GAN of the family live on 2D and 1D toy data; "
     "compare two runs side by side."),
    ("pages/3_BEGAN.py", "BEGAN", "k_t and M_global live on handwritten digits; the gamma trade-off measured."),
    ("pages/4_Latent_Space.py", "Latent space", "Interpolation, walks and BigGAN's truncation trick."),
    ("pages/5_Spectra.py", "Spectra", "Singular values of every layer over training; spectral norm, "
     "orthogonal regularisation and the blow-up before a collapse."),
]

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
st.markdown(
    "**From the command line:** `python -m ganviz --help` lists the commands, e.g. "
    "`python -m ganviz train --dataset ring8 --steps 5000 --json`."
)
