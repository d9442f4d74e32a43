"""Toy-lab presets: one click sets a scene that tells one story, with one sentence of what to watch.

Each preset gives config overrides for run A and, for comparisons, run B (same seed and data).
The stories were checked by running them (tests/test_presets.py checks the claims that are cheap
to check; the closing note of the toy-lab issue gives the measured numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PLAIN_MLP = dict(g_depth=3, g_width=128, d_depth=3, d_width=128, latent_dim=2, batch=256, r1_gamma=0.0,
                 g_ema=0.0, lr_schedule="constant", d_activation="relu")


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
        "Plain NSGAN: the generated points hop between a few modes and the modes-captured curve stays "
        "below 8.",
        dict(dataset="ring8", objective="nsgan", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999, **PLAIN_MLP),
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
        "Minimax G loss log(1 - D(G(z))) (A) against -log D(G(z)) (B): once D rejects the fakes, A's "
        "gradient arrows vanish and its samples barely move, while B's keep moving.",
        dict(dataset="ring8", objective="mmgan", lr_g=2e-4, lr_d=2e-4, **PLAIN_MLP),
        dict(dataset="ring8", objective="nsgan", lr_g=2e-4, lr_d=2e-4, **PLAIN_MLP),
        labels=("MMGAN", "NSGAN"),
    ),
    Preset(
        "BEGAN's k_t finds its balance",
        "k_t starts at 0, rises until gamma L(x) = L(G(z)), then hovers; M_global falls as the "
        "samples approach the data.",
        dict(dataset="two_moons", objective="began", began_gamma=0.5, began_lambda_k=0.001, **PLAIN_MLP),
    ),
    Preset(
        "EBGAN's margin",
        "The margin m caps how much energy D may give fakes: a margin far above the real energy's "
        "scale (A) leaves D free to push G around; one on its scale (B) gives a calmer game.",
        dict(dataset="two_moons", objective="ebgan", ebgan_margin=2.0, **PLAIN_MLP),
        dict(dataset="two_moons", objective="ebgan", ebgan_margin=0.1, **PLAIN_MLP),
        labels=("margin 2.0", "margin 0.1"),
    ),
]}
