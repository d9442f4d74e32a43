"""Toy GAN lab: train any GAN of the family live on 2D or 1D toy data, alone or side by side."""

from ganviz import forkserver

# Before the imports below (torch and POT, ~5 s of CPU on a fresh server): the trainer process's own
# imports then run beside them instead of after them.
forkserver.warm_up()

import streamlit as st

from ganviz.plots.animation import gif_bytes
from ganviz.plots.toy import d_histogram, metrics_figure, samples_figure
from ganviz.plots.samples_view import samples_png
from ganviz.training import snapshot
from ganviz.training.export import FrameRecorder, history_csv
from ganviz.training.presets import PRESETS
from ganviz.ui import live_frames, own_data, scene, tour
from ganviz.ui import toy_controls as tc
from ganviz.ui.common import device_caption, download, page_frame, session_workers, state_badge, try_this

st.set_page_config(page_title="Toy GAN lab · ganviz", layout="wide")
page_frame(
    "Toy GAN lab",
    "Real samples are blue, generated ones orange. The grey background is what the discriminator "
    "thinks of each point (darker = higher), the purple mesh is the generator's warped noise grid, and "
    "the red arrows show where the generator's loss pushes its samples, their length |∇ₓ L_G| on one "
    "scale for the whole run (the key arrow, lower left). Watch the arrows shrink when a loss "
    "saturates, modes appear and disappear, and W1 fall towards its noise floor (dotted: W1 between "
    "two samples of the data itself) while the JS estimate falls too, but only as far as its own floor.",
)

ss = st.session_state
scene_notes = tc.read_scene(tc.default_config())
hidden, unknown_hidden = tc.hidden_groups()
with st.sidebar:
    tour.next_scene_link("pages/2_Toy_GAN_Lab.py")
    present = scene.presentation_toggle("toy_lab")
    with st.container(key="grp_presets"):
        st.subheader("Presets")
        # No story is shown until one is picked: the first one's sentence read as if it told this scene.
        preset = st.selectbox("story", list(PRESETS), key="preset_choice", index=None, placeholder="pick a story…")
        if preset:
            st.caption(PRESETS[preset].watch)
        st.button("Load preset", on_click=tc.apply_preset, args=(preset,), width="stretch", key="load_preset",
                  disabled=preset is None)
    st.subheader("Run A")
    base = tc.default_config()
    vals_a = tc.controls("a_", st.sidebar, base)
    with st.container(key="grp_compare"):
        compare = st.toggle("compare with run B (same seed and data)", key="compare")
        if compare:
            st.subheader("Run B")
            vals_b = tc.controls("b_", st.sidebar, base, full=False)
scene.presentation_style(present, hidden, tc.CONTROL_GROUPS)
for name in unknown_hidden:
    scene_notes.append(f"hide={name!r} is not a control group ({', '.join(tc.CONTROL_GROUPS)})")

try:
    cfg_a = tc.to_config(vals_a, base)
    cfg_b = tc.to_config({**vals_a, **vals_b}, base) if compare else None
except ValueError as e:
    st.error(f"These settings cannot train: {e}. Change the setting named above.")
    st.stop()

if scene_notes:
    st.warning("Some of this link's settings were not used as written:\n"
               + "\n".join(f"- {scene.escape_markdown(n)}" for n in scene_notes))
tc.write_scene(cfg_a, cfg_b, present)

reset = ss.pop("reset_requested", False)
workers = {"A": tc.sync_worker("toy_a", cfg_a, reset)}
if compare:
    workers["B"] = tc.sync_worker("toy_b", cfg_b, reset)
else:
    old_b = session_workers().get("toy_b")
    if old_b is not None:
        old_b.stop()

note = ss.get("preset_note")
if note and note[0] == preset:
    if present:  # at the projector the story is said aloud: one line, so the figure stays on the first screen
        with st.expander(f"Story: {note[0]}"):
            st.info(note[1])
    else:
        st.info(f"**{note[0]}** — {note[1]}")
for msg in ss.pop("restart_notes", []):
    st.toast(msg)

running = any(w.running for w in workers.values())
b1, b2, b3, b4, b5 = st.columns(5)


def _train(ws) -> None:
    for w in ws:
        w.start()


def _pause(ws) -> None:
    for w in ws:
        w.pause()


