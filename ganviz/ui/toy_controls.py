"""The toy lab's controls and its live view: widgets -> TrainConfig -> worker -> snapshot -> figures.

Widgets whose default depends on the objective (optimiser, learning rates, betas, n_critic,
spectral norm) are keyed by the objective, so switching objective shows that paper's recipe.
"""

from __future__ import annotations

import dataclasses
import json

import streamlit as st

from ganviz.data.toy import DATASETS
from ganviz.nets.mlp import ACTIVATIONS
from ganviz.objectives import F_DIVERGENCES, OBJECTIVES
from ganviz.training import snapshot
from ganviz.training.config import LATENTS, OPTIMIZERS, STRUCTURAL, TrainConfig, parse_value
from ganviz.training.presets import PRESETS, preset_configs
from ganviz.training.recipes import recipe
from ganviz.training.trainer import Trainer
from ganviz.training.process_worker import ProcessWorker
from ganviz.ui import scene
from ganviz.ui.common import session_workers

LAB_STEPS = 5000  # the default run's length (its lr anneals to 0 there)
LR_MIN, LR_MAX = 1e-6, 10.0  # the learning-rate boxes' range


def default_config(dataset: str = "ring8") -> TrainConfig:
    return recipe(dataset, None, steps=LAB_STEPS).resolved()


def baseline(objective: str, base: TrainConfig) -> TrainConfig:
    """What the widgets show for ``objective`` before the user touches them: the base config, with
    the objective's paper optimiser settings unless it is the base's own objective."""
    if objective == base.objective:
        return base
    paper = TrainConfig(objective=objective).resolved()
    return base.replace(objective=objective, **{k: getattr(paper, k) for k in PER_OBJECTIVE})


def apply_preset(name: str) -> None:
    """Button callback: write a preset's values into the widgets' session state."""
    p = PRESETS[name]
    for prefix, (_, cfg) in zip(("a_", "b_"), preset_configs(name)):
        _write_state(prefix, cfg)
    st.session_state["compare"] = p.b is not None
    st.session_state["preset_note"] = (name, p.watch, p.labels)
    st.session_state["reset_requested"] = True
    st.session_state.pop(ARROW_SCALE_KEY, None)  # a new run: its first frame fixes the arrows' scale


# --- the arrows' length scale --------------------------------------------------------------------
ARROW_SCALE_KEY = "arrow_scale"


def arrow_scale(snaps: dict) -> float | None:
    """The arrow scale (plot units per unit of |grad_x L_G|) of the runs on the page: one
    ``snapshot.RunArrowScale`` per session, shared by runs A and B (None until it is fixed)."""
    run = st.session_state.setdefault(ARROW_SCALE_KEY, snapshot.RunArrowScale())
    return run(list(snaps.values()))


def held_arrow_scale() -> float | None:
    """The run's arrow scale as fixed by ``arrow_scale`` (None before it is)."""
    run = st.session_state.get(ARROW_SCALE_KEY)
    return None if run is None else run.scale


def _write_state(prefix: str, cfg: TrainConfig) -> None:
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        key = _obj_key(prefix, f.name, cfg.objective)
        st.session_state[key] = list(v) if isinstance(v, tuple) else v


PER_OBJECTIVE = ("optimizer", "lr_g", "lr_d", "beta1", "beta2", "n_critic", "spectral_norm")

