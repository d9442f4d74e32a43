"""The image lab's widgets by key, and its presets written into them.

A widget of the lab holds one config field; an objective's own settings, its optimiser and its
tricks are kept per objective (``key("lr_g", "wgan")`` is ``"im_lr_g@wgan"``), so switching objective
shows that objective's values. ``apply_preset`` is a button's callback: it writes every widget of a
preset's config and asks the page for a new run.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from ganviz.objectives import OBJECTIVES
from ganviz.training.config import FOLDER, TrainConfig
from ganviz.training.presets_image import PRESETS, preset_config

PREFIX = "im_"
DATA_KEY = "im_data"
# The widgets that keep one value whatever the objective (the rest are kept per objective).
SHARED = ("objective", "image_size", "seed", "batch", "width")
BATCHES = (16, 32, 64, 128)
WIDTHS = (8, 16, 32, 64)  # filters of the first conv layer of G and of D (one widget: both alike)
R1_GAMMAS = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # decades: the collapse's fix needs 100
# The fields the lab's widgets set besides the objective's own settings; a preset sets no other.
FIELDS = ("objective", "image_size", "seed", "batch", "g_width", "d_width", "dataset", "arch", "lr_g", "lr_d",
          "n_critic", "spectral_norm", "r1_gamma", "minibatch_kernels", "feature_matching")
SCORE_TRICKS = ("r1_gamma", "minibatch_kernels", "feature_matching")  # only where D gives a score


def is_energy(objective: str) -> bool:
    """Whether the objective's D is an autoencoder (energy): BEGAN's pair, no score-only tricks."""
    return OBJECTIVES[objective].discriminator == "autoencoder"


def key(name: str, objective: str) -> str:
    """The session-state key of the widget of field ``name`` while ``objective`` is chosen."""
    if name == "arch":  # the energy objectives offer BEGAN's pair, the others BigGAN's: two lists
        return f"{PREFIX}arch_{is_energy(objective)}"
    return f"{PREFIX}{name}" if name in SHARED else f"{PREFIX}{name}@{objective}"


def data_option(cfg: TrainConfig) -> str:
    """The data widget's option of a config: "digits", "stacked" or a folder's name."""
    return cfg.source if cfg.dataset == FOLDER else cfg.dataset


def widget_values(cfg: TrainConfig) -> dict:
    """Every widget of the lab (key -> value) that shows ``cfg``.

    Example:
        >>> v = widget_values(preset_config(next(iter(PRESETS))))
        >>> v["im_objective"], v["im_data"], sorted(k for k in v if k.startswith("im_lr"))[:1]
        ('nsgan', 'digits', ['im_lr_d@nsgan'])
    """
    cfg = cfg.resolved()  # the optimiser's fields the objective's paper recipe fills in
    obj = cfg.objective
    flat = cfg.to_dict()
    names = ["objective", "arch", "image_size", "seed", "batch", "lr_g", "lr_d", "n_critic"]
    if not is_energy(obj):
        names += ["spectral_norm", *SCORE_TRICKS]
    out = {key(n, obj): flat[n] for n in names}
    out[DATA_KEY] = data_option(cfg)
    out[key("width", obj)] = cfg.g_width
    for f in dataclasses.fields(OBJECTIVES[obj].Params):
        v = getattr(cfg.params, f.name)
        choices = f.metadata["choices"]
        if isinstance(choices, dict):  # a labelled choice's widget holds the label
            v = next(label for label, value in choices.items() if value == v)
        out[key(f.name, obj)] = v
    return out


def apply_preset(name: str) -> None:
    """Button callback: write preset ``name`` into the widgets; the page starts a new run of it."""
    st.session_state.update(widget_values(preset_config(name)))
    st.session_state["im_reset"] = True
    st.session_state["im_preset_note"] = name
