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
from ganviz.training.recipes import image_recipe  # noqa: E402
from ganviz.ui import toy_controls as tc  # noqa: E402
from ganviz.ui.common import device_caption, page_frame, state_badge  # noqa: E402

st.set_page_config(page_title="Image lab · ganviz", layout="wide")
page_frame(
    "Image lab",
    "The same objectives as the toy lab, now on scikit-learn's 1,797 handwritten digits with DCGAN-style "
    "conv nets (or BEGAN's autoencoder pair). The grid shows the same 32 latent codes at every step, so you "
    "watch the same digits form. Every 100 steps our digit classifier judges 256 samples: **mean "
    "confidence** and **precision** (are the samples like real digits?), **recall** and **coverage** (are "
    "all the real digits' kinds made?), the **class histogram** (a collapse onto a few digits shows as a few "
    "bars) and **digit FID**, the Fréchet distance on the classifier's features — not Inception FID — "
    "beside the value two halves of the real digits give (dotted).",
)
st.caption(device_caption())
KEY = "image_lab"
ss = st.session_state

with st.sidebar:
    objective = st.selectbox("objective", list(OBJECTIVES), index=list(OBJECTIVES).index("nsgan"), key="im_objective",
                             help="the loss family; each comes with its paper's optimiser settings")
    energy = OBJECTIVES[objective].discriminator == "autoencoder"
    # BEGAN's pair is an autoencoder D: only the energy objectives train it; BigGAN's projection D is a
    # score: only the others do.
    archs = [a for a in ARCHS if a != ("biggan" if energy else "began")]
    arch = st.radio("architecture", archs, key=f"im_arch_{energy}",
                    horizontal=True, help="dcgan: conv G and D (BEGAN's autoencoder as D for energy objectives); "
                                          "began: BEGAN's decoder as G and its autoencoder as D; sagan: dcgan with "
                                          "self-attention at 8x8 and spectral norm in G (Zhang et al. 2019)")
    size = st.radio("image size", [16, 32], key="im_size", horizontal=True)
    seed = st.number_input("seed", 0, 10**6, 0, step=1, key="im_seed")
    base = image_recipe("digits", objective, seed=int(seed), image_size=size, arch=arch).resolved()
    with st.expander("optimiser and settings", expanded=False):
        vals = {
            "lr_g": st.number_input("G learning rate", 1e-6, 1e-1, base.lr_g, format="%.6f", step=1e-5, key=f"im_lr_g@{objective}"),
            "lr_d": st.number_input("D learning rate", 1e-6, 1e-1, base.lr_d, format="%.6f", step=1e-5, key=f"im_lr_d@{objective}"),
            "n_critic": st.slider("D steps per G step", 1, 10, base.n_critic, key=f"im_n_critic@{objective}"),
        }
        if not energy:
            vals["r1_gamma"] = st.slider("R1 gamma", 0.0, 10.0, 0.0, key="im_r1", help=tc.HELP["r1_gamma"])
            vals["spectral_norm"] = st.toggle("spectral norm on D", bool(base.spectral_norm), key=f"im_sn@{objective}")
            vals["minibatch_kernels"] = st.slider("minibatch discrimination kernels", 0, 16, 0, key="im_mbd",
                                                  help=tc.HELP["minibatch_kernels"])
            vals["feature_matching"] = st.toggle("feature matching", False, key="im_fm")

        def init(name, value):
            key = f"im_{name}@{objective}"
            ss.setdefault(key, value)
            return key

        for f in dataclasses.fields(OBJECTIVES[objective].Params):
            vals[f.name] = tc.setting_widget(f, init, getattr(base.params, f.name))

try:
    cfg = base.replace(**vals).validate()
except ValueError as e:
    st.error(f"These settings cannot train: {e}. Change the setting named above.")
    st.stop()

reset = st.session_state.pop("im_reset", False)
worker = tc.sync_worker(KEY, cfg, reset, make=image_snapshot.make_trainer, take=image_snapshot.take)
b1, b2, _ = st.columns([1, 1, 4])
if worker.running:
    b1.button("Pause", type="primary", width="stretch", key="im_pause", on_click=worker.pause)
else:
    b1.button("Train", type="primary", width="stretch", key="im_train", on_click=worker.start)
if b2.button("Reset", width="stretch", key="im_reset_button"):
    ss["im_reset"] = True
    st.rerun()


@st.fragment(run_every=1.0 if worker.running or worker.state == "starting" else None)
def live_view() -> None:
    w = tc.session_workers().get(KEY)
    snap = w.snapshot(timeout=0) if w is not None else None
    if snap is None:
        st.info("Starting the trainer (it judges its first samples before step 0)…")
        return
    rate = f" · {snap.steps_per_second:.1f} steps/s" if w.state == "running" else ""
    st.markdown(f"{state_badge(w.state, w.sharing)} · {snap.objective} · step **{snap.step:,}**{rate}")
    if snap.error:
        st.error(snap.error)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(image_grid(snap.samples, cols=8, title="samples of the same 32 codes", key="im_grid"),
                        key="im_grid_chart")
        st.plotly_chart(losses_figure(snap.history), key="im_losses")
    with right:
        if snap.measures:
            last = snap.measures[-1]
            st.caption(f"step {last['step']:,}: confidence {last['quality']:.2f} · {last['classes_present']} classes · "
                       f"precision {last['precision']:.2f} · recall {last['recall']:.2f} · "
                       f"digit FID {last['digit_fid']:.0f} (real vs real {snap.fid_floor:.0f})")
            st.plotly_chart(classes_figure(snap.class_shares), key="im_classes")
            st.plotly_chart(measures_figure(snap.measures), key="im_measures")
            st.plotly_chart(fid_figure(snap.measures, snap.fid_floor), key="im_fid")
        else:
            st.info("No classifier checkpoint here: the samples are not judged (checkpoints/digit_classifier).")


live_view()