# The conventions behind the controls, said where the control is. The networks see the data divided
# by its overall standard deviation s (``Trainer.scale``: s^2 = 0.5 on ring8, 7.99 on grid25), so
# the penalties and margins below act on standardised inputs x / s.
STANDARDISED = "It acts on standardised inputs x / s (s = the data's overall std; s² = 0.5 on ring8, 7.99 on grid25)"
HELP = {
    "r1_gamma": "R1 = (γ/2) E_real ‖∇ₓ D(x)‖² (Mescheder et al. 2018), with the 1/2 kept (some code drops it). "
                + STANDARDISED + ": in data units the weight is γ·s².",
    "gp_lambda": "λ E[(‖∇f(x̂)‖ − 1)²] on x̂ between real and fake (Gulrajani et al. 2017). " + STANDARDISED
                 + ": the unit-norm target is a slope of 1/s in data units (1.41 on ring8, 0.35 on grid25).",
    "ebgan_margin": "L_D = D(x) + [m − D(G(z))]⁺ with D the autoencoder's reconstruction error (Zhao et al. 2017). "
                    + STANDARDISED + ": m is measured in those units.",
    "ls_lambda": "Weight of the margin term (Δ(x, G(z)) + L(x) − L(G(z)))⁺ (Qi 2017). " + STANDARDISED
                 + ": Δ is the L1 distance between standardised points.",
    "g_ema": "G_ema ← decay·G_ema + (1 − decay)·G after each G step. When it is on, the samples, the noise grid, "
             "the arrows' positions and every metric (W1, JS, modes, HQ) come from the EMA generator.",
    "minibatch_kernels": "o(x_i)_b = Σ_{j ≠ i} exp(−‖M_i,b − M_j,b‖₁) (Salimans et al. 2016, Sec. 3.2). The paper "
                         "sums over j = 1..n; the j = i term is the constant 1 and is left out here.",
}


def _obj_key(prefix, name, objective):
    return f"{prefix}{name}@{objective}" if name in PER_OBJECTIVE else f"{prefix}{name}"


