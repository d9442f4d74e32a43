"""Recipes: the project's best default config for each toy data set, and the config for a named
objective on a data set (the paper's optimiser settings, our network sizes).

The defaults were found by a search over objectives, R1 strength, learning rates, EMA and lr
annealing, scored with the mode-coverage protocol (see the note in ``BEST``).
"""

from __future__ import annotations

from ganviz.training.config import TrainConfig

# Data sets whose scale is far from 1 get a wider first layer's worth of room by the recipe alone:
# the networks see raw coordinates.
BEST: dict[str, dict] = {
    "_default": dict(
        objective="nsgan", r1_gamma=1.0, lr_g=1e-3, lr_d=1e-3, beta1=0.5, beta2=0.99, batch=256,
        g_depth=3, g_width=128, d_depth=3, d_width=128, d_activation="leaky_relu", latent_dim=2,
        g_ema=0.99, lr_schedule="linear", lr_decay_start=0.5,
    ),
}


def recipe(dataset: str, objective: str | None = None, *, seed: int = 0, steps: int = 5000, **overrides) -> TrainConfig:
    """The config for ``dataset``: the best default when ``objective`` is None, otherwise that
    objective with its paper's optimiser settings. ``overrides`` win; the result is validated."""
    if objective is None:
        base = dict(BEST.get(dataset, BEST["_default"]))
    else:
        base = dict(objective=objective)
    base.update(dataset=dataset, seed=seed, total_steps=steps)
    base.update(overrides)
    return TrainConfig.from_dict(base).validate()
