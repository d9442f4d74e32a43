"""Latent space: interpolation (linear and slerp), a walk in two directions, BigGAN's truncation trick."""

import streamlit as st

st.set_page_config(page_title="ganviz · Latent space", layout="wide")

import pandas as pd  # noqa: E402
import torch  # noqa: E402

from ganviz.latent import latent_directions, latent_point, lerp, slerp, truncated_points, walk_grid  # noqa: E402
from ganviz.metrics.quality import judge_generator, truncation_curve  # noqa: E402
from ganviz.plots.animation import grid_frame, grid_gif, grid_png  # noqa: E402
from ganviz.plots.began import image_grid, path_norm_figure, truncation_figure  # noqa: E402
from ganviz.training.began import load  # noqa: E402
from ganviz.training.checkpoint import CheckpointError  # noqa: E402
from ganviz.training.classifier import load_classifier  # noqa: E402
from ganviz.training.shipped import classifier_path, shipped_began  # noqa: E402
from ganviz.ui.common import download, page_frame, try_this  # noqa: E402
from ganviz.ui.scene import Param, Scene, choice, number, png_config  # noqa: E402

page_frame(
    "Latent space",
    "A trained generator maps every point z of the latent cube [-1, 1]^h to an image. Walk along a line "
    "between two points and the digit should morph smoothly, without jumps: **the generator is continuous** "
    "and has not memorised a few images. **Slerp** follows the great circle instead of the straight chord, "
    "keeping ‖z‖ where the training codes live. BigGAN's **truncation trick** redraws every component with "
    "|z_i| above a threshold: the smaller the threshold, the more typical (and alike) the samples: "
    "diversity falls, and quality rises where the centre of the cube holds the clearest digits; both are "
    "measured below with the same classifier as the gamma sweep.",
)

shipped = shipped_began()
if not shipped:
    st.error("No BEGAN checkpoint found in checkpoints/ (began_gamma*.safetensors). Train one with "
             "`python -m ganviz began --gamma 0.5 --out checkpoints/began_gamma0.5`, or open the BEGAN page.")
    st.stop()

SEED = number(0, 10_000, integer=True)
SCENE = Scene("latent", {
    "ckpt": Param("ls_ckpt", 0.5 if 0.5 in shipped else next(iter(shipped)), choice(shipped)),
    "a": Param("ls_seed_a", 1, SEED),
    "b": Param("ls_seed_b", 2, SEED),
    "steps": Param("ls_steps", 10, number(5, 16, integer=True)),
    "scale": Param("ls_scale", 0.6, number(0.1, 1.0, step=0.1)),
    "dirs": Param("ls_dir_seed", 3, SEED),
    "threshold": Param("ls_threshold", 0.5, number(0.1, 1.0, step=0.1)),
}, groups=("path", "walk", "truncation", "export"))
SCENE.start()
SCENE.sidebar()
SCENE.show_notes()
fit = SCENE.fit

with SCENE.group("path", "Checkpoint and path"):
    c = st.columns([1, 1, 1, 1])
    gamma = c[0].selectbox("Checkpoint", list(shipped), format_func=lambda g: f"BEGAN γ = {g:g}", key="ls_ckpt")
    seed_a = c[1].number_input("Seed of point A", 0, 10_000, key="ls_seed_a")
    seed_b = c[2].number_input("Seed of point B", 0, 10_000, key="ls_seed_b")
    steps = c[3].slider("Steps along the path", 5, 16, key="ls_steps")


def _model(path):
    """The session's copy of a checkpoint (read-only sampling; never shared between sessions)."""
    cache = st.session_state.setdefault("ls_models", {})
    if path not in cache:
        cache[path] = load(path)
    return cache[path]


try:
    trainer = _model(shipped[gamma])
except CheckpointError as e:
    st.error(f"Cannot open {shipped[gamma].name}: {e}. Pick another checkpoint or retrain it "
             "(checkpoints/README.md lists the command).")
    st.stop()
h = trainer.config.latent_dim
z_a, z_b = latent_point(h, seed_a), latent_point(h, seed_b)
paths = {"linear": lerp(z_a, z_b, steps), "slerp": slerp(z_a, z_b, steps)}
images = {name: trainer.sample(z=z) for name, z in paths.items()}

st.subheader("Interpolation from A to B")
left, right = st.columns([3, 1])
with left:
    for name, x in images.items():
        st.plotly_chart(fit(image_grid(x, steps, f"{name}", key=f"ls_{name}", height=140)),
                        key=f"ls_fig_{name}", width="stretch", config=png_config(f"ganviz_{name}_path"))
right.plotly_chart(fit(path_norm_figure(paths)), key="ls_fig_norms", width="stretch",
                   config=png_config("ganviz_path_norms"))

