"""The toy lab's controls and its live view: widgets -> TrainConfig -> worker -> snapshot -> figures.

Widgets whose default depends on the objective (optimiser, learning rates, betas, n_critic,
spectral norm) are keyed by the objective, so switching objective shows that paper's recipe.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re

import streamlit as st

from ganviz.data import points as own_points_lib
from ganviz.data.toy import DATASETS, OWN
from ganviz.nets.mlp import ACTIVATIONS
from ganviz.objectives import OBJECTIVES, PARAM_OWNERS
from ganviz.objectives.base import choice_values
from ganviz.training import snapshot
from ganviz.training.config import (FLAT_FIELDS, GROUPS, LATENTS, OPTIMIZERS, SCORE_ONLY, STRUCTURAL, TrainConfig,
                                    parse_value)
from ganviz.training.presets import PRESETS, preset_configs
from ganviz.training.recipes import recipe
from ganviz.training.trainer import Trainer
from ganviz.training.process_worker import ProcessWorker
from ganviz.ui import scene
from ganviz.ui.common import session_workers

LAB_STEPS = 5000  # the default run's length (its lr anneals to 0 there)
LR_MIN, LR_MAX = 1e-6, 10.0  # the learning-rate boxes' range
WIDTHS = [16, 32, 64, 128, 256, 512]

# The controls' ranges, read by the widgets, by a link and by an uploaded checkpoint's recipe, so
# that a value from outside is held to what the widget can show (a slider given a value past its
# end raises instead of drawing).
# Each objective's settings bring their controls with them (``param`` metadata): name -> field.
SETTINGS = {f.name: f for name in OBJECTIVES for f in dataclasses.fields(OBJECTIVES[name].Params)}
# So do the regularisers and tricks (``ganviz.training.config.setting``); the lab draws these (BigGAN's
# ortho_beta and sigma_clamp are the Spectra page's): R1 among the objective's settings, the rest
# under "Improved-GAN tricks", each only where its ``score_only`` allows.
GROUP_FIELDS = {f.name: f for cls in GROUPS.values() for f in dataclasses.fields(cls)}
LAB_TRICKS = ("feature_matching", "minibatch_kernels", "historical_averaging", "virtual_batch_norm")
LAB_GROUP_FIELDS = {k: GROUP_FIELDS[k] for k in ("r1_gamma", *LAB_TRICKS)}
RANGES = {
    "seed": (0, 10**6), "lr_g": (LR_MIN, LR_MAX), "lr_d": (LR_MIN, LR_MAX), "beta1": (0.0, 0.99),
    "beta2": (0.0, 0.999), "n_critic": (1, 10), "g_ema": (0.0, 0.999),
    "latent_dim": (1, 16), "g_depth": (1, 6), "d_depth": (1, 6),
    **{k: f.metadata["control"] for k, f in {**SETTINGS, **LAB_GROUP_FIELDS}.items() if f.metadata["control"] is not None},
}
OPTIONS = {"batch": [16, 32, 64, 128, 256, 512], "g_width": WIDTHS, "d_width": WIDTHS}  # select sliders
CHOICES = {"objective": list(OBJECTIVES), "dataset": [*DATASETS, OWN], "optimizer": list(OPTIMIZERS),
           "latent_dist": list(LATENTS), "g_activation": list(ACTIVATIONS), "d_activation": list(ACTIVATIONS),
           "lr_schedule": ["linear", "constant"],
           **{k: choice_values(f) for k, f in SETTINGS.items() if f.metadata["choices"] is not None}}
SWITCHES = ("spectral_norm", *(k for k, f in LAB_GROUP_FIELDS.items() if type(f.default) is bool))
# Fields without a widget that a preset sets (BEGAN's 1-number code): a link may carry them too.
PRESET_ONLY = ("ae_code",)
LINKABLE = frozenset(RANGES) | frozenset(OPTIONS) | frozenset(CHOICES) | frozenset(SWITCHES) | {*PRESET_ONLY}
INTEGER = frozenset({"seed", "n_critic", "latent_dim", "g_depth", "d_depth", "ae_code", *OPTIONS,
                     *(k for k, f in {**SETTINGS, **LAB_GROUP_FIELDS}.items() if type(f.default) is int)})


# The session's own data set (drawn or uploaded; ganviz.ui.own_data draws its widgets), flat and
# canonical (ganviz.data.points). Both runs train on it while run A's dataset is "own".
OWN_KEY = "own_points"


def own_points() -> tuple[float, ...]:
    """The session's own points (empty until some are drawn, uploaded or opened from a link)."""
    return st.session_state.get(OWN_KEY, ())