# Callbacks, one key per intent: a click that lands while the 5 Hz fragment reruns still runs its
# callback (a plain ``if st.button(...)`` was sometimes lost: the fragment's run reset the trigger).
if running:
    b1.button("Pause", type="primary", width="stretch", key="pause", on_click=_pause, args=(list(workers.values()),))
else:
    b1.button("Train", type="primary", width="stretch", key="train", on_click=_train, args=(list(workers.values()),))
if b2.button("Step D", width="stretch", disabled=running, key="step_d", help="one D step (the D-step count moves, "
             "the G step count does not)"):
    for w in workers.values():
        w.step_once("d")
if b3.button("Step G", width="stretch", disabled=running, key="step_g"):
    for w in workers.values():
        w.step_once("g")
if b4.button("Step both", width="stretch", disabled=running, key="step_both"):
    for w in workers.values():
        w.step_once("both")
if b5.button("Reset", width="stretch", key="reset"):
    for key, cfg in (("toy_a", cfg_a), ("toy_b", cfg_b)):
        if cfg is not None:
            tc.sync_worker(key, cfg, reset=True)
    st.rerun()
if not present:
    st.caption(device_caption())


PNG_EXPORT = {"toImageButtonOptions": {"format": "png", "width": 1600, "height": 1000, "filename": "ganviz"}}


def recorder(label: str) -> FrameRecorder:
    """The animation frames of run ``label`` in this session."""
    return ss.setdefault(f"frames_{label}", FrameRecorder(make=snapshot.frame))


# A new trainer sends its first snapshot a fraction of a second after it starts (forked from the
# forkserver): waited for here, the page is drawn once, with its figure, not "starting" and then again.
for w in workers.values():
    w.snapshot(timeout=5)
starting = any(w.state == "starting" for w in workers.values())


def _named(snaps: dict) -> dict:
    labels = note[2] if (note and note[0] == preset and compare) else ("A", "B")
    return {labels[i]: s for i, s in enumerate(snaps.values())}


# While a 2D run trains, its samples view is a picture that fetches its newest frame by itself, ~5
# new frames a second (ganviz.ui.live_frames); once a second only the status line is redrawn
# (``status_line``). Sent through page reruns 4.5 times a second, each picture cost the browser a
# re-render of the app. Starting, the page looks twice a second for the trainer.
STATUS_SECONDS, STARTING_SECONDS = 1.0, 0.5
PRESENT_EXTRA = 100  # px added to the samples view at the projector: it and Train fit 1080 px
# At the projector the picture's plot is 1.35 times as wide as high and its type 18 px: the picture is
# then 62% of the page's width at 1920 x 1080 (a square one, 49%; the first screen has no room for a
# taller one) and still fits its column at its own size.
PRESENT_ASPECT, PRESENT_TYPE_PX = 1.35, scene.PROJECTOR_TYPE_PX


def training_now() -> bool:
    """Whether a run of this page holds a trainer slot (trains, not queued)."""
    return any(w.state == "running" for w in workers.values())


training = training_now()


def status_text(name: str, s, w) -> str:
    ev = s.last_eval
    modes = f" · modes {ev['modes']}/{ev['n_modes']} · HQ {ev['hq']:.0%}" if "modes" in ev else ""
    # A rate only while it trains: one Step read "140 steps/s", and a queued run kept its old rate.
    rate = f" · {s.steps_per_second:.0f} steps/s" if w.state == "running" else ""
    return (f"**{name}: {s.objective}** on {s.dataset} · step {s.step} · D steps {s.d_steps}"
            f"{rate}{modes}  \n{state_badge(w.state, w.sharing)}")


@st.fragment(run_every=STATUS_SECONDS if running else None)
def status_line(label: str, name: str):
    """Run ``label``'s status line, on a timer while it trains. Only this line is redrawn each
    second: the picture fetches its frames by itself, and re-rendering it, the formulas and the
    captions with the line cost the browser ~0.1 of a core. It also keeps the picture drawn
    (``live_frames.renew``), on the run's arrow scale, and records the GIF's frames."""
    w = workers[label]
    s = w.snapshot(timeout=0)
    if s is None:
        return
    st.markdown(status_text(name, s, w))
    scale = tc.arrow_scale({k: v.snapshot(timeout=0) for k, v in workers.items()})
    if w.running and s.dim == 2:
        live_frames.renew(w, scale)
    recorder(label).add(s)
    if running and not any(v.running for v in workers.values()):
        st.rerun(scope="app")  # training ended (finished or diverged): stop the timers, fix the buttons
    if running and not starting and training_now() != training:
        st.rerun(scope="app")  # its turn began or ended: draw the metrics, or stop drawing them


