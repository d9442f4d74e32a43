"""Image-lab presets: one click sets a run on digits that tells one story, with one sentence of what
to watch. Every sentence names numbers that ``tests/test_presets_image.py`` measures with the
preset's own seed and settings, as the lab measures them (256 samples of a fixed z every 100 steps,
``ganviz.training.image_snapshot``); ``python bench/image_presets.py`` prints each preset's rows.

Measured (one torch thread; classes present / recall / precision / digit FID at the steps shown, 256
samples; the real-vs-real floor at n = 256 is digit FID 124):

| run | step 100 | 200 | 300 | 400 | 500 |
|---|---|---|---|---|---|
| default (32 filters, batch 32, EMA 0.99), seed 0 | 10 / .67 / .23 / 498 | 10 / .65 / .29 / 422 | 10 / .59 / .42 / 394 | 10 / .80 / .39 / 334 | 10 / .76 / .45 / 315 |
| the same without the EMA | 9 / .32 / .09 / 816 | 10 / .16 / .09 / 805 | 10 / .76 / .30 / 417 | | |
| NSGAN 16 filters, batch 16, lr 2e-2, seed 3 | 9 | 10 | 10 / .77 | 6 / .00 | 2 / .00 / .02 / 2190 |
| the same at DCGAN's lr 2e-4 | 9 | 10 | 10 | 10 | 10 / .65 / .24 / 435 |
| lr 2e-2 + R1 gamma 100 | 10 / .72 / .30 / 468 | 10 | 10 | 10 | 10 / .78 / .31 / 372 |
| lr 2e-2 + R1 gamma 10 | 10 | 10 | 10 | 3 | 1 (one digit, every sample, from step 450 to 600) |
| lr 2e-2 + minibatch discrimination, 8 kernels | 10 | 5 | 8 | 9 | 10 (5-8 classes at steps 200-350) |
| lr 2e-2 + minibatch discrimination, 16 kernels | 10 | 10 | 1 | 1 | 1 |
| WGAN (clip 0.01, RMSProp) 16 filters, batch 16, lr 1e-3, seed 0 | 10 / .79 / .13 / 492 | 10 / .67 / .25 / 440 | | | |
| WGAN-GP (lambda 10, Adam (0.5, 0.9)), the same | 10 / .73 / .21 / 449 | 10 / .80 / .32 / 363 | | | |
| the same with lambda 0 (no penalty) | 10 / .52 / .00 / 1600 | 9 / .43 / .15 / 627 | | | |

At the papers' own learning rates (WGAN 5e-5, WGAN-GP 1e-4) on 16 filters, batch 32, the two were
alike at step 300 (digit FID 699 and 651) and took 2-3 minutes on this machine. With 32 filters,
batch 32 and no EMA, NSGAN did not collapse for good in 400-500 steps at any learning rate tried (2e-3,
1e-2, G at 1e-2 or 2e-3 against D at 2e-4; batch 16 at 2e-2): the classes present dipped to 5-6 for at
most 100 steps and were 10 by step 400 or 500; hence the small nets of the collapse.
Only the R1 preset is a fix here: minibatch discrimination delayed or hastened the collapse.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganviz.training.config import TrainConfig


@dataclass(frozen=True)
class ImagePreset:
    name: str
    watch: str  # what to look for, with the measured numbers its test checks
    settings: dict  # config fields, each one a widget of the lab sets (``ganviz.ui.image_presets.FIELDS``)
    steps: int  # the steps its sentence speaks of (the test trains this many)


# Small nets (16 filters, batch 16), to train a few hundred steps in well under a minute on a laptop.
SMALL = dict(g_width=16, d_width=16, batch=16)
# NSGAN at a learning rate 250x DCGAN's (2e-4): hot enough that seed 3 collapses before step 800 and
# does not recover under every CPU kernel tried (PyTorch's AVX-512 on Intel and AMD, AVX2 and plain
# ones: the step (200 to 700) and the bars differ, the collapse does not); at 2e-2 whether it
# collapsed depended on the kernel.
HOT = dict(SMALL, lr_g=5e-2, lr_d=5e-2)
# The two Wasserstein critics at the same nets, seed and learning rate (10x the WGAN-GP paper's),
# each with its paper's optimiser otherwise (clipping: RMSProp; the penalty: Adam (0.5, 0.9)).
WASSERSTEIN = dict(SMALL, lr_g=1e-3, lr_d=1e-3, seed=0)

PRESETS: dict[str, ImagePreset] = {p.name: p for p in [
    ImagePreset(
        "Our default: ten digits",
        "The lab's default (NSGAN, 32 filters, batch 32, Adam at DCGAN's 2e-4, an EMA of G at 0.99), seed 0: all "
        "10 digits are made at every measure from step 100 to 300, while precision climbs by more than 0.1 to "
        "over 0.35 and digit FID falls from above 450 to under 420 (two halves of the real digits: 124).",
        dict(objective="nsgan", seed=0), steps=300),
    ImagePreset(
        "NSGAN collapses",
        "NSGAN with no help, on small nets (16 filters, batch 16) at a learning rate 250× DCGAN's (5e-2), seed 3: "
        "all 10 digits at first (step 100 or 200); then it tips: at a measure before step 800 recall falls under "
        "0.01 with digits missing from the class histogram, and recall stays under 0.2 to step 800: the generator "
        "has collapsed and does not recover. When it tips (step 200 to 700 on the CPUs tried) is decided by the "
        "CPU's rounding.",
        dict(objective="nsgan", seed=3, **HOT), steps=800),
    ImagePreset(
        "R1 keeps all ten",
        "The collapsing run (seed 3, learning rate 5e-2) with R1 (γ = 100) on D: all 10 digits at every measure "
        "from step 100 to 800, recall never below 0.3, and digit FID falls by over 100 from step 100 to 800.",
        dict(objective="nsgan", seed=3, r1_gamma=100.0, **HOT), steps=800),
    ImagePreset(
        "Clipped WGAN stays blurrier",
        "WGAN with its critic's weights clipped to ±0.01 (RMSProp), 16 filters, batch 16, learning rate 1e-3, "
        "seed 0: at step 200 digit FID is still above 420. WGAN-GP (the next story: same nets, seed and "
        "learning rate) is under 380 by then.",
        dict(objective="wgan", **WASSERSTEIN), steps=200),
    ImagePreset(
        "WGAN-GP sharpens",
        "WGAN-GP (gradient penalty λ = 10, Adam) on the clipped WGAN's nets and learning rate, seed 0: digit FID "
        "falls from above 430 to under 380 from step 100 to 200, over 50 below the clipped critic's at step 200.",
        dict(objective="wgan-gp", **WASSERSTEIN), steps=200),
]}


def preset_config(name: str) -> TrainConfig:
    """The config of preset ``name``: the lab's recipe for its objective (``image_recipe``) with the
    preset's settings; ValueError names the presets for an unknown name.

    Example:
        >>> c = preset_config("R1 keeps all ten")
        >>> c.objective, c.seed, c.g_width, c.batch, c.lr_g, c.reg.r1_gamma
        ('nsgan', 3, 16, 16, 0.05, 100.0)
    """
    from ganviz.training.recipes import image_recipe

    try:
        settings = dict(PRESETS[name].settings)
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None
    return image_recipe(settings.pop("dataset", "digits"), settings.pop("objective"), **settings)