def dataset_label(name: str) -> str:
    """A dataset as the list shows it (the label depends on the name alone: AppTest formats an option
    outside the session)."""
    return "own (your points)" if name == OWN else name


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


# A redraw of the metrics charts costs a GPU-less Chromium ~0.3 s of a core, taken from the trainer on
# 2 cores; the same figure sent again costs it almost nothing (Chromium's profiler).
METRICS_STEPS = 250


def charts_behind(drawn: list, now: list, training: bool) -> bool:
    """Whether charts drawn from the snapshots ``drawn`` miss what the snapshots ``now`` show: while a
    run trains, a newest measurement (W1, JS, modes: every ``eval_every`` steps) other than the drawn
    one, or ``METRICS_STEPS`` steps on (the loss curves) or back (a reset); otherwise any change.

    Example:
        >>> from types import SimpleNamespace as S
        >>> drawn = [S(step=300, eval_history={"step": [0, 250]})]
        >>> charts_behind(drawn, [S(step=499, eval_history={"step": [0, 250]})], training=True)
        False
        >>> charts_behind(drawn, [S(step=500, eval_history={"step": [0, 250, 500]})], training=True)
        True
    """
    if not training:
        return any(a is not b for a, b in zip(drawn, now))
    return any(b.eval_history["step"][-1:] != a.eval_history["step"][-1:] or abs(b.step - a.step) >= METRICS_STEPS
               for a, b in zip(drawn, now))


def held_arrow_scale() -> float | None:
    """The run's arrow scale as fixed by ``arrow_scale`` (None before it is)."""
    run = st.session_state.get(ARROW_SCALE_KEY)
    return None if run is None else run.scale


def _write_state(prefix: str, cfg: TrainConfig) -> None:
    for name, v in cfg.to_dict().items():
        if name == "points":  # the session's one own set, not a widget's value
            st.session_state[OWN_KEY] = v
            continue
        labels = SETTINGS[name].metadata["choices"] if name in SETTINGS else None
        if isinstance(labels, dict):  # a labelled choice's widget holds the label
            v = next(k for k, val in labels.items() if val == v)
        st.session_state[_obj_key(prefix, name, cfg.objective)] = v
    st.session_state[f"{prefix}seed"] = str(cfg.seed)  # the seed box is a text box (see seed_box)
    st.session_state[f"{prefix}seed_ok"] = cfg.seed


def parse_seed(text: str) -> int:
    """The seed typed in the box: a whole number from 0 to 1,000,000 ("1e3" is 1000); anything else
    raises ValueError saying so (a number box read "1e3" as 1 and "3.7" as 3 without a word).

    Example:
        >>> parse_seed("1e3"), parse_seed(" 7 ")
        (1000, 7)
    """
    lo, hi = RANGES["seed"]
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not (math.isfinite(x) and x == int(x) and lo <= x <= hi):
        raise ValueError(f"the seed must be a whole number from {lo} to {hi:,}")
    return int(x)


def seed_box(c, prefix: str, init, base_seed: int = 0) -> int:
    """The seed as a text box that refuses what is not a whole number in range, and says so (the run
    keeps its last good seed)."""
    ss = st.session_state
    key = init("seed", str(base_seed))
    if not isinstance(ss[key], str):
        ss[key] = str(ss[key])
    text = c.text_input("seed", key=key, max_chars=12, help=f"a whole number from 0 to {RANGES['seed'][1]:,}")
    try:
        ss[f"{prefix}seed_ok"] = parse_seed(text)
    except ValueError as e:
        c.warning(f"seed {scene.escape_markdown(short(text))!s}: {e}; still using {ss.get(f'{prefix}seed_ok', 0)}.")
    return ss.get(f"{prefix}seed_ok", 0)


