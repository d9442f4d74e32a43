"""Spectra: the singular values of every layer over training, live (BigGAN's diagnosis of collapse)."""

import streamlit as st

st.set_page_config(page_title="ganviz · Spectra", layout="wide")

from ganviz.plots.animation import gif_bytes, png_bytes  # noqa: E402
from ganviz.plots.began import image_grid  # noqa: E402
from ganviz.plots.spectra import layer_names, ratio_figure, sigma0_figure, spectrum_heatmap  # noqa: E402
from ganviz.training import snapshot  # noqa: E402
from ganviz.training.export import FrameRecorder, spectra_csv  # noqa: E402
from ganviz.training.presets_spectra import (  # noqa: E402
    DATA, PRESETS, SENTENCES, TOGGLES, data_of, new_trainer, preset_config, take)
from ganviz.training.process_worker import ProcessWorker  # noqa: E402
from ganviz.ui import tour  # noqa: E402
from ganviz.ui.common import device_caption, download, page_frame, session_workers, state_badge, try_this  # noqa: E402
from ganviz.ui.scene import Param, Scene, choice, flag, png_config  # noqa: E402

KEY = "spectra"
MAX_STEPS = 20_000
BETAS = [0.0, 1e-5, 1e-4, 1e-3, 1e-2]
CLAMPS = [0.0, 1.0, 2.0, 3.0, 5.0, 10.0]
GAMMAS = [0.0, 0.1, 1.0, 10.0, 100.0]

page_frame(
    "Spectra",
    "Every layer's weight W (a conv reshaped to (out, -1)) has singular values "
    "σ₀ ≥ σ₁ ≥ …; σ₀ is how much the layer can stretch its input. BigGAN (Brock et al. 2019) "
    "watched σ₀ of every layer and saw it grow, then explode, as training collapsed. Train a toy GAN "
    "below and watch **σ₀ of each layer against the number of modes captured**: with the *collapse* "
    "preset (NSGAN on the 25-mode grid, a high learning rate, no regulariser) σ₀ of the hidden layers "
    "climbs past 15 and the generator settles on about half of the modes; the *fix* preset adds R1 "
    "(γ = 0.1): D's σ₀ levels off near 7 and (nearly) all 25 modes appear. With spectral norm, D's "
    "effective weights W_SN sit at σ₀ ≈ 1. Pick **digits** to watch the conv layers of a DCGAN on "
    "handwritten digits, with a sample grid and our digit classifier's measures beside the spectra.",
)
st.caption(device_caption())

workers = session_workers()


# The toggles' widget keys and the config fields they set.
WIDGETS = {"sp_sn": "spectral_norm", "sp_beta": "ortho_beta", "sp_clamp": "sigma_clamp", "sp_r1": "r1_gamma"}


def _toggle_values(values: dict) -> dict:
    return {key: values[field] for key, field in WIDGETS.items()}


DEFAULTS = _toggle_values(PRESETS["collapse"])
SCENE = Scene("spectra", {
    "preset": Param("sp_preset", "collapse", choice(PRESETS)),
    "sn": Param("sp_sn", DEFAULTS["sp_sn"], flag),
    "beta": Param("sp_beta", DEFAULTS["sp_beta"], choice(BETAS)),
    "clamp": Param("sp_clamp", DEFAULTS["sp_clamp"], choice(CLAMPS)),
    "r1": Param("sp_r1", DEFAULTS["sp_r1"], choice(GAMMAS)),
}, groups=("run", "toggles", "export"))


def _config():
    s = st.session_state
    return preset_config(s.sp_preset, spectral_norm=s.sp_sn, ortho_beta=s.sp_beta, sigma_clamp=s.sp_clamp,
                         r1_gamma=s.sp_r1)


def _rebuild() -> None:
    """A new run from the preset and the toggles (spectral norm changes the network), trained in the
    worker's process (never in the server)."""
    try:
        config = _config()
    except ValueError as e:
        st.session_state.sp_error = str(e)
        return
    w = workers.get(KEY)
    if w is None:
        workers.put(KEY, ProcessWorker(new_trainer, config, take, max_steps=MAX_STEPS))
    else:
        w.replace(config, MAX_STEPS)
    st.session_state.sp_frames = FrameRecorder(make=snapshot.frame)
    st.session_state.pop("sp_arrows", None)  # a new run fixes its own arrow scale


def _arrows(snap):
    """``snap`` with its arrows on the run's one length scale (fixed once, as in the toy lab)."""
    return snapshot.with_arrow_scale(snap, st.session_state.setdefault("sp_arrows", snapshot.RunArrowScale())([snap]))


