"""The page list and the guided tour, read by the home page, by every page a tour scene opens (its
"next scene →" link) and by the tests. Only pages present on disk are linked."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ganviz.ui.scene import RESERVED, escape_markdown

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
    ("pages/7_Image_Lab.py", "Image lab", "Every objective on handwritten digits with conv nets; quality, "
     "diversity and digit FID measured live."),
    ("pages/8_Attention.py", "Attention", "Click a pixel of a digit: where SAGAN's self-attention looks, in G "
     "and D."),
    ("pages/6_Leaderboard.py", "Leaderboard", "Mode coverage of every objective from our own sweeps, beside the "
     "papers' tables."),
]

# The guided tour: (page, what the scene shows, query parameters that set it up). Each label's number
# is measured by tests/test_claims.py; a preset's scene makes the claim of its preset's sentence.
TOUR = [
    ("pages/2_Toy_GAN_Lab.py", "1 · A GAN learns eight modes: NSGAN + R1 (our default) has all 8 by step 500",
     {"preset": "Our default: 8 of 8 modes"}),
    ("pages/2_Toy_GAN_Lab.py", "2 · ...and a plain GAN drops modes: at most 3 of 8 by step 300, no more by 600",
     {"preset": "NSGAN drops modes on ring8"}),
    ("pages/2_Toy_GAN_Lab.py", "3 · The minimax loss saturates: its push stays under a tenth of the "
     "non-saturating loss's", {"preset": "MMGAN saturates early"}),
    ("pages/1_Divergences.py", "4 · JS saturates at log 2 = 0.693: two uniforms 3 apart have exact JS 0.693 "
     "while W1 = 3 grows with the shift (tabs: 1D, parallel lines, moving plans)",
     {"p": "uniform", "q": "uniform", "shift": "3.0"}),
    ("pages/2_Toy_GAN_Lab.py", "5 · WGAN: weight clipping levels off above 1.5x the gradient penalty's W1",
     {"preset": "Weight clipping against gradient penalty"}),
    ("pages/2_Toy_GAN_Lab.py", "6 · SNGAN: hinge loss with spectral norm (σ₀ of every D layer within 5% of 1) "
     "against WGAN-GP", {"objective": "hinge", "compare": "1", "b.objective": "wgan-gp"}),
    ("pages/2_Toy_GAN_Lab.py", "7 · EBGAN: the margin sets the push: m = 0.1 pushes on average under a quarter "
     "as hard as m = 2", {"preset": "EBGAN's margin"}),
    ("pages/3_BEGAN.py", "8 · BEGAN on digits: k_t, M_global and the gamma trade-off (γ = 0.3 draws 1 kind of "
     "digit, γ = 0.7 all 10)", None),
    ("pages/5_Spectra.py", "9 · BigGAN's spectra: σ₀ of D's middle layer grows over 3x in 400 steps of the run "
     "that drops modes, and the fix", {"preset": "collapse"}),
]


def next_scene_link(page: str) -> int | None:
    """A "next scene →" link on ``page`` (its file, e.g. "pages/2_Toy_GAN_Lab.py") when the current
    URL is a tour scene of it, or was on arriving (the lecturer may move a slider meanwhile).
    Returns the index of the scene shown, or None."""
    from pathlib import Path

    ss = st.session_state
    url = {k: v for k, v in st.query_params.to_dict().items() if k not in RESERVED}
    here = [i for i, (p, _, params) in enumerate(TOUR) if p == page and (params or {}) == url]
    if here:
        ss["_tour_at"] = (page, here[0])
    at = ss.get("_tour_at")
    if not at or at[0] != page:
        return None
    root = Path(__file__).resolve().parents[2]
    i = at[1]
    if i + 1 < len(TOUR) and (root / TOUR[i + 1][0]).is_file():
        nxt_page, label, params = TOUR[i + 1]
        text = f"next scene → {label.split(' · ')[0]}"  # the number; the whole label is on the home page
        try:
            st.page_link(nxt_page, label=text, query_params=params, icon=":material/skip_next:", help=label)
        except StreamlitAPIException:
            # A page run as the main script (AppTest of one page) has no page list: a plain link.
            path = "/" + Path(nxt_page).stem.split("_", 1)[-1] if nxt_page != "app.py" else "/"
            st.markdown(f"[{escape_markdown(text)}]({path}{'?' + urlencode(params) if params else ''})")
    return i