def short(text: str, n: int = 60) -> str:
    """Link or user text cut to ``n`` characters for a note."""
    text = str(text)
    return text if len(text) <= n else text[:n] + "…"


PER_OBJECTIVE = ("optimizer", "lr_g", "lr_d", "beta1", "beta2", "n_critic", "spectral_norm")

# The conventions behind the controls, said where the control is: the regularisers' and tricks' from
# their metadata. The networks see the data divided by its overall standard deviation s
# (``Trainer.scale``: s^2 = 0.5 on ring8, 7.99 on grid25), so penalties act on standardised inputs.
HELP = {
    **{k: f.metadata["help"] for k, f in GROUP_FIELDS.items()},
    "g_ema": "G_ema ← decay·G_ema + (1 − decay)·G after each G step. When it is on, the samples, the noise grid, "
             "the arrows' positions and every metric (W1, JS, modes, HQ) come from the EMA generator.",
}


def setting_widget(f: dataclasses.Field, init, default):
    """The control of one of the objective's settings (or a regulariser, or a trick), drawn from its
    ``param`` metadata: a switch for a bool, a list for choices, else a slider."""
    m = f.metadata
    help_text = m["help"] + (f" Paper: {m['paper']}." if m["paper"] else "")
    if isinstance(default, bool):
        return st.toggle(m["label"], key=init(f.name, default), help=help_text)
    if isinstance(m["choices"], dict):
        label = next(k for k, v in m["choices"].items() if v == default)
        return m["choices"][st.selectbox(m["label"], list(m["choices"]), key=init(f.name, label), help=help_text)]
    if m["choices"] is not None:
        return st.selectbox(m["label"], m["choices"], key=init(f.name, default), help=help_text)
    kwargs = {k: m[k] for k in ("step", "format") if m[k] is not None}
    return st.slider(m["label"], *m["control"], key=init(f.name, default), help=help_text, **kwargs)


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
    flat = base.to_dict()
    objectives = list(OBJECTIVES)
    vals["objective"] = c.selectbox("objective", objectives, key=init("objective", base.objective),
                                    help="the loss family; each comes with its paper's optimiser settings")
    obj_defaults = baseline(vals["objective"], base)

    if full:
        # "own" is offered once the session has enough points to train on; below that (a drawing just
        # begun, an Undo) a stale "own" falls back: choosing it would stop the page before the drawing.
        enough = len(own_points()) // 2 >= own_points_lib.MIN_POINTS
        offered = [*DATASETS, OWN] if enough else list(DATASETS)
        key = init("dataset", base.dataset)
        if ss[key] not in offered:
            ss[key] = base.dataset
        vals["dataset"] = c.selectbox("dataset", offered, key=key, format_func=dataset_label,
                                      help="own: your points, drawn or uploaded under “Your own data” below")
        vals["points"] = own_points() if vals["dataset"] == OWN else ()
        vals["seed"] = seed_box(c, prefix, init, base.seed)
    with c.container(key=f"{prefix}grp_optimiser"), st.expander("optimiser", expanded=full):
        vals["optimizer"] = st.selectbox("optimiser", OPTIMIZERS, key=init("optimizer", obj_defaults.optimizer))
        vals["lr_g"] = st.number_input("G learning rate", *RANGES["lr_g"], key=init("lr_g", obj_defaults.lr_g),
                                       format="%.6f", step=1e-5)
        vals["lr_d"] = st.number_input("D learning rate", *RANGES["lr_d"], key=init("lr_d", obj_defaults.lr_d),
                                       format="%.6f", step=1e-5)
        # The browser's number box reads "nan", "inf" or nothing as empty, and Streamlit puts its minimum
        # in: say so, or a typo would quietly freeze the run.
        at_min = [n for n in ("G", "D") if vals[f"lr_{n.lower()}"] <= LR_MIN]
        if at_min:
            st.warning(f"{' and '.join(at_min)} learning rate at the minimum ({LR_MIN:g}): it will barely learn. "
                       f"nan, inf or an empty box read as the minimum; type {LR_MIN:g} to {LR_MAX:g}.")
        # Adam's betas only under Adam: SGD and RMSProp have none, and showing them read as if they acted.
        if vals["optimizer"] == "adam":
            vals["beta1"] = st.slider("Adam beta1", *RANGES["beta1"], key=init("beta1", obj_defaults.beta1))
            vals["beta2"] = st.slider("Adam beta2", *RANGES["beta2"], key=init("beta2", obj_defaults.beta2))
        else:
            vals["beta1"] = ss.get(_obj_key(prefix, "beta1", vals["objective"]), obj_defaults.beta1)
            vals["beta2"] = ss.get(_obj_key(prefix, "beta2", vals["objective"]), obj_defaults.beta2)
        vals["n_critic"] = st.slider("D steps per G step (n_critic)", *RANGES["n_critic"], key=init("n_critic", obj_defaults.n_critic))
        if full:
            vals["batch"] = st.select_slider("batch", OPTIONS["batch"], key=init("batch", base.batch))
    with c.container(key=f"{prefix}grp_objective"), st.expander("objective settings", expanded=False):
        obj = OBJECTIVES[vals["objective"]]
        if obj.discriminator == "score":
            vals["spectral_norm"] = st.toggle("spectral norm on D", key=init("spectral_norm", obj_defaults.spectral_norm))
            vals["r1_gamma"] = setting_widget(GROUP_FIELDS["r1_gamma"], init, flat["r1_gamma"])
        for f in dataclasses.fields(obj.Params):
            vals[f.name] = setting_widget(f, init, getattr(obj_defaults.params, f.name))
        vals["g_ema"] = st.slider("EMA of G (decay; 0 = off)", *RANGES["g_ema"], key=init("g_ema", base.g_ema),
                                  help=HELP["g_ema"])
    for name in PRESET_ONLY:  # no control: held as a preset, a link or a checkpoint set it
        vals[name] = ss.get(f"{prefix}{name}", getattr(base, name))
    if full:
        with c.container(key=f"{prefix}grp_networks"), st.expander("networks", expanded=False):
            vals["latent_dim"] = st.slider("latent size", *RANGES["latent_dim"], key=init("latent_dim", base.latent_dim))
            vals["latent_dist"] = st.selectbox("latent distribution", LATENTS, key=init("latent_dist", base.latent_dist))
            vals["g_depth"] = st.slider("G depth", *RANGES["g_depth"], key=init("g_depth", base.g_depth))
            vals["g_width"] = st.select_slider("G width", OPTIONS["g_width"], key=init("g_width", base.g_width))
            vals["d_depth"] = st.slider("D depth", *RANGES["d_depth"], key=init("d_depth", base.d_depth))
            vals["d_width"] = st.select_slider("D width", OPTIONS["d_width"], key=init("d_width", base.d_width))
            acts = list(ACTIVATIONS)
            vals["g_activation"] = st.selectbox("G activation", acts, key=init("g_activation", base.g_activation))
            vals["d_activation"] = st.selectbox("D activation", acts, key=init("d_activation", base.d_activation))
            vals["lr_schedule"] = st.selectbox("lr schedule", ["linear", "constant"],
                                               key=init("lr_schedule", base.lr_schedule),
                                               help=f"linear: constant for half the run, then annealed to 0 at step {LAB_STEPS}")
        with c.container(key=f"{prefix}grp_tricks"), st.expander("Improved-GAN tricks", expanded=False):
            score = OBJECTIVES[vals["objective"]].discriminator == "score"
            for name in LAB_TRICKS:
                if score or name not in SCORE_ONLY:
                    vals[name] = setting_widget(GROUP_FIELDS[name], init, flat[name])
    return vals