def _load_preset(name: str) -> None:
    st.session_state.sp_preset = name
    st.session_state.update(_toggle_values(PRESETS[name]))
    _rebuild()
    workers.get(KEY).start()


def _pick_data() -> None:
    """The radio picked points or digits: that data's first preset (its collapse), paused."""
    name = DATA[st.session_state.sp_data][0]
    st.session_state.sp_preset = name
    st.session_state.update(_toggle_values(PRESETS[name]))
    _rebuild()


def _live_change() -> None:
    """Orthogonal regularisation, the sigma clamp and R1 act at the next step, no reset needed."""
    s = st.session_state
    try:
        workers.get(KEY).update(ortho_beta=s.sp_beta, sigma_clamp=s.sp_clamp, r1_gamma=s.sp_r1)
    except ValueError as e:
        s.sp_error = str(e)


if workers.get(KEY) is not None and any(k not in st.session_state for k in WIDGETS):
    # Streamlit forgets widget values when the user visits another page: show the running config.
    st.session_state.update(_toggle_values(workers.get(KEY).config.to_dict()))
linked = SCENE.start()
if "sp_preset" in linked:  # a link's preset sets the toggles the link does not name
    st.session_state.update({k: v for k, v in _toggle_values(PRESETS[st.session_state.sp_preset]).items()
                             if k not in linked})
if workers.get(KEY) is None or linked:
    _rebuild()
worker = workers.get(KEY)
data = data_of(st.session_state.sp_preset)
st.session_state.sp_data = data  # the radio shows the data of the preset (a link names only the preset)
with st.sidebar:
    tour.next_scene_link("pages/5_Spectra.py")
SCENE.sidebar()
SCENE.show_notes()

# --- controls -----------------------------------------------------------------------------------
with SCENE.group("run", "Presets and run"):
    # One row that wraps on a narrow screen, each button as wide as its label (no label is cut).
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="small")
    row.radio("Data", list(DATA), key="sp_data", horizontal=True, on_change=_pick_data,
              format_func={"points": "toy points (grid25)", "digits": "digits (16×16, conv nets)"}.get,
              help="points: the toy MLPs on the 25-mode grid; digits: DCGAN-style conv G and D on scikit-learn's "
                   "handwritten digits. Resets the run")
    labels = {"collapse": "collapse", "fix": "fix (R1)", "spectral_norm": "SN"}
    helps = {"collapse": "NSGAN on grid25, lr 5e-3, no regulariser: about half of the 25 modes",
             "fix": "the same run with R1 (γ = 0.1) on D",
             "spectral_norm": "the same run with spectral norm on D: W_SN stays at σ₀ ≈ 1",
             "digits_collapse": "NSGAN on digits, lr 2e-2, batch 16, no regulariser",
             "digits_fix": "the same run with R1 (γ = 100) on D",
             "digits_sn": "the same run with spectral norm on D"}
    for name in DATA[data]:
        kind = name.removeprefix("digits_").replace("sn", "spectral_norm")
        label = labels[kind] if data == "points" else {"fix": "fix (R1 γ = 100)"}.get(kind, labels[kind])
        row.button(f"Preset: {label}", key=f"sp_preset_{name}", on_click=_load_preset, args=(name,), help=helps[name])
    row.button("▶ Start", key="sp_start", on_click=lambda: workers.get(KEY).start())
    row.button("⏸ Pause", key="sp_pause", on_click=lambda: workers.get(KEY).pause())
    row.button("↺ Reset", key="sp_reset", on_click=_rebuild)
    cfg = PRESETS[st.session_state.sp_preset]
    if data == "points":
        st.caption(f"Preset **{st.session_state.sp_preset}**: {cfg['objective']} on {cfg['dataset']}, "
                   f"lr {cfg['lr_g']:g}, width {cfg['g_width']}; spectra recorded every 25 steps.")
    else:
        st.caption(f"Preset **{st.session_state.sp_preset}**: {cfg['objective']} on 16×16 digits, DCGAN-style conv G "
                   f"and D of {cfg['g_width']} filters, lr {cfg['lr_g']:g}, batch {cfg['batch']}, seed {cfg['seed']}; "
                   "spectra recorded every 25 steps, 256 samples judged every 50. "
                   + SENTENCES[st.session_state.sp_preset])

with SCENE.group("toggles", "Regularisers"):
    t = st.columns(4)
