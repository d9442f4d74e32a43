"""BEGAN: k_t and M_global live on handwritten digits; the gamma trade-off measured."""

import streamlit as st

st.set_page_config(page_title="ganviz · BEGAN", layout="wide")

import pandas as pd  # noqa: E402

from ganviz.plots.animation import grid_frame, grid_gif, grid_png  # noqa: E402
from ganviz.plots.began import curves_figure, image_grid, sweep_figure  # noqa: E402
from ganviz.training import began  # noqa: E402
from ganviz.training.began import began_config, check_bytes, load, source_of  # noqa: E402
from ganviz.training.checkpoint import MAX_BYTES, CheckpointError  # noqa: E402
from ganviz.training.classifier import load_classifier  # noqa: E402
from ganviz.training.export import FrameRecorder  # noqa: E402
from ganviz.training.shipped import classifier_path, shipped_began, sweep  # noqa: E402
from ganviz.training.process_worker import ProcessWorker  # noqa: E402
from ganviz.ui import image_data, tour  # noqa: E402
from ganviz.ui.common import (device_caption, download, page_frame, session_workers, state_badge, too_big,  # noqa: E402
                              try_this)
from ganviz.ui.scene import Param, Scene, choice, png_config  # noqa: E402

KEY = "began"
GAMMAS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]

page_frame(
    "BEGAN",
    "BEGAN (Berthelot et al. 2017) makes the discriminator an autoencoder and balances the two players "
    "with a feedback gain **k_t**: k ← clip(k + λ_k (γ L(x) − L(G(z))), 0, 1). Watch three things: "
    "**k_t** climbs from 0 and settles where the fakes' reconstruction error is γ times the real digits' "
    "(L(G(z)) = γ L(x): a low γ asks for fakes rebuilt far better than data); "
    "**M_global** = L(x) + |γ L(x) − L(G(z))| falls as the samples improve (the paper's convergence measure); "
    "and **γ** trades diversity for sharpness: move the γ slider while it trains and k_t answers at once.",
)
st.caption(device_caption())
workers = session_workers()
shipped = shipped_began()
SCENE = Scene("began", {
    "ckpt": Param("bg_ckpt", 0.5 if 0.5 in shipped else next(iter(shipped), None), choice(shipped)),
    "gamma": Param("bg_gamma", 0.5, choice(GAMMAS)),
    "source": image_data.source_param("bg_source"),
    "size": Param("bg_size", 16, choice([16, 32])),
}, groups=("run", "data", "export", "sweep"))


def _worker(config, images) -> ProcessWorker:
    """This session's BEGAN worker (its trainer trains in a process of its own, never in the server)."""
    w = workers.get(KEY)
    return w if w is not None else workers.put(KEY, ProcessWorker(began.make_trainer, config, began.take, data=images))


def _images(config):
    """The run's images where the page opens them by name (an operator's folder, this session's
    upload); the bundled digits are opened by the trainer's process itself."""
    return None if config.dataset == "digits" else image_data.open_source(source_of(config), config.image_size,
                                                                          config.channels)


def _opened(config, label: str) -> None:
    """The run of ``config`` is this session's (paused): the γ slider follows it, its GIF starts afresh."""
    s = st.session_state
    gamma = own_gamma = config.params.began_gamma
    if gamma not in GAMMAS:  # the slider has fixed stops: move the run to the nearest one
        gamma = min(GAMMAS, key=lambda g: abs(g - own_gamma))
        workers.get(KEY).update(began_gamma=gamma)
        label += f" (its γ {own_gamma:g} set to the slider's nearest stop, {gamma:g})"
    s.bg_gamma = gamma
    s.bg_opened = label
    s.bg_frames = _recorder()


def _recorder() -> FrameRecorder:
    """The run's GIF frames: 32 samples of the fixed z at each live redraw."""
    return FrameRecorder(make=lambda v: grid_frame(v.step, v.samples[:32]))


def _load(data: bytes, name: str, label: str) -> tuple[str, str] | None:
    """Continue from a checkpoint's bytes in this session's worker (paused). Checked here, built in
    the worker's process; a file that fails (not safetensors, a pickle, another kind, weights that do
    not fit) changes nothing: returns ("error", why)."""
    try:
        config, recipe = check_bytes(data, name)
        images = _images(config)
        _worker(config, images).load(data, config, images=images)
    except (CheckpointError, ValueError) as e:  # ValueError: its data set is not available here
        return "error", f"{name}: {e}. Nothing was changed."
    _opened(config, label)
    state = recipe["state"]
    return "success", (f"Continuing from {name}: step {int(state.get('step', 0)):,}, k_t = "
                       f"{float(state.get('objective', {}).get('k_t', 0.0)):.4f}, data {source_of(config)}. "
                       "Press Train / resume.")