def controls(prefix: str, container, base: TrainConfig, full: bool = True) -> dict:
    """Draw the widgets for one run and return its config values. ``full`` False draws only the
    settings a comparison usually changes (objective and its optimiser and regularisers)."""
    c = container
    ss = st.session_state

    def init(name, value):
        key = _obj_key(prefix, name, vals.get("objective", base.objective))
        if key not in ss:
            ss[key] = value
        return key

    vals: dict = {}
    objectives = list(OBJECTIVES)
    vals["objective"] = c.selectbox("objective", objectives, key=init("objective", base.objective),
                                    help="the loss family; each comes with its paper's optimiser settings")
    obj_defaults = baseline(vals["objective"], base)

    if full:
        vals["dataset"] = c.selectbox("dataset", list(DATASETS), key=init("dataset", base.dataset))
        vals["seed"] = int(c.number_input("seed", 0, 10**6, key=init("seed", base.seed), step=1))
    with c.container(key=f"{prefix}grp_optimiser"), st.expander("optimiser", expanded=full):
        vals["optimizer"] = st.selectbox("optimiser", OPTIMIZERS, key=init("optimizer", obj_defaults.optimizer))
        vals["lr_g"] = st.number_input("G learning rate", LR_MIN, LR_MAX, key=init("lr_g", obj_defaults.lr_g),
                                       format="%.6f", step=1e-5)
        vals["lr_d"] = st.number_input("D learning rate", LR_MIN, LR_MAX, key=init("lr_d", obj_defaults.lr_d),
                                       format="%.6f", step=1e-5)
        # The browser's number box reads "nan", "inf" or nothing as empty, and Streamlit puts its minimum
        # in: say so, or a typo would quietly freeze the run.
        at_min = [n for n in ("G", "D") if vals[f"lr_{n.lower()}"] <= LR_MIN]
        if at_min:
            st.warning(f"{' and '.join(at_min)} learning rate at the minimum ({LR_MIN:g}): it will barely learn. "
                       f"nan, inf or an empty box read as the minimum; type {LR_MIN:g} to {LR_MAX:g}.")
        vals["beta1"] = st.slider("Adam beta1", 0.0, 0.99, key=init("beta1", obj_defaults.beta1))
        vals["beta2"] = st.slider("Adam beta2", 0.0, 0.999, key=init("beta2", obj_defaults.beta2))
        vals["n_critic"] = st.slider("D steps per G step (n_critic)", 1, 10, key=init("n_critic", obj_defaults.n_critic))
        if full:
            vals["batch"] = st.select_slider("batch", [16, 32, 64, 128, 256, 512], key=init("batch", base.batch))
    with c.container(key=f"{prefix}grp_objective"), st.expander("objective settings", expanded=False):
        obj = OBJECTIVES[vals["objective"]]
        if obj.discriminator == "score":
            vals["spectral_norm"] = st.toggle("spectral norm on D", key=init("spectral_norm", obj_defaults.spectral_norm))
            vals["r1_gamma"] = st.slider("R1 gamma", 0.0, 10.0, key=init("r1_gamma", base.r1_gamma), help=HELP["r1_gamma"])
        if vals["objective"] == "wgan":
            vals["clip_c"] = st.slider("clip c", 0.001, 0.1, key=init("clip_c", base.clip_c), format="%.3f")
        if vals["objective"] == "wgan-gp":
            vals["gp_lambda"] = st.slider("GP lambda", 0.0, 20.0, key=init("gp_lambda", base.gp_lambda),
                                          help=HELP["gp_lambda"])
        if vals["objective"] == "fgan":
            vals["f_divergence"] = st.selectbox("f-divergence", list(F_DIVERGENCES), key=init("f_divergence", base.f_divergence))
        if vals["objective"] == "ebgan":
            vals["ebgan_margin"] = st.slider("margin m", 0.0, 5.0, key=init("ebgan_margin", base.ebgan_margin),
                                             help=HELP["ebgan_margin"])
            vals["pull_away_weight"] = st.slider("pull-away weight", 0.0, 1.0, key=init("pull_away_weight", base.pull_away_weight))
        if vals["objective"] == "began":
            vals["began_gamma"] = st.slider("gamma (diversity ratio)", 0.0, 1.0, key=init("began_gamma", base.began_gamma))
            vals["began_lambda_k"] = st.slider("lambda_k", 0.0, 0.01, key=init("began_lambda_k", base.began_lambda_k),
                                               format="%.4f", step=0.0005)
        if vals["objective"] == "loss-sensitive":
            vals["ls_lambda"] = st.slider("lambda (margin weight)", 0.0, 10.0, key=init("ls_lambda", base.ls_lambda),
                                          help=HELP["ls_lambda"])
        if vals["objective"] == "lsgan":
            abc = st.selectbox("(a, b, c)", ["(0, 1, 1)", "(-1, 1, 0)"], key=init("ls_abc_label", "(0, 1, 1)"))
            vals["ls_abc"] = (0.0, 1.0, 1.0) if abc == "(0, 1, 1)" else (-1.0, 1.0, 0.0)
        vals["g_ema"] = st.slider("EMA of G (decay; 0 = off)", 0.0, 0.999, key=init("g_ema", base.g_ema),
                                  help=HELP["g_ema"])
    if full:
        with c.container(key=f"{prefix}grp_networks"), st.expander("networks", expanded=False):
            vals["latent_dim"] = st.slider("latent size", 1, 16, key=init("latent_dim", base.latent_dim))
            vals["latent_dist"] = st.selectbox("latent distribution", LATENTS, key=init("latent_dist", base.latent_dist))
            vals["g_depth"] = st.slider("G depth", 1, 6, key=init("g_depth", base.g_depth))
            vals["g_width"] = st.select_slider("G width", [16, 32, 64, 128, 256, 512], key=init("g_width", base.g_width))
            vals["d_depth"] = st.slider("D depth", 1, 6, key=init("d_depth", base.d_depth))
            vals["d_width"] = st.select_slider("D width", [16, 32, 64, 128, 256, 512], key=init("d_width", base.d_width))
            acts = list(ACTIVATIONS)
            vals["g_activation"] = st.selectbox("G activation", acts, key=init("g_activation", base.g_activation))
            vals["d_activation"] = st.selectbox("D activation", acts, key=init("d_activation", base.d_activation))
            vals["lr_schedule"] = st.selectbox("lr schedule", ["linear", "constant"],
                                               key=init("lr_schedule", base.lr_schedule),
                                               help=f"linear: constant for half the run, then annealed to 0 at step {LAB_STEPS}")
        with c.container(key=f"{prefix}grp_tricks"), st.expander("Improved-GAN tricks", expanded=False):
            score = OBJECTIVES[vals["objective"]].discriminator == "score"
            if OBJECTIVES[vals["objective"]].supports_label_smoothing:
                vals["label_smoothing"] = st.slider("one-sided label smoothing (real target)", 0.5, 1.0,
                                                    key=init("label_smoothing", base.label_smoothing))
            if score:
                vals["feature_matching"] = st.toggle("feature matching", key=init("feature_matching", base.feature_matching))
                vals["minibatch_kernels"] = st.slider("minibatch discrimination kernels", 0, 16,
                                                      key=init("minibatch_kernels", base.minibatch_kernels),
                                                      help=HELP["minibatch_kernels"])
            vals["historical_averaging"] = st.slider("historical averaging weight", 0.0, 0.1,
                                                     key=init("historical_averaging", base.historical_averaging),
                                                     format="%.3f", step=0.001)
            vals["virtual_batch_norm"] = st.toggle("virtual batch norm in G", key=init("virtual_batch_norm", base.virtual_batch_norm))
    return vals


