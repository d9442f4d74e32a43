"""Toy-lab presets: one click sets a scene that tells one story, with one sentence of what to watch.

Each preset gives config overrides for run A and, for comparisons, run B (same seed and data).
Every sentence names a number that ``tests/test_claims.py`` measures with the preset's own seed and
settings; ``python bench/presets.py`` prints, per run, the modes, HQ, W1, the mean push |grad_x L_G|
at the samples and BEGAN's k_t over the steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PLAIN_MLP = dict(g_depth=3, g_width=128, d_depth=3, d_width=128, latent_dim=2, batch=256, r1_gamma=0.0,
                 g_ema=0.0, lr_schedule="constant", d_activation="relu")

# A discriminator well ahead of its generator: where MMGAN saturates and NSGAN drops modes.
STRONG_D = dict(n_critic=5, lr_d=1e-3, lr_g=2e-4, beta1=0.5, beta2=0.999)


@dataclass(frozen=True)
class Preset:
    name: str
    watch: str
    a: dict
    b: dict | None = None
    labels: tuple[str, str] = ("A", "B")
    extra: dict = field(default_factory=dict)


# Minimax against a strong D needs a slow G to show saturation from the start: D learns to reject the
# fakes before G moves (at lr_g 2e-4 MMGAN's push was a quarter of NSGAN's, not a tenth).
SLOW_G = dict(STRONG_D, lr_g=5e-5)

# Each sentence names one measured number; tests/test_claims.py checks it with the preset's seed
# and settings in the steps the lab trains in about 30 s.
PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset(
        "Our default: 8 of 8 modes",
        "NSGAN with an R1 penalty, an EMA of G and lr annealing: all 8 modes are captured by step 500, and "
        "the HQ fraction (samples within 3 sigma of a mode) is higher at step 500 than at step 250.",
        dict(dataset="ring8", objective="nsgan"),
    ),
    Preset(
        "NSGAN drops modes on ring8",
        "Plain NSGAN with a strong discriminator (5 D steps per G step at 5x G's learning rate): by step 300 "
        "the generator sits on at most 3 of the 8 modes and finds no more by step 600.",
        dict(dataset="ring8", objective="nsgan", **STRONG_D, **PLAIN_MLP),
    ),
    Preset(
        "WGAN-GP covers the ring",
        "The gradient penalty keeps the critic smooth: W1 falls at every measurement up to step 600, and by "
        "then the samples reach at least 7 of the 8 modes.",
        dict(dataset="ring8", objective="wgan-gp", gp_lambda=0.1, **PLAIN_MLP),
    ),
    Preset(
        "Weight clipping against gradient penalty",
        "Same data and seed: the clipped critic (A) is a blunt ramp and its W1 levels off (it moves less "
        "than 0.06 between steps 300 and 600) at more than 1.5 times the penalised critic's W1 (B).",
        dict(dataset="ring8", objective="wgan", **PLAIN_MLP),
        dict(dataset="ring8", objective="wgan-gp", gp_lambda=0.1, **PLAIN_MLP),
        labels=("WGAN (clip)", "WGAN-GP"),
    ),
    Preset(
        "MMGAN saturates early",
        "Both face a strong D (5 steps per G step at 20x G's rate). Minimax log(1 - D(G(z))) (A): D rejects "
        "the fakes at once, so A's mean push |grad_x L_G| stays below a tenth of B's from step 100 on (the "
        "red arrows shrink to dots against the key arrow) and its samples stall where they began; "
        "-log D(G(z)) (B) keeps pulling its samples onto the ring.",
        dict(dataset="ring8", objective="mmgan", **SLOW_G, **PLAIN_MLP),
        dict(dataset="ring8", objective="nsgan", **SLOW_G, **PLAIN_MLP),
        labels=("MMGAN", "NSGAN"),
    ),
    Preset(
        "BEGAN's k_t finds its balance",
        "k_t (bottom-left chart, its own axis) is steered by gamma L(x) - L(G(z)): it climbs from 0 within "
        "100 steps and then stays strictly inside (0, 1), between 0.05 and 0.3, through step 800. On 2D "
        "points BEGAN's samples stay rough; the BEGAN page shows it on digits.",
        dict(dataset="two_moons", objective="began", ae_code=1, began_gamma=0.7, began_lambda_k=0.01, lr_g=3e-4,
             lr_d=3e-4, **PLAIN_MLP),
    ),
    Preset(
        "EBGAN's margin",
        "The margin m caps the energy D may give fakes, and so how hard it can push G: with m = 0.1 (B) the "
        "mean push |grad_x L_G| averages under a quarter of m = 2's (A) over steps 200 to 800, and is under "
        "half of it at every check. Weaker, not worse: B "
        "reaches the moons later, and by step 800 the two W1 curves are within 0.1 of each other.",
        dict(dataset="two_moons", objective="ebgan", ebgan_margin=2.0, **PLAIN_MLP),
        dict(dataset="two_moons", objective="ebgan", ebgan_margin=0.1, **PLAIN_MLP),
        labels=("margin 2.0", "margin 0.1"),
    ),
]}


def preset_configs(name: str):
    """(label, TrainConfig) for each run of the preset: the lab's default config (with the paper's
    optimiser settings when the preset picks another objective), then the preset's overrides."""
    from ganviz.training.config import TrainConfig
    from ganviz.training.recipes import recipe

    p = PRESETS[name]
    out = []
    for label, overrides in zip(p.labels, (p.a, p.b)):
        if overrides is None:
            continue
        base = recipe(overrides.get("dataset", "ring8"), None, steps=5000).to_dict()
        if overrides.get("objective", base["objective"]) != base["objective"]:
            for k in ("optimizer", "lr_g", "lr_d", "beta1", "beta2", "n_critic", "spectral_norm"):
                base[k] = None  # another objective: its paper recipe unless the preset says otherwise
        out.append((label, TrainConfig.from_dict({**base, **overrides}).validate().resolved()))
    return out
