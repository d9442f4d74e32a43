"""Latent space: interpolation (linear and slerp), a walk in two directions, BigGAN's truncation trick
(on BEGAN's cube, and on N(0, 1) with class control on the shipped class-conditional BigGAN)."""

import math

import streamlit as st

st.set_page_config(page_title="ganviz · Latent space", layout="wide")

import pandas as pd  # noqa: E402
import torch  # noqa: E402

from ganviz.latent import (class_embeddings, latent_directions, latent_point, lerp, sample_embedded,  # noqa: E402
                           slerp, truncated_points, walk_grid)
from ganviz.metrics.quality import judge_generator, predicted_classes, truncation_curve  # noqa: E402
from ganviz.metrics.truncation import truncation_report  # noqa: E402
from ganviz.plots.animation import grid_frame, grid_gif, grid_png  # noqa: E402
from ganviz.plots.began import image_grid, path_norm_figure, truncation_figure  # noqa: E402
from ganviz.plots.latent import tradeoff_figure  # noqa: E402
from ganviz.training import checkpoint  # noqa: E402
from ganviz.training.began import load  # noqa: E402
from ganviz.training.checkpoint import CheckpointError  # noqa: E402
from ganviz.training.classifier import load_classifier  # noqa: E402
from ganviz.training.shipped import checkpoint_dir, classifier_path, shipped_began  # noqa: E402
from ganviz.ui.common import download, page_frame, try_this  # noqa: E402
from ganviz.ui.scene import Param, Scene, choice, number, png_config  # noqa: E402

page_frame(
    "Latent space",
    "A trained generator maps every latent point z to an image: BEGAN's z lives in the cube [-1, 1]^h, "
    "BigGAN's is drawn from N(0, I). Walk along a line between two points and the digit should morph "
    "smoothly, without jumps: **the generator is continuous** and has not memorised a few images. **Slerp** "
    "follows the great circle instead of the straight chord, keeping ‖z‖ where the training codes live. "
    "BigGAN's **truncation trick** redraws every component with |z_i| above a threshold: the smaller the "
    "threshold, the more typical (and alike) the samples. Choose the class-conditional **BigGAN** as the "
    "generator to pick a class, watch precision rise and recall fall as the threshold falls (BigGAN's "
    "Fig. 2), and move from one class to another through its shared class embedding.",
)

BIGGAN = "biggan"
BIGGAN_FILE = "biggan_digits.safetensors"
CLASSES = ["all", *range(10)]
THRESHOLDS = [*(0.25 * k for k in range(1, 11)), "off"]  # on N(0, 1); "off": no truncation

generators = {**shipped_began()}
if (checkpoint_dir() / BIGGAN_FILE).exists():
    generators[BIGGAN] = checkpoint_dir() / BIGGAN_FILE
if not generators:
    st.error("No generator checkpoint found in checkpoints/ (began_gamma*.safetensors or biggan_digits.safetensors). "
             "Train one with `python -m ganviz began --gamma 0.5 --out checkpoints/began_gamma0.5`, or open the "
             "BEGAN page.")
    st.stop()


def _name(g) -> str:
    return "BigGAN (class-conditional)" if g == BIGGAN else f"BEGAN γ = {g:g}"


SEED = number(0, 10_000, integer=True)
DIGIT = choice(range(10))
SCENE = Scene("latent", {
    "ckpt": Param("ls_ckpt", 0.5 if 0.5 in generators else next(iter(generators)), choice(generators, _name)),
    "a": Param("ls_seed_a", 1, SEED),
    "b": Param("ls_seed_b", 2, SEED),
    "steps": Param("ls_steps", 10, number(5, 16, integer=True)),
    "scale": Param("ls_scale", 0.6, number(0.1, 1.0, step=0.1)),
    "dirs": Param("ls_dir_seed", 3, SEED),
    "threshold": Param("ls_threshold", 0.5, number(0.1, 1.0, step=0.1)),
    "class": Param("ls_class", "all", choice(CLASSES)),
    "trunc": Param("ls_trunc", 1.0, choice(THRESHOLDS)),
    "n": Param("ls_n", 500, choice([200, 500, 1000])),
    "ca": Param("ls_class_a", 1, DIGIT),
    "cb": Param("ls_class_b", 7, DIGIT),
}, groups=("path", "walk", "truncation", "classes", "export"))
SCENE.start()
SCENE.sidebar()
SCENE.show_notes()
fit = SCENE.fit

with SCENE.group("path", "Generator and path"):
    c = st.columns([1.3, 1, 1, 1])
    gen_choice = c[0].selectbox("Generator", list(generators), format_func=_name, key="ls_ckpt")
    seed_a = c[1].number_input("Seed of point A", 0, 10_000, key="ls_seed_a")
    seed_b = c[2].number_input("Seed of point B", 0, 10_000, key="ls_seed_b")
    steps = c[3].slider("Steps along the path", 5, 16, key="ls_steps")