@st.fragment(run_every=STARTING_SECONDS if starting else None)
def live_view():
    """The status lines and samples views. While a 2D run trains the view is a live picture drawn on
    the server (ganviz.plots.samples_view, ganviz.ui.live_frames): re-laying out the Plotly figure at every
    new snapshot took the browser about five times as long. Paused, the interactive figure comes back.
    A fragment only while the trainers start: it looks for them twice a second."""
    snaps = {label: w.snapshot(timeout=0) for label, w in workers.items()}  # the page has waited (above)
    if any(s is None for s in snaps.values()):
        if all(w.alive for w in workers.values()):
            st.info("Starting the trainer: a fresh Python process is loading PyTorch (a few seconds)…")
        else:
            st.error("The trainer process ended. Press Reset; if this repeats, the server is out of memory.")
        return
    if starting:
        st.rerun(scope="app")  # the trainers are up: redraw the buttons and stop polling
    scale = tc.arrow_scale(snaps)  # one arrow length scale for the run, shared by A and B
    raw, snaps = snaps, {label: snapshot.with_arrow_scale(s, scale) for label, s in snaps.items()}
    # One run: the figure, and beside it the losses it trains on. Two: the two figures side by side.
    cols = st.columns(len(snaps)) if len(snaps) > 1 else st.columns([3, 1])
    for col, (name, s), (label, w) in zip(cols, _named(snaps).items(), workers.items()):
        side = cols[1] if len(snaps) == 1 else col
        with side:
            status_line(label, name)
            if len(snaps) == 1:
                tc.show_losses(s.objective, w.config.reg.r1_gamma)
                if present:
                    st.caption(device_caption())
        with col:
            if s.error:
                st.error(s.error)
            height = (480 if len(snaps) > 1 else 560) + (PRESENT_EXTRA if present and len(snaps) == 1 else 0)
            # A fresh run (step 0) is the picture too: the page's first view then needs no Plotly (its
            # module costs a first visit ~2 s of the browser's CPU), there is nothing to explore yet, and
            # pressing Train keeps the same view.
            if s.dim == 2 and (w.running or s.step == 0):
                wide = present and len(snaps) == 1  # the lecture layout: 60% of the width
                live_frames.show(w, raw[label], height - 40, key=f"live_{label}", arrow_scale=scale,
                                 aspect=PRESENT_ASPECT if wide else 1.0, type_px=PRESENT_TYPE_PX if present else None,
                                 alt=f"{name}: real and generated samples, {s.surface_label} as grey, the warped "
                                 "noise grid and the G loss's arrows")
                st.caption("A live picture while it trains; pause for the interactive figure (zoom, hover, camera)."
                           if w.running else "Press Train to watch it learn; pause for the interactive figure "
                           "(zoom, hover, camera).")
            else:
                live_frames.stop_watching(w)
                st.plotly_chart(scene.projector(samples_figure(s, height=height), present), key=f"samples_{name}",
                                width="stretch", config=PNG_EXPORT)


# The curves change slowly (W1, JS and modes are measured every 250 steps, 3-4 s apart on a laptop's
# CPU): while a run trains the charts are rebuilt only when ``tc.charts_behind`` says so, and looked
# at every METRICS_SECONDS.
METRICS_SECONDS = 2.0