def to_config(vals: dict, base: TrainConfig) -> TrainConfig:
    """Widget values over the base config; off-objective settings fall back to the base."""
    d = {**base.to_dict(), **vals}
    objective = d["objective"]
    d = {k: v for k, v in d.items() if k not in PARAM_OWNERS or objective in PARAM_OWNERS[k]}
    if d.get("lr_schedule") == "linear":
        d["total_steps"] = LAB_STEPS
    cfg = TrainConfig.from_dict(d)
    # Options that make no sense for this objective are switched off rather than refused.
    if OBJECTIVES[cfg.objective].discriminator == "autoencoder":
        cfg = cfg.replace(**SCORE_ONLY)
    return cfg.validate()


def sync_worker(key: str, cfg: TrainConfig, reset: bool = False, make=Trainer, take=snapshot.take) -> ProcessWorker:
    """Make the session's worker ``key`` train ``cfg``: live fields act at the next step, structural
    ones (or ``reset``) build a new trainer, which keeps training if the old one was. ``make`` and
    ``take`` are the trainer's and the snapshot's module-level functions (the image lab's differ)."""
    workers = session_workers()
    w = workers.get(key)
    max_steps = cfg.total_steps if cfg.lr_schedule == "linear" else None
    if w is None or not w.alive:
        return workers.put(key, ProcessWorker(make, cfg, take, max_steps=max_steps))
    new, now = cfg.resolved().to_dict(), w.config.resolved().to_dict()
    changed = [f for f in sorted(STRUCTURAL) if now.get(f) != new.get(f)]  # ``points`` is left out while empty
    if reset or changed:
        was_running = w.running
        if changed and not reset:
            st.session_state.setdefault("restart_notes", []).append(
                f"Run {key[-1].upper()}: changing {', '.join(changed)} builds new networks, so it starts again at step 0.")
        w.replace(cfg, max_steps)
        if was_running and not reset:
            w.start()
        return w
    changes = {k: v for k, v in new.items() if k not in STRUCTURAL and now[k] != v}
    if changes:
        w.update(**changes)
    return w


