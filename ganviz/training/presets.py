"""Toy-lab presets: one click sets a scene that tells one story, with one sentence of what to watch.

Each preset gives config overrides for run A and, for comparisons, run B (same seed and data).
The stories were checked by running them: ``python bench/presets.py`` prints, per run, the modes,
HQ, W1, the size of the G loss's gradient and BEGAN's k_t over the steps.
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


PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset(
        "Our default: 8 of 8 modes",
        "NSGAN with an R1 penalty, an EMA of G and lr annealing: every mode captured and nearly every "
        "sample within 3 sigma of one.",
        dict(dataset="ring8", objective="nsgan"),
    ),
    Preset(
        "NSGAN drops modes on ring8",
        "Plain NSGAN with a strong discriminator (5 D steps per G step at 5x G's learning rate): the "
        "generator settles sharply on a few of the eight modes and never finds the rest.",
        dict(dataset="ring8", objective="nsgan", **STRONG_D, **PLAIN_MLP),
    ),
    Preset(
        "WGAN-GP covers the ring",
        "The gradient penalty keeps the critic smooth: samples spread over all eight modes, W1 falls "
        "steadily.",
        dict(dataset="ring8", objective="wgan-gp", gp_lambda=0.1, **PLAIN_MLP),
    ),
    Preset(
        "Weight clipping against gradient penalty",
        "Same data and seed: the clipped critic's surface is a blunt ramp and W1 falls slowly (A); "
        "the penalised one follows the data (B).",
        dict(dataset="ring8", objective="wgan", **PLAIN_MLP),
        dict(dataset="ring8", objective="wgan-gp", gp_lambda=0.1, **PLAIN_MLP),
        labels=("WGAN (clip)", "WGAN-GP"),
    ),
    Preset(
        "MMGAN saturates early",
        "Both face a strong D (5 steps per G step at 5x G's rate). Minimax log(1 - D(G(z))) (A): once "
        "D rejects the fakes its gradient vanishes, the red arrows shrink to nothing and the samples "
        "stall; -log D(G(z)) (B) keeps pulling and finds modes.",
        dict(dataset="ring8", objective="mmgan", **STRONG_D, **PLAIN_MLP),
        dict(dataset="ring8", objective="nsgan", **STRONG_D, **PLAIN_MLP),
        labels=("MMGAN", "NSGAN"),
    ),
    Preset(
        "BEGAN's k_t finds its balance",
        "k_t (bottom-left chart) is steered by gamma L(x) - L(G(z)): it climbs from 0, overshoots and "
        "settles where the two losses balance, while M_global falls. On 2D points BEGAN's samples stay "
        "rough; the BEGAN page shows it on digits.",
        dict(dataset="two_moons", objective="began", ae_code=1, began_gamma=0.5, began_lambda_k=0.01, lr_g=3e-4,
             lr_d=3e-4, **PLAIN_MLP),
    ),
    Preset(
        "EBGAN's margin",
        "The margin m caps the energy D may give fakes, and so how hard it can push G: with m = 2 (A) "
        "the arrows are long and the samples reach the moons; with m = 0.1 (B) the push is ten times "
        "weaker and G stalls further away (W1 levels off higher).",
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