def to_config(vals: dict, base: TrainConfig) -> TrainConfig:
    """Widget values over the base config; off-objective settings fall back to the base."""
    d = base.to_dict()
    d.update({k: v for k, v in vals.items()})
    if d.get("lr_schedule") == "linear":
        d["total_steps"] = LAB_STEPS
    cfg = TrainConfig.from_dict(d)
    obj = OBJECTIVES[cfg.objective]
    # Options that make no sense for this objective are switched off rather than refused.
    if obj.discriminator == "autoencoder":
        cfg = cfg.replace(feature_matching=False, minibatch_kernels=0, r1_gamma=0.0)
    if not obj.supports_label_smoothing:
        cfg = cfg.replace(label_smoothing=1.0)
    return cfg.validate()


def sync_worker(key: str, cfg: TrainConfig, reset: bool = False) -> ProcessWorker:
    """Make the session's worker ``key`` train ``cfg``: live fields act at the next step, structural
    ones (or ``reset``) build a new trainer, which keeps training if the old one was."""
    workers = session_workers()
    w = workers.get(key)
    max_steps = cfg.total_steps if cfg.lr_schedule == "linear" else None
    if w is None or not w.alive:
        return workers.put(key, ProcessWorker(Trainer, cfg, snapshot.take, max_steps=max_steps))
    want, current = cfg.resolved(), w.config.resolved()
    structural = any(getattr(current, f) != getattr(want, f) for f in STRUCTURAL)
    if reset or structural:
        was_running = w.running
        w.replace(cfg, max_steps)
        if was_running and not reset:
            w.start()
        return w
    changes = {f.name: getattr(want, f.name) for f in dataclasses.fields(want)
               if f.name not in STRUCTURAL and getattr(current, f.name) != getattr(want, f.name)}
    if changes:
        w.update(**changes)
    return w


# --- scenes in the URL -------------------------------------------------------------------------
# The URL holds the fields of run A that differ from their baseline, run B's differences from A
# under "b.", and the page flags below. A link therefore reopens the same scene.
FLAGS = ("compare", "preset", "present", "hide")


def read_scene(base: TrainConfig) -> list[str]:
    """On arriving at the page with a link, set the widgets from the URL. Returns a note for each
    parameter that was bad or stale and fell back to its default.

    Arriving is seen as in ``ganviz.ui.scene``: the presentation toggle's state is gone (Streamlit
    drops it on a run of a page that does not draw it, e.g. the home page's tour) or the last page
    with a scene was another one. Within a visit the URL is not read again: a rerun can carry the
    address of the run before, and reading it would undo the user's last move.
    """
    ss = st.session_state
    arrived = "present" not in ss or ss.get("_scene_page") != "toy_lab"
    ss["_scene_page"] = "toy_lab"
    qp = st.query_params.to_dict()
    if not arrived or not qp:
        return list(ss.get("_scene_notes", []))  # a link's notes stay during the visit
    notes: list[str] = []
    ss["_scene_notes"] = notes
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    a_over: dict = {}
    b_over: dict = {}
    for key, text in qp.items():
        name = key[2:] if key.startswith("b.") else key
        target = b_over if key.startswith("b.") else a_over
        if name in FLAGS and target is a_over:
            continue
        if name not in known:
            notes.append(f"unknown parameter {key!r} ignored")
            continue
        value = parse_value(text)
        try:
            TrainConfig.from_dict({**base.to_dict(), name: value}).validate()
            target[name] = value
        except (ValueError, TypeError) as e:
            notes.append(f"{key}={text!r} ignored ({e}); using the default")
    if qp.get("preset") in PRESETS:
        # A preset link loads the preset; parameters beside it change it.
        ss["preset_choice"] = qp["preset"]
        apply_preset(qp["preset"])
        if not a_over and not b_over:
            return list(notes)
        base = preset_configs(qp["preset"])[0][1]
    elif "preset" in qp:
        notes.append(f"unknown preset {qp['preset']!r} ignored")
    cfg_a = _scene_config(base, a_over, notes, "run A")
    _write_state("a_", cfg_a)
    if qp.get("compare") == "1":
        ss["compare"] = True
        _write_state("b_", _scene_config(cfg_a, b_over, notes, "run B"))
    return list(notes)


