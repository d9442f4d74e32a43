"""Image lab: every objective of the family on handwritten digits with conv nets, measured live."""

from ganviz import forkserver

forkserver.warm_up()  # before the heavy imports: the trainer process's imports run beside them

import dataclasses  # noqa: E402

import streamlit as st  # noqa: E402

from ganviz.nets.factory import ARCHS  # noqa: E402
from ganviz.objectives import OBJECTIVES  # noqa: E402
from ganviz.plots.began import image_grid  # noqa: E402
from ganviz.plots.image_lab import classes_figure, fid_figure, losses_figure, measures_figure  # noqa: E402
from ganviz.training import image_snapshot  # noqa: E402
from ganviz.training.checkpoint import CheckpointError, check_bytes  # noqa: E402
from ganviz.training.config import FOLDER, STRUCTURAL, Tricks  # noqa: E402
from ganviz.training.presets_image import PRESETS  # noqa: E402
from ganviz.training.process_worker import ProcessWorker  # noqa: E402
from ganviz.training.recipes import image_recipe  # noqa: E402
from ganviz.training.shipped import shipped_images  # noqa: E402
from ganviz.ui import image_data  # noqa: E402
from ganviz.ui import image_presets as ip  # noqa: E402
from ganviz.ui import scene  # noqa: E402
from ganviz.ui import toy_controls as tc  # noqa: E402
from ganviz.ui.common import device_caption, page_frame, state_badge, try_this  # noqa: E402

st.set_page_config(page_title="Image lab · ganviz", layout="wide")
page_frame(
    "Image lab",
    "The same objectives as the toy lab, now on scikit-learn's 1,797 handwritten digits with DCGAN-style "
    "conv nets (or BEGAN's autoencoder pair); pick a **story** in the sidebar for a run that shows one lesson. "
    "The grid shows the same 32 latent codes at every step, so you watch the same digits form. Every 100 steps our digit classifier judges 256 samples: **mean "
    "confidence** and **precision** (are the samples like real digits?), **recall** and **coverage** (are "
    "all the real digits' kinds made?), the **class histogram** (a collapse onto a few digits shows as a few "
    "bars) and **digit FID**, the Fréchet distance on the classifier's features — not Inception FID — "
    "beside the value two halves of the real digits give (dotted).",
)
st.caption(device_caption())
KEY = "image_lab"
ss = st.session_state
UPLOAD_KEY = "im_upload"


def _label(option: str) -> str:
    return "stacked digits (1,000 modes)" if option == "stacked" else image_data.label(option)


def _data_fields(option: str) -> dict:
    """The config's data fields of a data option: a bundled set by name, anything else a folder run."""
    if option in ("digits", "stacked"):
        return {"dataset": option}
    return {"dataset": FOLDER, "source": option, "channels": 1}