t[0].toggle("Spectral norm on D", key="sp_sn", on_change=_rebuild,
            help="W_SN = W / σ₀, σ₀ = uᵀWv from power iterations with u kept between steps (Miyato et al. "
                 "2018): one per training forward of D, so 2 per step here (D's step, then G's), 3 with R1 (its "
                 "gradient pass), n_critic·(1 + R1) + 1 in general; drawing the page adds none. Resets the run")
t[1].select_slider("Orthogonal reg. β", options=BETAS, key="sp_beta", on_change=_live_change,
                   help="β ‖W Wᵀ ⊙ (1 − I)‖²_F added to both losses (BigGAN uses 1e-4); acts live")
t[2].select_slider("σ₀ clamp (0 = off)", options=CLAMPS, key="sp_clamp", on_change=_live_change,
                   help="after each step W ← W − max(0, σ₀ − clamp) u₀ v₀ᵀ in G and D; acts live")
t[3].select_slider("R1 γ", options=GAMMAS, key="sp_r1", on_change=_live_change,
                   help="(γ/2) E_real ‖∇ₓ D(x)‖² on D (Mescheder et al. 2018); acts live")

SCENE.write()

if st.session_state.get("sp_error"):
    st.error(st.session_state.pop("sp_error"))


# --- live figures -------------------------------------------------------------------------------
def _digits(images, measures: list[dict], floor: float) -> None:
    """The sample grid of the run's fixed codes and the classifier's latest measures beside it."""
    left, right = st.columns([2, 3])
    left.plotly_chart(SCENE.fit(image_grid(images[:16], cols=8, title="samples of 16 fixed codes", key="sp_grid",
                                           height=150)),
                      key="sp_fig_grid", width="stretch", config=png_config("ganviz_spectra_digits"))
    if not measures:
        right.info("No classifier checkpoint here (checkpoints/digit_classifier): the samples are not judged.")
        return
    m = measures[-1]
    best = min(measures, key=lambda r: r["digit_fid"])
    right.markdown(
        f"**Step {m['step']:,}**, 256 samples judged by our digit classifier: **{m['classes_present']} "
        f"{'class' if m['classes_present'] == 1 else 'classes'}** present, class entropy **{m['class_entropy']:.2f}** (ln 10 = 2.30 when all are equally made), "
        f"confidence {m['quality']:.2f}, precision **{m['precision']:.2f}**, recall {m['recall']:.2f}, "
        f"digit FID **{m['digit_fid']:.0f}** (real vs real at the same n: {floor:.0f}; this run's best so far "
        f"{best['digit_fid']:.0f}, at step {best['step']:,}).")
    right.caption("Digit FID is the Fréchet distance on our classifier's features, not Inception FID: lower is better, "
                  "and it is read against the real-vs-real value. Classes present is the top panel of each σ₀ figure.")


@st.fragment(run_every=1.0 if worker.running else None)
def live() -> None:
    w = workers.get(KEY)
    v = w.snapshot()
    if v is None:
        st.info("The trainer's process is starting…")
        return
    view = v.view
    st.markdown(f"{state_badge(w.state, w.sharing)} · step **{view['step']}** · {view['steps_per_second']:.0f} steps/s · "
                + ", ".join(f"{k} = {view['config'][k]}" for k in TOGGLES))
    if v.error:
        st.error(v.error + " Press Reset (or pick a preset) to start again.")
    if v.images is not None:
        _digits(v.images, view["measures"], view["fid_floor"])
    elif w.running or not st.session_state.setdefault("sp_frames", FrameRecorder(make=snapshot.frame)).frames:
        st.session_state.sp_frames.add(_arrows(v.samples))  # the samples, for the run's GIF
    cols = st.columns(2)
    for col, net in zip(cols, ("G", "D")):
        sp = view["spectra"].get(net)
        if not sp or not sp["raw"]:
            col.info(f"{net}: nothing recorded yet. Press Start.")
            continue
        raw, sn = sp["raw"], sp["normalised"]
        with col:
            counted = "classes" if v.images is not None else "modes"
            st.plotly_chart(SCENE.fit(sigma0_figure(raw, f"{net}: σ₀ of each layer (log scale)", normalised=sn or None,
                                                    modes=view["modes"] if view["modes"][2] else None, key=f"s0{net}",
                                                    net=net, counted=counted)),
                            key=f"sp_fig_sigma0_{net}", width="stretch", config=png_config(f"ganviz_sigma0_{net}"))
            st.plotly_chart(SCENE.fit(ratio_figure(raw, f"{net}: σ₀ / σ₁", key=f"r{net}", net=net)), key=f"sp_fig_ratio_{net}",
                            width="stretch", config=png_config(f"ganviz_ratio_{net}"))
            names, labels = list(raw), layer_names(raw, net)
            layer = st.selectbox(f"{net} layer for the full spectrum", names, index=min(1, len(names) - 1),
                                 format_func=labels.get, key=f"sp_layer_{net}")
            heat = spectrum_heatmap(raw[layer], f"{labels[layer]}: every σᵢ over the steps", key=f"h{net}")
            st.plotly_chart(SCENE.fit(heat), key=f"sp_fig_heat_{net}", width="stretch",
                            config=png_config(f"ganviz_spectrum_{net}"))
            if sn:
                sn_labels = layer_names(sn, net)
                last = {sn_labels[n]: float(s.sigma0[-1]) for n, s in sn.items()}
                st.caption("Under spectral norm, solid lines are the raw weight W (`parametrizations.weight."
                           "original`), dotted lines W_SN = W / uᵀWv, what the layer multiplies by. σ₀(W_SN) "
                           "now: " + ", ".join(f"{k} {v:.3f}" for k, v in last.items()) + ". It sits above 1 "
                           "where σ₀ ≈ σ₁: two or three power iterations per step then underestimate σ₀.")
    st.caption("Spectral norm here acts on D only (as in SNGAN); the clamp and orthogonal regularisation act on "
               "both networks. The heatmap shows the raw weight.")