path = generators[gen_choice]


def _model(path, opener):
    """The session's copy of a checkpoint (read-only sampling; never shared between sessions)."""
    cache = st.session_state.setdefault("ls_models", {})
    if path not in cache:
        cache[path] = opener(path)
    return cache[path]


def _classifier():
    try:
        return load_classifier(classifier_path())
    except CheckpointError as e:
        st.error(f"The digit classifier cannot be loaded ({e}); the numbers below need it. "
                 "Retrain it with `python -m ganviz classifier --out checkpoints/digit_classifier`.")
        st.stop()


@st.cache_data(show_spinner="Measuring precision and recall at every threshold…", max_entries=24)
def _tradeoff(path: str, stamp: float, klass: int | None, n: int) -> dict:
    thresholds = [math.inf if t == "off" else t for t in THRESHOLDS]
    return truncation_report(checkpoint.load(path), load_classifier(classifier_path()), thresholds, n, klass)


@st.cache_data(show_spinner="Measuring the truncation curve…", max_entries=8)
def _curve(path: str, stamp: float) -> list[dict]:
    return truncation_curve(load(path), load_classifier(classifier_path()), (0.2, 0.4, 0.6, 0.8, 1.0))


def biggan_view(path) -> None:
    """The class-conditional BigGAN: truncation on N(0, 1) by class, measured, and paths between
    two classes (through the shared embedding) and between two codes."""
    try:
        trainer = _model(path, checkpoint.load)
        if not trainer.n_classes:
            raise CheckpointError(f"it holds an unconditional {trainer.config.arch} run, not a class-conditional "
                                  "BigGAN")
    except CheckpointError as e:
        st.error(f"Cannot open {path.name}: {e}. Pick another generator or retrain it "
                 "(checkpoints/README.md lists the command).")
        st.stop()
    h = trainer.config.latent_dim
    st.subheader("Truncation on N(0, 1), class by class")
    t = st.columns([1, 3])
    with t[0], SCENE.group("truncation", "Class and truncation"):
        klass = st.selectbox("Class", CLASSES, key="ls_class",
                             format_func=lambda k: "every class" if k == "all" else f"digit {k}")
        chosen = st.select_slider("Truncation threshold", THRESHOLDS, key="ls_trunc",
                                  format_func=lambda v: v if v == "off" else f"{v:g}",
                                  help="every component of z ~ N(0, I) with |z_i| above it is redrawn until it "
                                       "falls inside; off: no truncation")
        n = st.selectbox("Samples judged per threshold", [200, 500, 1000], key="ls_n")
    st.subheader("From one class to another, and from one code to another")
    with SCENE.group("classes", "Two classes"):
        k = st.columns([1, 1, 3])
        class_a = k[0].selectbox("Class a", range(10), key="ls_class_a")
        class_b = k[1].selectbox("Class b", range(10), key="ls_class_b")
        k[2].caption("Top row: z fixed (seed A), the shared class embedding e(y) moved in a straight line from "
                     "e(a) to e(b); every block's conditional batch norm reads it. Bottom row: class a fixed, z "
                     "on the slerp path from seed A to seed B. Both rows start at the same image; under each "
                     "image, the digit our classifier reads.")
    SCENE.write()  # after the last widget (the classifier below may stop the page)
    classifier = _classifier()
    threshold = math.inf if chosen == "off" else chosen
    y = None if klass == "all" else klass
    report = _tradeoff(str(path), path.stat().st_mtime, y, n)
    rows = report["thresholds"]
    now = next(r for r in rows if r["threshold"] == threshold)
    t[0].metric("precision", f"{now['precision']:.3f}")
    t[0].metric("recall", f"{now['recall']:.3f}")
    t[0].metric("mean confidence", f"{now['mean_confidence']:.3f}")
    t[0].metric("class agreement", f"{now['class_agreement']:.3f}")
    z = truncated_points(h, 40, threshold, seed=1000, dist="normal")  # seeded: the same link, the same samples
    samples = trainer.sample(z=z, y=y)
    shown = "off" if chosen == "off" else f"{chosen:g}"
    title = f"{'Every class (one per column)' if y is None else f'Digit {y}'}, threshold {shown}"
    t[1].plotly_chart(fit(image_grid(samples, 10, title, key="ls_bg_samples", height=250,
                                     labels=[str(i) for i in range(10)] if y is None else None)),
                      key="ls_fig_bg_samples", width="stretch", config=png_config("ganviz_biggan_truncated"))
    t[1].plotly_chart(fit(tradeoff_figure(rows, threshold)), key="ls_fig_tradeoff", width="stretch",
                      config=png_config("ganviz_biggan_tradeoff"))
    tight, off = rows[THRESHOLDS.index(0.5)], rows[-1]
    t[1].caption(f"{n} samples at each threshold ({'every class in turn' if y is None else f'digit {y}'}), the "
                 f"same codes truncated differently, against {report['reference']} (k = 5 nearest neighbours). "
                 f"From off to 0.5 precision rises ({off['precision']:.3f} → {tight['precision']:.3f}) and recall "
                 f"falls to under a tenth ({off['recall']:.3f} → {tight['recall']:.3f}): the samples crowd into "
                 "the most typical digits. Mean confidence and class agreement stay at 0.97 or above at every "
                 "threshold: the classifier is sure of what this BigGAN draws, so the trade-off shows in "
                 "precision and recall.")

    z_a = truncated_points(h, 1, threshold, seed=seed_a, dist="normal")
    z_b = truncated_points(h, 1, threshold, seed=seed_b, dist="normal")
    across = sample_embedded(trainer, z_a.expand(steps, -1), class_embeddings(trainer, class_a, class_b, steps))
    along = trainer.sample(z=slerp(z_a[0], z_b[0], steps), y=class_a)
    for name, x, what in (("classes", across, f"e(y) from class {class_a} to class {class_b}, z of seed A"),
                          ("codes", along, f"class {class_a}, z from seed A to seed B (slerp)")):
        st.plotly_chart(fit(image_grid(x, steps, what, key=f"ls_bg_{name}", height=150,
                                       labels=[str(d) for d in predicted_classes(x, classifier)])),
                        key=f"ls_fig_bg_{name}", width="stretch", config=png_config(f"ganviz_biggan_{name}"))
    st.caption("Moving e(y) the classifier's reading switches from a to b partway (now and then through a "
               "third digit), while along the z path at one class every image stays that class: z sets the "
               "style, the embedding the digit.")

    with SCENE.group("export", "Export"), st.expander("Export"):
        e = st.columns(3)
        download(e[0], "samples PNG", key="ls_dl_bg_samples", mime="image/png",
                 file_name=f"ganviz_biggan_{klass}_{shown}.png", data=lambda: grid_png(grid_frame(0, samples, cols=10)))
        download(e[1], "paths PNG", key="ls_dl_bg_paths", mime="image/png", file_name="ganviz_biggan_paths.png",
                 data=lambda: grid_png(grid_frame(0, torch.cat([across, along]), cols=steps)),
                 help="between the classes (top row) and between the codes (bottom row)")
        download(e[2], "trade-off CSV", key="ls_dl_bg_csv", mime="text/csv",
                 file_name=f"ganviz_biggan_truncation_{klass}.csv", data=pd.DataFrame(rows).to_csv(index=False))

    try_this([
        "Slide the threshold from off down to 0.25: the samples of each class become nearly alike (recall "
        "0.000: they sit so close together that no real digit falls among them), and precision is 1.000: "
        "every sample sits among the real digits.",
        "Pick one class: precision and recall are then measured against that class's real digits only, and "
        "the same trade-off appears.",
        "Choose class a = 3 and class b = 8, then 4 and 9: where along the top row does the reading switch, and "
        "does it pass through another digit?",
        "Change seed A: the top row keeps its classes but takes another style; the bottom row keeps its class.",
        "Copy the address bar: the link reopens this generator, class, threshold and path (add `&present=1` for "
        "a projector).",
    ])


def began_view(gamma: float, path) -> None:
    """A BEGAN run: interpolation, a walk, and truncation on the uniform cube."""
    try:
        trainer = _model(path, load)
    except CheckpointError as e:
        st.error(f"Cannot open {path.name}: {e}. Pick another generator or retrain it "
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
    classifier = _classifier()
    now = judge_generator(trainer, classifier, 500, truncation=threshold)
    t[0].metric("quality (mean confidence)", f"{now['quality']:.3f}")
    t[0].metric("class entropy (nats)", f"{now['class_entropy']:.3f}")
    t[0].metric("pairwise distance", f"{now['pairwise_distance']:.3f}")
    t[0].metric("digits present", now["classes_present"])
    z = truncated_points(h, 32, threshold, seed=1000)  # seeded: the same link draws the same samples
    truncated = trainer.sample(z=z)
    t[1].plotly_chart(fit(image_grid(truncated, 8, f"Samples at threshold {threshold:g}", key="ls_trunc")),
                      key="ls_fig_trunc", width="stretch", config=png_config("ganviz_truncated"))


    curve = _curve(str(path), path.stat().st_mtime)
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


if gen_choice == BIGGAN:
    biggan_view(path)
else:
    began_view(gen_choice, path)