def _open(path) -> None:
    """Load a shipped checkpoint into this session's worker (paused)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        st.session_state.bg_error = f"Cannot open {path.name}: {e}. Train from scratch below instead."
        return
    said = _load(data, path.name, path.name)
    if said[0] == "error":
        st.session_state.bg_error = f"Cannot open {said[1]} Train from scratch below instead."


def _upload() -> None:
    """File-uploader callback: continue from the uploaded checkpoint."""
    s = st.session_state
    f = s.get("bg_upload")
    if f is None:
        return
    if too_big(f):
        s.bg_upload_message = ("error", too_big(f))
        return
    s.bg_upload_message = _load(f.getvalue(), f.name, f"uploaded {f.name}")


def _from_scratch() -> None:
    """A fresh run with the recipe of the chosen checkpoint (or the defaults), on the chosen data."""
    s = st.session_state
    base = began_config()
    path = shipped.get(s.get("bg_ckpt"))
    if path is not None:
        try:
            base = check_bytes(path.read_bytes(), path.name)[0]
        except (CheckpointError, OSError):
            pass
    # The data set's name: "digits" is a data set of its own, any other (a folder, an upload) a folder run.
    data = {"dataset": "digits", "source": ""} if s.bg_source == "digits" else {"dataset": "folder", "source": s.bg_source}
    try:
        config = base.replace(**data, image_size=int(s.bg_size), began_gamma=float(s.bg_gamma), device="auto").validate()
        images = _images(config)
    except ValueError as e:
        s.bg_error = str(e)
        return
    _worker(config, images).replace(config, data=images)
    _opened(config, f"new run on {images.source if images is not None else 'scikit-learn digits'}")
    workers.get(KEY).start()


def _gamma_live() -> None:
    w = workers.get(KEY)
    if w is not None:
        w.update(began_gamma=float(st.session_state.bg_gamma))


# --- choose a run -------------------------------------------------------------------------------
linked = SCENE.start()
with st.sidebar:
    tour.next_scene_link("pages/3_BEGAN.py")
present = SCENE.sidebar()
SCENE.show_notes()
if not shipped:
    st.warning("No shipped BEGAN checkpoint was found (checkpoints/began_gamma*.safetensors). "
               "Train from scratch below, or run `python -m ganviz began --gamma 0.5 --out checkpoints/began_gamma0.5`.")
elif "bg_opened" not in st.session_state or "bg_ckpt" in linked:
    # A new session (or a link that names a checkpoint) opens a shipped checkpoint at once.
    gamma = st.session_state.bg_gamma
    _open(shipped[st.session_state.bg_ckpt])
    if "bg_gamma" in linked:  # the link's γ over the checkpoint's own
        st.session_state.bg_gamma = gamma
        _gamma_live()
elif "bg_gamma" in linked:
    _gamma_live()

with SCENE.group("run", "Run"):
    # One row that wraps on a narrow screen, each control as wide as its label (no label is cut).
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="small")
    if shipped:
        row.selectbox("Shipped checkpoint", list(shipped), format_func=lambda g: f"γ = {g:g}", key="bg_ckpt",
                      width=200)
        row.button("Open it", key="bg_open", on_click=lambda: _open(shipped[st.session_state.bg_ckpt]),
                   help="load the trained run: its weights, k_t, learning rate and curves")
    row.button("▶ Train / resume", key="bg_start", on_click=lambda: workers.get(KEY) and workers.get(KEY).start())
    row.button("⏸ Pause", key="bg_pause", on_click=lambda: workers.get(KEY) and workers.get(KEY).pause())
    row.button("↺ From scratch", key="bg_scratch", on_click=_from_scratch, type="primary",
               help="a new run with the same recipe, on the data chosen below, starting at k_t = 0")
    row.select_slider("γ (acts live)", options=GAMMAS, key="bg_gamma", on_change=_gamma_live, width=260,
                      help="the diversity ratio γ = E[L(G(z))] / E[L(x)] the controller aims for")

with SCENE.group("data", "Data"), st.expander("Data for a run from scratch"):
    d = st.columns([3, 1])
    choices = image_data.options()
    if st.session_state.get("bg_source") not in choices:
        st.session_state.bg_source = choices[0]
    d[0].selectbox("Data set", choices, format_func=image_data.label, key="bg_source",
                   help="the bundled digits, the folders this server's operator offers (GANVIZ_DATA_DIRS), "
                        "or your own upload below")
    d[1].selectbox("Image size", [16, 32], key="bg_size")
    st.file_uploader("your own images (.zip of images or idx files, or one idx .gz)", type=list(image_data.UPLOAD_TYPES), key="bg_images",
                     help=image_data.UPLOAD_HELP,
                     on_change=lambda: st.session_state.update(
                         bg_images_message=image_data.read_uploaded("bg_images", "bg_source")))
    message = st.session_state.pop("bg_images_message", None)
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])
SCENE.write()

if st.session_state.get("bg_error"):
    st.error(st.session_state.pop("bg_error"))
worker = workers.get(KEY)


# --- live ---------------------------------------------------------------------------------------
@st.fragment(run_every=1.0 if worker is not None and worker.running else None)
def live() -> None:
    w = workers.get(KEY)
    if w is None:
        st.info("Nothing loaded yet: press **From scratch** to train.")
        return
    v = w.snapshot()
    if v is None:
        st.info("The trainer's process is starting…")
        return
    st.markdown(f"{state_badge(w.state, w.sharing)} · {st.session_state.get('bg_opened', '')} · step **{v.step:,}** · "
                f"k_t = **{v.k_t:.4f}** · M_global = **{v.m_global:.4f}** · γ = {v.gamma:g} · "
                f"lr = {v.lr:.1e}" + (f" · {v.steps_per_second:.1f} steps/s" if v.steps_per_second else "")
                + f" on {v.device}")
    if v.error:
        st.error(v.error)
    st.session_state.setdefault("bg_frames", _recorder()).add(v)
    left, right = st.columns([1.3, 1])
    left.plotly_chart(SCENE.fit(curves_figure(v.curves)), key="bg_fig_curves", width="stretch",
                      config=png_config("ganviz_began_curves"))
    right.plotly_chart(SCENE.fit(image_grid(v.samples, 8, "Samples G(z), fixed z (refreshes live)", key="bg_grid")),
                       key="bg_fig_samples", width="stretch", config=png_config("ganviz_began_samples"))
    right.caption(f"Data: {v.data}. Dotted lines on M_global mark a halving of the learning rate "
                  "(when M_global stops improving, as in the paper).")


live()
# The objective beside its curves (Berthelot et al. 2017, eqs. 3-4 and Sec. 3.4.1).
f = st.columns(2)
f[0].latex(r"\mathcal{L}(v) = \mathbb{E}\,\lvert v - D(v)\rvert \qquad "
           r"\mathcal{L}_D = \mathcal{L}(x) - k_t\,\mathcal{L}(G(z_D)) \qquad \mathcal{L}_G = \mathcal{L}(G(z_G))")
f[1].latex(r"k_{t+1} = \operatorname{clip}_{[0,1]}\!\big(k_t + \lambda_k(\gamma\,\mathcal{L}(x) - \mathcal{L}(G(z_G)))\big)"
           r"\qquad M_{\rm global} = \mathcal{L}(x) + \lvert \gamma\,\mathcal{L}(x) - \mathcal{L}(G(z_G))\rvert")


# --- exports and checkpoints ----------------------------------------------------------------------
def _samples_png(v) -> bytes:
    return grid_png(grid_frame(v.step, v.samples))


def _exports() -> None:
    w = workers.get(KEY)
    # Download data is made after this run, outside it, where session state cannot be read: capture.
    recorder = st.session_state.setdefault("bg_frames", _recorder())
    frames = recorder.frames
    c = st.columns(4)
    download(c[0], "samples PNG", key="bg_dl_png", mime="image/png", file_name="ganviz_began_samples.png",
             data=lambda: _samples_png(w.snapshot()),
             help="the 64 samples of the fixed z, 4 screen pixels per pixel")
    download(c[1], f"run GIF ({len(frames)} frames)", key="bg_dl_gif", mime="image/gif",
             file_name="ganviz_began_run.gif", disabled=not frames,
             data=lambda: grid_gif(recorder.frames),
             help="32 samples of the fixed z, once a second while it trained (at most 120 frames)")
    download(c[2], "curves CSV", key="bg_dl_csv", mime="text/csv", file_name="ganviz_began_curves.csv",
             data=lambda: pd.DataFrame(w.snapshot().curves).to_csv(index=False),
             help="step, k_t, M_global, L(x), L(G(z)), G's lr as logged")
    download(c[3], "model (.safetensors)", key="bg_dl_model", mime="application/octet-stream",
             file_name="ganviz_began.safetensors", data=lambda: w.checkpoint_bytes(),
             help="weights, k_t, lr and the recipe with its history: upload it here to continue")
    cap_mb = min(MAX_BYTES // 2**20, st.get_option("server.maxUploadSize"))
    st.file_uploader(f"continue from a BEGAN checkpoint (.safetensors written by ganviz, at most {cap_mb} MB)",
                     type=["safetensors"], key="bg_upload", on_change=_upload)
    message = st.session_state.pop("bg_upload_message", None)
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])


if workers.get(KEY) is not None:
    with SCENE.group("export", "Export and checkpoints"), st.expander("Export and checkpoints", expanded=present):
        _exports()


# --- the gamma sweep ----------------------------------------------------------------------------
@st.cache_data(show_spinner="Judging the shipped checkpoints with the digit classifier…", max_entries=4)
def _sweep(stamp: tuple, n: int) -> tuple[list[dict], dict]:
    classifier = load_classifier(classifier_path())
    rows = sweep(classifier, n)
    grids = {r["gamma"]: load(r["checkpoint"]).sample(n=32) for r in rows}
    return rows, grids


def sweep_section() -> None:
    st.subheader("The gamma sweep: diversity against quality")
    st.markdown("Each shipped checkpoint was trained with one γ by `python -m ganviz began`. A small digit classifier "
                "(`python -m ganviz classifier`, 99% on held-out digits) judges 500 samples of each: **quality** = "
                "mean confidence, **class entropy** of the predicted digits (log 10 ≈ 2.30 when all ten are equally "
                "frequent), **pairwise distance** = mean RMS pixel difference between samples, **classes present** "
                "(≥ 1% of the samples). On the classifier's penultimate features: the **digit FID** (a Fréchet "
                "distance like FID, but on our digit classifier, not Inception; its floor is under the table), "
                "and **precision** (samples inside the real data's k = 5 neighbourhoods), **recall** (real digits inside the samples'), **density** and **coverage**.")
    if not shipped:
        return
    try:
        stamp = tuple((str(p), p.stat().st_mtime) for p in shipped.values()) + (str(classifier_path()),)
        rows, grids = _sweep(stamp, 500)
    except (CheckpointError, OSError) as e:
        st.error(f"The sweep cannot run: {e}")
    else:
        headers = {"gamma": "γ", "quality": "quality (mean confidence)", "class_entropy": "class entropy",
                   "pairwise_distance": "pairwise distance", "classes_present": "classes present",
                   "digit_fid": "digit FID", "precision": "precision", "recall": "recall",
                   "density": "density", "coverage": "coverage", "k_t": "k_t at the end", "steps": "steps"}
        st.dataframe([{h: r[k] for k, h in headers.items()} for r in rows], hide_index=True, width="stretch")
        cols = st.columns([1] * len(rows) + [1.6])
        for col, r in zip(cols, rows):
            grid = image_grid(grids[r["gamma"]], 8, f"γ = {r['gamma']:g}", key=f"sw{r['gamma']}")
            col.plotly_chart(SCENE.fit(grid), key=f"bg_fig_sweep_{r['gamma']}", width="stretch",
                             config=png_config(f"ganviz_sweep_{r['gamma']:g}"))
        cols[-1].plotly_chart(SCENE.fit(sweep_figure(rows)), key="bg_fig_sweep_chart", width="stretch",
                              config=png_config("ganviz_gamma_sweep"))
        floor = next((r["digit_fid_floor"] for r in rows if r.get("digit_fid_floor") is not None), None)
        said = "" if floor is None else (f"The digit FID's floor: {rows[0]['n']} real digits against the other "
                                         f"{rows[0]['n_real']} give {floor:.1f}. ")
        st.caption(said + "`python -m ganviz gamma-sweep --json` prints the same numbers.")


with SCENE.group("sweep", "The gamma sweep"):
    sweep_section()

try_this([
    "Open γ = 0.5, press **Train / resume**, then drag γ to 0.2: k_t starts falling within a few hundred steps "
    "(the generator must now be reconstructed 5 times better than the data); drag it to 0.9 and k_t climbs.",
    "Press **From scratch** and watch k_t start at 0, overshoot, and settle; M_global falls while the digits form.",
    "Compare the three sample grids of the sweep: γ = 0.3 draws one digit, γ = 0.5 eight kinds, γ = 0.7 all ten; "
    "the chart shows class entropy and pairwise distance rising with γ. Low γ asks the generator for fakes the "
    "autoencoder rebuilds far better than real digits, and the easiest way there is one simple digit.",
    "Upload a zip of your own images (or MNIST's t10k idx files) under *Data* and train from scratch.",
    "From a terminal: `python -m ganviz gamma-sweep --json`.",
])