# --- scenes in the URL -------------------------------------------------------------------------
# The URL holds run A's fields that differ from the lab's defaults (its objective included; the
# optimiser's fields against that objective's paper recipe), run B's differences from A under
# "b." with ``compare=1``, or, while the runs are exactly a preset's, ``preset=NAME`` alone. A link
# reopens the same scene. What counts as a new link is ``ganviz.ui.scene``'s rule (Scene.new_link).
FLAGS = ("compare", "preset")
POINTS_KEY = "points"  # the own set's compact code (ganviz.data.points.encode_link), not its flat field
SCENE = scene.Scene("toy_lab", {})
# Every flat key of a config: its fields, then every objective's settings (in that order in a link).
CONFIG_FIELDS_ORDER = (*FLAT_FIELDS, *PARAM_OWNERS)
CONFIG_FIELDS = frozenset(CONFIG_FIELDS_ORDER)
RANGES_NOT_SHOWN = {"ae_code": (1, 16)}  # a preset-only field's bounds (UPLOAD_LIMITS' scale)


def _link_text(v) -> str:
    """A value as a link writes it (a tuple as a JSON list)."""
    return v if isinstance(v, str) else json.dumps(list(v) if isinstance(v, tuple) else v)


def _num(x) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def fit_value(name: str, value) -> tuple[object, str | None]:
    """``value`` for field ``name`` as its control can show it, and what was wrong with it (None: fine).
    A number past a control's end becomes the end; a select slider's value off its stops becomes the
    nearest stop; a value of the wrong kind is refused (returned as None).

    Example:
        >>> fit_value("n_critic", 11)[0], fit_value("g_width", 100000)[0], fit_value("lr_g", "abc")
        (10, 512, (None, 'must be a number'))
    """
    if name in CHOICES:
        value = tuple(value) if isinstance(value, list) else value  # a JSON list for a tuple-valued setting
        if value in CHOICES[name]:
            return value, None
        return None, f"not one of {', '.join(_link_text(c) for c in CHOICES[name])}"
    if name in SWITCHES:
        if value in (True, False, 0, 1) and not isinstance(value, float):
            return bool(value), None
        return None, "must be 1 or 0"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, "must be a number"
    if not math.isfinite(value):
        return None, "must be a finite number"
    if name in INTEGER:
        if value != int(value):
            return None, "must be a whole number"
        value = int(value)
    if name in OPTIONS:
        stops = OPTIONS[name]
        if value in stops:
            return value, None
        near = min(stops, key=lambda o: abs(math.log(o) - math.log(max(value, 1e-9))))
        return near, f"not one of the control's stops {', '.join(map(str, stops))}; using the nearest, {near}"
    lo, hi = RANGES.get(name) or RANGES_NOT_SHOWN[name]
    if lo <= value <= hi:
        return value, None
    near = lo if value < lo else hi
    return near, f"outside the control's range {_num(lo)} to {_num(hi)}; using {_num(near)}"