st.subheader("A walk in two directions")
with SCENE.group("walk", "The walk"):
    w = st.columns([1, 1, 2])
    scale = w[0].slider("How far (in latent units)", 0.1, 1.0, step=0.1, key="ls_scale")
    dir_seed = w[1].number_input("Seed of the two directions", 0, 10_000, key="ls_dir_seed")
    w[2].caption("Rows move along one random direction, columns along another, centred on point A; "
                 "z is clipped to the cube [-1, 1]^h. Smooth changes across the grid mean a smooth generator.")
d1, d2 = latent_directions(h, dir_seed)
walk = trainer.sample(z=walk_grid(z_a, d1, d2, 7, scale))
st.plotly_chart(fit(image_grid(walk, 7, "", key="ls_walk", height=420)), key="ls_fig_walk",
                width="content", config=png_config("ganviz_walk"))

st.subheader("Truncation: fidelity against diversity")
t = st.columns([1, 2])
with t[0], SCENE.group("truncation", "Truncation"):
    threshold = st.slider("Threshold (1 = no truncation)", 0.1, 1.0, step=0.1, key="ls_threshold")
SCENE.write()  # after the last widget (the classifier below may stop the page)
try:
    classifier = load_classifier(classifier_path())
except CheckpointError as e:
    st.error(f"The digit classifier cannot be loaded ({e}); the numbers below need it. "
             "Retrain it with `python -m ganviz classifier --out checkpoints/digit_classifier`.")
    st.stop()
now = judge_generator(trainer, classifier, 500, truncation=threshold)
t[0].metric("quality (mean confidence)", f"{now['quality']:.3f}")
t[0].metric("class entropy (nats)", f"{now['class_entropy']:.3f}")
t[0].metric("pairwise distance", f"{now['pairwise_distance']:.3f}")
t[0].metric("digits present", now["classes_present"])
z = truncated_points(h, 32, threshold, seed=1000)  # seeded: the same link draws the same samples
truncated = trainer.sample(z=z)
t[1].plotly_chart(fit(image_grid(truncated, 8, f"Samples at threshold {threshold:g}", key="ls_trunc")),
                  key="ls_fig_trunc", width="stretch", config=png_config("ganviz_truncated"))


@st.cache_data(show_spinner="Measuring the truncation curve…", max_entries=8)
def _curve(path: str, stamp: float) -> list[dict]:
    return truncation_curve(load(path), load_classifier(classifier_path()), (0.2, 0.4, 0.6, 0.8, 1.0))


curve = _curve(str(shipped[gamma]), shipped[gamma].stat().st_mtime)
st.plotly_chart(fit(truncation_figure(curve)), key="ls_fig_trunc_curve", width="stretch",
                config=png_config("ganviz_truncation_curve"))

with SCENE.group("export", "Export"), st.expander("Export"):
    e = st.columns(5)
    # The morph from A to B and back along the slerp path, one image per frame, 12 screen pixels per pixel.
    download(e[0], "slerp morph GIF", key="ls_dl_gif", mime="image/gif", file_name="ganviz_slerp_morph.gif",
             data=lambda: grid_gif([grid_frame(i, x[None], cols=1) for i, x in
                                    enumerate([*images["slerp"], *images["slerp"].flip(0)[1:-1]])],
                                   scale=12, ms_per_frame=120))
    download(e[1], "paths PNG", key="ls_dl_paths", mime="image/png", file_name="ganviz_paths.png",
             data=lambda: grid_png(grid_frame(0, torch.cat(list(images.values())), cols=steps)),
             help="linear (top row) and slerp (bottom row) from A to B")
    download(e[2], "walk PNG", key="ls_dl_walk", mime="image/png", file_name="ganviz_walk.png",
             data=lambda: grid_png(grid_frame(0, walk, cols=7)))
    download(e[3], "truncated samples PNG", key="ls_dl_trunc", mime="image/png",
             file_name=f"ganviz_truncated_{threshold:g}.png",
             data=lambda: grid_png(grid_frame(0, truncated)))
    download(e[4], "truncation curve CSV", key="ls_dl_csv", mime="text/csv",
             file_name=f"ganviz_truncation_gamma{gamma:g}.csv",
             data=pd.DataFrame(curve).to_csv(index=False))

try_this([
    "Compare the linear and slerp rows: in the middle of the straight line ‖z‖ dips (see the norm plot), and "
    "the digit there may look fainter or more generic.",
    "Pick two seeds whose end digits differ (say a 0 and a 7): where along the path does the class switch?",
    "Slide the truncation threshold from 1 to 0.2: the samples become more alike (class entropy and pairwise "
    "distance fall). On γ = 0.7 quality rises as BigGAN found; on γ = 0.5 it falls: the centre of a uniform "
    "latent is not where that generator draws its clearest digits.",
    "Switch the checkpoint from γ = 0.3 to 0.7: γ = 0.3 draws one digit, 0.5 eight kinds, 0.7 all ten, and the "
    "walk grid varies more as γ grows.",
    "Copy the address bar: the link reopens this checkpoint, these seeds and this threshold (add `&present=1` "
    "for a projector).",
])