def _scene_config(base: TrainConfig, overrides: dict, notes: list[str], label: str) -> TrainConfig:
    start = baseline(overrides.get("objective", base.objective), base)
    try:
        return to_config({**start.to_dict(), **overrides}, start)
    except (ValueError, TypeError) as e:
        notes.append(f"the settings of {label} in the link do not fit together ({e}); using the defaults")
        return base


def write_scene(cfg_a: TrainConfig, cfg_b: TrainConfig | None, present: bool = False) -> None:
    """Write the scene into the URL (only what differs from the defaults)."""
    params = {k: v for k, v in st.query_params.to_dict().items() if k == "hide"}
    if present:
        params["present"] = "1"
    params.update(_diff(cfg_a, baseline(cfg_a.objective, default_config())))
    if cfg_b is not None:
        params["compare"] = "1"
        params.update({f"b.{k}": v for k, v in _diff(cfg_b, baseline(cfg_b.objective, cfg_a)).items()})
    preset = st.session_state.get("preset_note")
    if preset:
        params["preset"] = preset[0]
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def _diff(cfg: TrainConfig, ref: TrainConfig) -> dict[str, str]:
    """Fields of ``cfg`` that differ from ``ref``, as URL text (strings bare, the rest as JSON)."""
    out = {}
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        if v != getattr(ref, f.name):
            out[f.name] = v if isinstance(v, str) else json.dumps(list(v) if isinstance(v, tuple) else v)
    return out


# --- presentation mode -------------------------------------------------------------------------
CONTROL_GROUPS = ("presets", "optimiser", "objective", "networks", "tricks", "compare", "export")


def presentation_css(present: bool, hidden: list[str]) -> str:
    """The shared ``ganviz.ui.scene.presentation_css`` for the toy lab's groups."""
    return scene.presentation_css(present, hidden, CONTROL_GROUPS)


def hidden_groups() -> tuple[list[str], list[str]]:
    """The toy lab's groups that the link hides (``?hide=optimiser,networks``) and the unknown names."""
    return scene.hidden_groups(CONTROL_GROUPS)


def load_checkpoint(key: str, uploader_key: str) -> None:
    """File-uploader callback: validate the uploaded checkpoint and continue from it. The outcome
    goes to ``st.session_state["upload_message"]``; a file that fails validation changes nothing."""
    from ganviz.training.checkpoint import MAX_BYTES, CheckpointError, from_bytes

    ss = st.session_state
    upload = ss.get(uploader_key)
    if upload is None:
        return
    if upload.size > MAX_BYTES:
        ss["upload_message"] = ("error", f"{upload.name} is {upload.size / 2**20:.1f} MB; checkpoints are at "
                                         f"most {MAX_BYTES // 2**20} MB. Nothing was changed.")
        return
    data = upload.getvalue()
    try:
        cfg = from_bytes(data).config
    except CheckpointError as e:
        ss["upload_message"] = ("error", f"{upload.name}: {e} Nothing was changed.")
        return
    w = session_workers().get(key) or sync_worker(key, cfg)
    w.load(data, cfg, cfg.total_steps if cfg.lr_schedule == "linear" else None)
    _write_state("a_", cfg)
    ss["compare"] = False
    ss["upload_message"] = ("success", f"Continuing from {upload.name}: {cfg.objective} on {cfg.dataset}.")