def link_value(key: str, text: str) -> tuple[object, str | None]:
    """A link parameter ``key`` (``b.`` for run B) read as a field's value: (value or None, note)."""
    name = key[2:] if key.startswith("b.") else key
    echo = f"{short(key, 40)}={short(text)}"
    if name not in CONFIG_FIELDS:
        return None, f"unknown parameter {short(key, 40)!r} ignored"
    if name not in LINKABLE:
        return None, f"{echo} ignored: {name} is not settable from a link (the lab has no control for it)"
    words = name in CHOICES and all(isinstance(c, str) for c in CHOICES[name])
    value, why = fit_value(name, text if words else parse_value(text))
    if why is None:
        return value, None
    return value, f"{echo}: {why}" if value is not None else f"{echo} ignored ({why}); using the default"


def read_scene(base: TrainConfig) -> list[str]:
    """On a new link (``Scene.new_link``), set the widgets from it: the fields it names, the lab's
    defaults for the rest. Returns a note for each parameter that was moved into a control's range
    or refused; a link's notes stay for the visit. A link without parameters keeps the session's
    scene (the home page's plain link to the lab)."""
    ss = st.session_state
    url = SCENE.new_link()
    if url is None or not url:
        return list(ss.get("_toy_notes", []))
    notes: list[str] = []
    ss["_toy_notes"] = notes
    a_over: dict = {}
    b_over: dict = {}
    for key, text in url.items():
        if key in FLAGS or key == POINTS_KEY:
            continue
        value, note = link_value(key, text)
        if note:
            notes.append(note)
        if value is not None:
            (b_over if key.startswith("b.") else a_over)[key.removeprefix("b.")] = value
    _link_points(url.get(POINTS_KEY), a_over, notes)
    ss.pop("preset_note", None)
    ss["preset_choice"] = None
    preset = url.get("preset")
    base_b = None
    if preset in PRESETS:
        ss["preset_choice"] = preset
        apply_preset(preset)
        if not a_over and not b_over:
            return list(notes)
        configs = preset_configs(preset)
        base = configs[0][1]
        base_b = configs[1][1] if len(configs) > 1 else None
    elif preset is not None:
        notes.append(f"unknown preset {short(preset)!r} ignored (presets: {', '.join(PRESETS)})")
    cfg_a = _scene_config(base, a_over, notes, "run A")
    _write_state("a_", cfg_a)
    compare = url.get("compare") == "1" or base_b is not None
    ss["compare"] = compare
    if compare:
        _write_state("b_", _scene_config(base_b or cfg_a, b_over, notes, "run B"))
    elif b_over:
        notes.append("the run B settings (b.…) were ignored: the link has no compare=1")
    return list(notes)


def _link_points(code: str | None, a_over: dict, notes: list[str]) -> None:
    """The link's own points (``points=CODE``) into the session and run A's overrides; a code that
    cannot be read, or ``dataset=own`` without one, leaves the session's points as they were and
    trains the default data set, with a note."""
    own = a_over.get("dataset") == OWN
    if code is None:
        if own:
            notes.append("dataset=own, but the link carries no points (a set too large for a link, or with "
                         "coordinates finer than 0.01, is left out of it): upload its CSV under “Your own data”; "
                         "using the default dataset")
            del a_over["dataset"]
        return
    if not own:
        notes.append(f"{POINTS_KEY}=… ignored: the link's dataset is not own")
        return
    try:
        pts = own_points_lib.decode_link(code)
    except own_points_lib.PointsError as e:
        notes.append(f"{POINTS_KEY}={short(code, 24)}: {e}; using the default dataset")
        del a_over["dataset"]
        return
    st.session_state[OWN_KEY] = pts
    a_over["points"] = pts