with st.sidebar:
    present = scene.presentation_toggle("image_lab")
    with st.container(key="im_presets"):
        # No story is shown until one is picked: the first one's sentence read as if it told this scene.
        story = st.selectbox("story", list(PRESETS), key="im_story", index=None, placeholder="pick a story…")
        if story and ss.get("im_preset_note") != story:  # once loaded, the page says it above the run
            st.caption(PRESETS[story].watch)
        st.button("Load preset", on_click=ip.apply_preset, args=(story,), width="stretch", key="im_load_preset",
                  disabled=story is None)
    options = ["digits", "stacked", *image_data.options()[1:]]
    if ss.get(ip.DATA_KEY) not in options:  # a folder gone from the list, an upload of another session
        ss[ip.DATA_KEY] = "digits"
    data = st.selectbox("data", options, format_func=_label, key=ip.DATA_KEY,
                        help="the bundled digits, stacked digits (three digits as RGB), the folders this server's "
                             "operator offers (GANVIZ_DATA_DIRS), or your own upload below")
    with st.expander("your own images"):
        st.file_uploader("a .zip of images or idx files, or one idx .gz", type=list(image_data.UPLOAD_TYPES),
                         key=UPLOAD_KEY, help=image_data.UPLOAD_HELP,
                         on_change=lambda: ss.update(im_upload_message=image_data.read_uploaded(UPLOAD_KEY, ip.DATA_KEY,
                                                                                             "Train")))
    said = ss.pop("im_upload_message", None)
    if said:
        (st.error if said[0] == "error" else st.success)(said[1])
    default = image_recipe()
    # Defaults through session state, never as widget arguments: a preset writes these keys.
    for k, v in {"im_objective": default.objective, "im_seed": default.seed, "im_batch": default.batch,
                 "im_width": default.g_width}.items():
        ss.setdefault(k, v)
    objective = st.selectbox("objective", list(OBJECTIVES), key="im_objective",
                             help="the loss family; each comes with its paper's optimiser settings")
    energy = ip.is_energy(objective)
    # BEGAN's pair is an autoencoder D: only the energy objectives train it; BigGAN's projection D is a
    # score: only the others do.
    archs = [a for a in ARCHS if a != ("biggan" if energy else "began")]
    arch = st.radio("architecture", archs, key=ip.key("arch", objective),
                    horizontal=True, help="dcgan: conv G and D (BEGAN's autoencoder as D for energy objectives); "
                                          "began: BEGAN's decoder as G and its autoencoder as D; sagan: dcgan with "
                                          "self-attention at 8x8 and spectral norm in G (Zhang et al. 2019)")
    size = st.radio("image size", [16, 32], key="im_size", horizontal=True)
    seed = st.number_input("seed", 0, 10**6, step=1, key="im_seed")
    batch = st.select_slider("batch", ip.BATCHES, key="im_batch")
    width = st.select_slider("filters (G and D)", ip.WIDTHS, key="im_width",
                             help="channels of the first conv layer of G and of D; each layer further doubles them")
    try:
        base = image_recipe(objective=objective, seed=int(seed), image_size=size, arch=arch, batch=batch,
                            g_width=width, d_width=width, **_data_fields(data)).resolved()
    except ValueError as e:
        st.error(f"These settings cannot train: {e}. Choose another architecture or data set.")
        st.stop()

    def init(name, value):
        k = ip.key(name, objective)
        ss.setdefault(k, value)
        return k

    with st.expander("optimiser and settings", expanded=False):
        vals = {
            "lr_g": st.number_input("G learning rate", 1e-6, 1e-1, format="%.6f", step=1e-5, key=init("lr_g", base.lr_g)),
            "lr_d": st.number_input("D learning rate", 1e-6, 1e-1, format="%.6f", step=1e-5, key=init("lr_d", base.lr_d)),
            "n_critic": st.slider("D steps per G step", 1, 10, key=init("n_critic", base.n_critic)),
        }
        if not energy:
            vals["spectral_norm"] = st.toggle("spectral norm on D", key=init("spectral_norm", bool(base.spectral_norm)))
            # R1's useful strengths span decades on images (the toy lab's slider stops at 10).
            vals["r1_gamma"] = st.select_slider("R1 gamma", ip.R1_GAMMAS, key=init("r1_gamma", base.reg.r1_gamma),
                                                help=tc.HELP["r1_gamma"])
            for f in dataclasses.fields(Tricks):
                if f.name in ip.SCORE_TRICKS:  # the ones that matter on images (the toy lab has the rest)
                    vals[f.name] = tc.setting_widget(f, init, getattr(base.tricks, f.name))
        for f in dataclasses.fields(OBJECTIVES[objective].Params):
            vals[f.name] = tc.setting_widget(f, init, getattr(base.params, f.name))

try:
    cfg = base.replace(**vals).validate()
except ValueError as e:
    st.error(f"These settings cannot train: {e}. Change the setting named above.")
    st.stop()

note = ss.get("im_preset_note")
if note is not None:
    if cfg.to_dict() == ip.preset_config(note).resolved().to_dict():
        st.info(f"**{note}.** {PRESETS[note].watch}")
    else:  # the sentence is about the preset's run: once a setting moves it no longer is
        ss.pop("im_preset_note")


def _structural_change(old, new) -> bool:
    a, b = old.resolved().to_dict(), new.resolved().to_dict()
    return any(a.get(f) != b.get(f) for f in STRUCTURAL)


def _shipped_run(cfg):
    """(name, path, its config, its recipe) of the shipped image run trained with exactly ``cfg``'s
    settings (checkpoints/image_*.safetensors), or None."""
    want = cfg.resolved().to_dict()
    for name, path in shipped_images().items():
        try:
            config, recipe = check_bytes(path.read_bytes(), ("image",), "the image lab")
        except (CheckpointError, OSError):
            continue
        if config.resolved().to_dict() == want:
            return name, path, config, recipe
    return None


def _open_shipped(w, cfg) -> None:
    """A new run whose settings are a shipped run's opens that run, trained and paused."""
    found = _shipped_run(cfg)
    if found is None or w.running:
        return
    name, path, config, recipe = found
    try:
        w.load(path.read_bytes(), config)
    except (CheckpointError, OSError) as e:
        ss["im_opened"] = ("error", f"Cannot open the shipped run {path.name}: {e}. Press Train to train from step 0.")
        return
    ss["im_opened"] = ("info", f"Opened the shipped run **{path.stem}**, trained {int(recipe['state']['step']):,} "
                               f"steps by `{recipe.get('command', '?')}`. Train goes on from there; Reset starts "
                               "again at step 0.")