live()

with SCENE.group("export", "Export"), st.expander("Export"):
    if data == "points":
        st.caption("The camera icon on each figure saves it as a 1600 × 1000 PNG. Below: every recorded singular "
                   "value as CSV; the samples (blue real, orange generated, D's surface in grey) as a PNG and as a "
                   "GIF over the run, one frame per second of training; the model as a toy-lab checkpoint.")
    else:
        st.caption("The camera icon on each figure (the sample grid's too) saves it as a 1600 × 1000 PNG. Below: every "
                   "recorded singular value as CSV, and the model as a checkpoint.")
    e = st.columns(4)
    download(e[0], "σ history CSV", key="sp_dl_csv", mime="text/csv", file_name="ganviz_spectra.csv",
             data=lambda: spectra_csv(worker.snapshot().view["spectra"]),
             help="net, weight (raw or W_SN), layer, step, σ₀, σ₁, σ₀/σ₁ and the whole spectrum")
    if data == "points":
        # Download data is made after this run, outside it, where session state cannot be read: capture.
        arrow_scale = st.session_state.setdefault("sp_arrows", snapshot.RunArrowScale()).scale
        download(e[1], "samples PNG", key="sp_dl_png", mime="image/png", file_name="ganviz_spectra_samples.png",
                 data=lambda: png_bytes(snapshot.with_arrow_scale(worker.snapshot().samples, arrow_scale)))
        recorder = st.session_state.setdefault("sp_frames", FrameRecorder(make=snapshot.frame))
        frames = recorder.frames
        download(e[2], f"run GIF ({len(frames)} frames)", key="sp_dl_gif", mime="image/gif",
                 file_name="ganviz_spectra_run.gif", disabled=not frames,
                 data=lambda: gif_bytes(recorder.frames))
    download(e[3], "model (.safetensors)", key="sp_dl_model", mime="application/octet-stream",
             file_name="ganviz_spectra.safetensors",
             data=lambda: worker.checkpoint_bytes(),
             help="opens in the toy lab (points) and in `python -m ganviz spectra --checkpoint PATH`")

try_this([
    "Press **Preset: collapse** and watch the modes panel: while it stalls near 12 of 25, which layer's σ₀ climbs?",
    "Press **Preset: fix (R1)**: D's σ₀ levels off near 7 and the modes panel climbs towards 25.",
    "Press **Preset: SN** (spectral norm on D): D's dotted W_SN lines stay near 1 while the raw W grows; count the modes.",
    "Pick **digits** and press **Preset: collapse**, then Start: which of G's conv layers jumps when the classes "
    "panel falls? Open its heatmap below.",
    "On digits press **Preset: fix (R1 γ = 100)**: G's σ₀ grows slowly and all 10 classes stay; compare its digit FID "
    "and precision with the collapse run's best before it collapsed.",
    "During the collapse run, set the σ₀ clamp to 3 and watch D's hidden layers flatten at 3 (the head too).",
    "Set orthogonal regularisation β = 1e-3: the heatmap's spectrum flattens (σ₀ / σ₁ falls towards 1).",
    "From a terminal: `python -m ganviz spectra --checkpoint PATH --json` prints every layer's singular values.",
    "Copy the address bar: the link reopens this preset with these regularisers (paused; press Start).",
])