def _scene_config(base: TrainConfig, overrides: dict, notes: list[str], label: str) -> TrainConfig:
    objective = overrides.get("objective", base.objective)
    for k in [k for k in overrides if k in PARAM_OWNERS and objective not in PARAM_OWNERS[k]]:
        notes.append(f"{k} ignored: it is a setting of {', '.join(PARAM_OWNERS[k])}, and {label} trains {objective}")
        del overrides[k]
    start = baseline(objective, base)
    try:
        return to_config({**start.to_dict(), **overrides}, start)
    except (ValueError, TypeError) as e:
        notes.append(f"the settings of {label} in the link do not fit together ({e}); using the defaults")
        return base


def reference(objective: str, base: TrainConfig) -> TrainConfig:
    """What a run of ``objective`` over ``base`` is before any widget moves (after the objective's
    own switch-offs, e.g. no R1 for an autoencoder): the URL holds the differences from it."""
    start = baseline(objective, base)
    return to_config(start.to_dict(), start)


def matching_preset(cfg_a: TrainConfig, cfg_b: TrainConfig | None) -> str | None:
    """The name of the loaded preset while both runs are still exactly it, else None."""
    note = st.session_state.get("preset_note")
    if not note or note[0] not in PRESETS:
        return None
    configs = [c for _, c in preset_configs(note[0])]
    runs = [cfg_a] if cfg_b is None else [cfg_a, cfg_b]
    if len(configs) != len(runs) or any(_diff(r, c) for r, c in zip(runs, configs)):
        return None
    return note[0]


def scene_params(cfg_a: TrainConfig, cfg_b: TrainConfig | None) -> dict[str, str]:
    """The link parameters of the scene (without ``present`` and ``hide``)."""
    preset = matching_preset(cfg_a, cfg_b)
    if preset:
        return {"preset": preset}
    params = _diff(cfg_a, reference(cfg_a.objective, default_config()))
    if cfg_a.objective != default_config().objective:
        params = {"objective": cfg_a.objective, **params}
    if cfg_b is not None:
        params["compare"] = "1"
        if cfg_b.objective != cfg_a.objective:
            params["b.objective"] = cfg_b.objective
        params.update({f"b.{k}": v for k, v in _diff(cfg_b, reference(cfg_b.objective, cfg_a)).items()})
    if cfg_a.dataset == OWN:  # last: the longest value; a set the link cannot hold is left out (the page says so)
        code = own_points_lib.encode_link(cfg_a.points)
        if own_points_lib.link_fits(code):
            params[POINTS_KEY] = code
    return params


def write_scene(cfg_a: TrainConfig, cfg_b: TrainConfig | None, present: bool = False) -> None:
    """Write the scene into the URL; a loaded preset's story is dropped once the runs leave it."""
    params = {k: v for k, v in st.query_params.to_dict().items() if k == "hide"}
    if present:
        params["present"] = "1"
    if st.session_state.get("preset_note") and not matching_preset(cfg_a, cfg_b):
        st.session_state.pop("preset_note")
    params.update(scene_params(cfg_a, cfg_b))
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)
    SCENE.remember(params)


def _diff(cfg: TrainConfig, ref: TrainConfig) -> dict[str, str]:
    """The link's fields of ``cfg`` that differ from ``ref``, as URL text (strings bare, the rest as
    JSON); the objective is said apart."""
    out = {}
    have, was = cfg.to_dict(), ref.to_dict()
    for name in sorted((LINKABLE - {"objective"}) & set(have), key=CONFIG_FIELDS_ORDER.index):
        v = have[name]
        if v != was.get(name):
            out[name] = _link_text(v)
    return out