def sync(cfg, reset: bool):
    """This session's worker on ``cfg``. A folder's images are opened here, by name, and go to the
    trainer's process with a new run; the bundled sets are opened there (``tc.sync_worker``). A new
    run with a shipped run's settings opens that run (not after Reset)."""
    make, take = image_snapshot.make_trainer, image_snapshot.take
    w = tc.session_workers().get(KEY)
    fresh = w is None or not w.alive or reset or _structural_change(w.config, cfg)
    if fresh:
        ss.pop("im_opened", None)
    if cfg.dataset != FOLDER or not fresh:
        w = tc.sync_worker(KEY, cfg, reset, make=make, take=take)
        if fresh and not reset:
            _open_shipped(w, cfg)
        return w
    images = image_data.open_source(cfg.source, cfg.image_size, cfg.channels)  # ValueError: not available here
    if w is None or not w.alive:
        return tc.session_workers().put(KEY, ProcessWorker(make, cfg, take, data=images))
    w.replace(cfg, data=images)
    return w


scene.presentation_style(present)
reset = st.session_state.pop("im_reset", False)
try:
    worker = sync(cfg, reset)
except ValueError as e:
    st.error(f"Cannot open the data set {_label(data)}: {e} Choose the digits or another data set.")
    st.stop()
if ss.get("im_opened"):
    kind, text = ss["im_opened"]
    (st.error if kind == "error" else st.info)(text)
b1, b2, _ = st.columns([1, 1, 4])
if worker.running:
    b1.button("Pause", type="primary", width="stretch", key="im_pause", on_click=worker.pause)
else:
    b1.button("Train", type="primary", width="stretch", key="im_train", on_click=worker.start)
if b2.button("Reset", width="stretch", key="im_reset_button"):
    ss["im_reset"] = True
    st.rerun()


GRID_PRESENT_PX = 420  # the sample grid's height at the projector (190 px elsewhere): inside the first screen


@st.fragment(run_every=1.0 if worker.running or worker.state == "starting" else None)
def live_view() -> None:
    w = tc.session_workers().get(KEY)
    snap = w.snapshot(timeout=0) if w is not None else None
    if snap is None:
        st.info("Starting the trainer (it judges its first samples before step 0)…")
        return
    rate = f" · {snap.steps_per_second:.1f} steps/s" if w.state == "running" else ""
    c, side = snap.samples.shape[1], snap.samples.shape[-1]
    st.markdown(f"{state_badge(w.state, w.sharing)} · {snap.objective} · step **{snap.step:,}**{rate} · "
                f"{'grey' if c == 1 else f'{c}-channel'} {side}×{side} images")
    if snap.error:
        st.error(snap.error)
    # At the projector the grid is over twice as high (its column wider) and ends inside the first screen.
    left, right = st.columns([2, 1] if present else [3, 2])
    with left:
        grid = image_grid(snap.samples, cols=8, title="samples of the same 32 codes", key="im_grid",
                          height=GRID_PRESENT_PX if present else None)
        st.plotly_chart(scene.projector(grid, present), key="im_grid_chart")
        st.plotly_chart(scene.projector(losses_figure(snap.history), present), key="im_losses")
    with right:
        if snap.not_judged:
            st.info(f"Not judged: {snap.not_judged}.")
        elif snap.judged == "stacked" and snap.measures:
            last = snap.measures[-1]
            n = image_snapshot.STACKED_N
            st.caption(f"step {last['step']:,}: **{last['modes_captured']:,} of 1,000 modes** among {n:,} samples "
                       f"(a perfect generator: {snap.perfect[0]:.0f}) · KL to uniform {last['kl_to_uniform']:.2f} "
                       f"(perfect: {snap.perfect[1]:.2f}) · digits per channel {', '.join(map(str, last['channel_classes']))}. "
                       "A sample's mode is the triple of its channels' digits, each read by our classifier.")
            st.dataframe([{"step": r["step"], "modes of 1,000": r["modes_captured"], "KL to uniform": round(r["kl_to_uniform"], 3),
                           "digits per channel": " ".join(map(str, r["channel_classes"]))} for r in snap.measures[::-1]],
                         hide_index=True, key="im_stacked_table")
        elif snap.measures:
            last = snap.measures[-1]
            st.caption(f"step {last['step']:,}: confidence {last['quality']:.2f} · {last['classes_present']} classes · "
                       f"precision {last['precision']:.2f} · recall {last['recall']:.2f} · "
                       f"digit FID {last['digit_fid']:.0f} (real vs real {snap.fid_floor:.0f})")
            st.plotly_chart(scene.projector(classes_figure(snap.class_shares), present), key="im_classes")
            st.plotly_chart(scene.projector(measures_figure(snap.measures), present), key="im_measures")
            st.plotly_chart(scene.projector(fid_figure(snap.measures, snap.fid_floor), present), key="im_fid")


live_view()

try_this([
    "Load **NSGAN collapses** and watch recall fall under 0.01 and digits drop out of the class histogram; then load "
    "**R1 keeps all ten**: the same run with R1 on D.",
    "Choose **stacked digits**: three digits in the three colour channels make 1,000 modes; the table counts "
    "how many of them the samples reach.",
    "Upload a zip of your own grey images under *your own images* and train on them.",
])