@st.fragment(run_every=METRICS_SECONDS if training else None)
def metrics_view():
    """Loss curves, W1, JS, modes and HQ, and the histogram of D(G(z)) (``tc.charts_behind`` says when
    they are redrawn)."""
    # Not waiting: the live view above has waited for the trainer already; if it is still starting,
    # the app's rerun once it is up draws these too, and the rest of the page shows meanwhile.
    snaps = {label: w.snapshot(timeout=0) for label, w in workers.items()}
    if any(s is None for s in snaps.values()):
        return
    if all(s.step == 0 for s in snaps.values()):
        st.caption("The curves (the losses, W1 and JS against their noise floors, modes, HQ) and the histogram of "
                   "D(G(z)) are drawn here once it trains.")
        return
    named = _named(snaps)
    # Built once per redraw: rebuilding a queued or slow run's figures every second for every tab held
    # the server's GIL (8 tabs starved the server).
    hit = ss.get("metrics_figs")
    if hit is None or hit[0] != (present, tuple(named)) or tc.charts_behind(hit[1], list(named.values()), training):
        metrics = metrics_figure(named, height=680 if present else 520, large=present)
        hit = ss["metrics_figs"] = ((present, tuple(named)), list(named.values()), scene.projector(metrics, present),
                                    scene.projector(d_histogram(named), present))
    left, right = st.columns([2, 1])
    left.plotly_chart(hit[2], key="metrics", width="stretch", config=PNG_EXPORT)
    right.plotly_chart(hit[3], key="dhist", width="stretch", config=PNG_EXPORT)


live_view()
metrics_view()

# The downloads' labels change slowly (the GIF gains a frame a second, shown in steps of five); re-rendering their
# buttons once a second cost the browser ~0.04 of a core beside a training run.
EXPORTS_SECONDS = 5.0


@st.fragment(run_every=EXPORTS_SECONDS if training else None)
def exports():
    """The downloads; a fragment on a timer while it trains (not while queued: a queued tab's status
    then stopped updating and it never started), so the GIF's frame count moves."""
    st.caption("The camera icon on each figure saves it as a PNG as drawn. Below: the samples view as a "
               "PNG and as an animated GIF of the run so far, the metrics as CSV, and the model itself."
               + (" Both runs: files named A and B, one CSV with A. and B. columns." if compare else ""))
    held_scale = tc.held_arrow_scale()  # read here: data= runs after the script, without session state
    for label, w in workers.items():
        c1, c2, c3, c4 = st.columns(4)
        tag = f"_{label}" if compare else ""
        run = f"run {label} " if compare else ""
        ready = w.snapshot(timeout=0)
        download(c1, f"{run}samples PNG", data=lambda w=w: samples_png(snapshot.with_arrow_scale(w.snapshot(), held_scale)),
                 file_name=f"ganviz_samples{tag}.png", mime="image/png", key=f"dl_png{tag}",
                 disabled=ready is None or ready.dim != 2)
        # Streamlit calls data= after the run, where session state cannot be read: hold the frames here.
        frames = recorder(label).frames
        download(c2, f"{run or 'run '}GIF ({len(frames)} frames)", data=lambda f=frames: gif_bytes(f),
                 file_name=f"ganviz_run{tag}.gif", mime="image/gif", key=f"dl_gif{tag}", disabled=len(frames) == 0)
        if label == "A":
            snaps_now = {k: v.snapshot for k, v in workers.items()}
            if compare:
                download(c3, "metrics CSV (A and B)", data=lambda: tc.compare_csv({k: f() for k, f in snaps_now.items()}),
                         file_name="ganviz_metrics_AB.csv", mime="text/csv", key="dl_csv")
            else:
                download(c3, "metrics CSV", data=lambda: history_csv(w.snapshot()), file_name="ganviz_metrics.csv",
                         mime="text/csv", key="dl_csv")
        download(c4, f"{run}model (.safetensors)", data=w.checkpoint_bytes, file_name=f"ganviz_toy{tag}.safetensors",
                 mime="application/octet-stream", key=f"dl_model{tag}")


own_data.section(default_open=cfg_a.dataset == "own")

with st.container(key="grp_export"), st.expander("Export and checkpoints"):
    exports()
    st.file_uploader("continue from a checkpoint (.safetensors written by ganviz, at most 16 MB)",
                     type=["safetensors"], key="upload", on_change=tc.load_checkpoint, args=("toy_a", "upload"))
    message = ss.pop("upload_message", None)
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])

try_this([
    "Load **NSGAN drops modes on ring8**, press Train, and count the modes; then load **Our default** and compare.",
    "Load **MMGAN saturates early**: run A's red arrows shrink against the key arrow while B's keep pulling.",
    "While WGAN trains, drag **clip c** from 0.01 to 0.1 and watch the critic's surface sharpen.",
    "Pick **began** and move **gamma** while it trains: k_t (bottom left chart) follows within a few hundred steps.",
    "Set the D learning rate to 5 with SGD: the run stops with a message and the page stays usable.",
])