# --- presentation mode -------------------------------------------------------------------------
CONTROL_GROUPS = ("presets", "optimiser", "objective", "networks", "tricks", "compare", "own_data", "export")


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
        cfg = from_bytes(data, kinds=("toy",), reader="the toy lab").config
    except CheckpointError as e:
        ss["upload_message"] = ("error", f"{upload.name}: {e} Nothing was changed.")
        return
    # The worker gets the file's own config; the page's next sync sends the moved live settings.
    file_cfg, (cfg, fitted) = cfg, fit_recipe(cfg)
    if cfg is None:
        ss["upload_message"] = ("error", f"{upload.name}: {scene.escape_markdown(fitted[0])} Nothing was changed.")
        return
    w = session_workers().get(key) or sync_worker(key, file_cfg)
    w.load(data, file_cfg, cfg.total_steps if cfg.lr_schedule == "linear" else None)
    _write_state("a_", cfg)
    ss["compare"] = False
    moved = "".join(f" {scene.escape_markdown(n)}." for n in fitted)
    ss["upload_message"] = ("success", f"Continuing from {scene.escape_markdown(short(upload.name))}: "
                                       f"{cfg.objective} on {cfg.dataset}.{moved}")


def fit_recipe(cfg: TrainConfig) -> tuple[TrainConfig | None, list[str]]:
    """A checkpoint's config held to the lab's controls: a live setting past a control's end is moved
    to it (with a note); a structural one cannot move without breaking the weights, so the file is
    refused (None and the reason)."""
    changes, notes = {}, []
    have = cfg.to_dict()
    for name in sorted(LINKABLE & set(have)):
        value = have[name]
        if value is None:
            continue
        fitted, why = fit_value(name, list(value) if isinstance(value, tuple) else value)
        if why is None:
            continue
        if name in STRUCTURAL or fitted is None:
            return None, [f"its recipe has {name} = {short(value)}, which the toy lab's control cannot show "
                          f"({why.split(';')[0]})."]
        changes[name] = fitted
        notes.append(f"{name} {short(value)} is {why}")
    return (cfg.replace(**changes) if changes else cfg), notes


# --- the objective's losses, shown beside the figure ---------------------------------------------
def broken(tex: str) -> str:
    r"""A loss on several aligned lines, one term each, so it fits a narrow column beside the figure.

    Example:
        >>> broken(r"L = a - \mathbb{E}_z[b],\quad k")
        '\\begin{aligned} L &= a \\\\ &- \\mathbb{E}_z[b] \\\\ &\\quad k \\end{aligned}'
    """
    head, _, rest = tex.partition(" = ")
    rest = re.sub(r" ([+-]) (?=\\mathbb\{E\}_z|\\lambda)", r" \\\\ &\1 ", rest)
    rest = rest.replace(r",\quad ", r" \\ &\quad ")
    return rf"\begin{{aligned}} {head} &= {rest} \end{{aligned}}"


def show_losses(objective: str, r1_gamma: float = 0.0) -> None:
    """The objective's D and G losses as formulas (and R1 when it is on)."""
    obj = OBJECTIVES[objective]
    d, g = obj.d_formula, obj.g_formula
    if d:
        st.latex(broken(d))
        st.latex(broken(g))
    if r1_gamma and obj.discriminator == "score":
        # γ on its own line: at 1366 x 768 the one-line form ran past the narrow column's edge
        st.latex(rf"+\ \tfrac{{\gamma}}{{2}}\,\mathbb{{E}}_x\|\nabla_x D(x)\|^2")
        st.latex(rf"\gamma = {r1_gamma:g}")


def compare_csv(snaps: dict) -> str:
    """The metrics of runs A and B as one CSV: a row per step, each run's columns named "A.<column>"
    and "B.<column>" (``ganviz.training.export.history_csv`` for one run)."""
    import csv
    import io

    from ganviz.training.export import history_csv

    rows: dict[int, dict] = {}
    names: list[str] = []
    for label, snap in snaps.items():
        reader = csv.DictReader(io.StringIO(history_csv(snap)))
        cols = [c for c in reader.fieldnames or [] if c != "step"]
        names += [f"{label}.{c}" for c in cols]
        for r in reader:
            row = rows.setdefault(int(r["step"]), {})
            row.update({f"{label}.{c}": r[c] for c in cols})
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=["step", *names], restval="")
    w.writeheader()
    for step in sorted(rows):
        w.writerow({"step": step, **rows[step]})
    return out.getvalue()
