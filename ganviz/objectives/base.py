"""What every objective shares: the discriminator's view of a batch, the objective interface and
the settings an objective owns.

One training loop serves every GAN (STYLE.md: an objective is the small part that differs). Per
step the trainer asks the discriminator about a real and a fake batch, hands both views to the
objective's ``d_loss`` and ``g_loss``, adds the objective's own ``penalty`` to D's loss, and calls
both hooks after every optimiser step.

An objective's settings are its ``Params``: a frozen dataclass whose fields are made with
``param``. The field metadata (the control's range and step, the valid bounds, the help text with
its convention, the paper's value) is all the toy lab, a link, ``--set`` and validation read, so a
new objective brings its controls with it.

Example: a setting's range, checked.
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class P(Params):
    ...     margin: float = param(1.0, label="margin m", control=(0.0, 5.0), help="the hinge's margin")
    >>> P(margin=2.0).validate().margin
    2.0
    >>> P(margin=-1.0).validate()
    Traceback (most recent call last):
    ...
    ValueError: margin must lie in [0, inf), got -1.0
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any, Callable

import torch

OUTPUTS = ("logit", "critic", "energy")  # D(x) = sigmoid(logit); a real-valued critic; an autoencoder's energy


@dataclass
class DView:
    """What the discriminator says about a batch x.

    score: logit or critic value, shape (N,) (score-type discriminators);
    features: last hidden layer, (N, F) (feature matching);
    energy: per-sample reconstruction energy, (N,) (autoencoder discriminators);
    code: the autoencoder's bottleneck, (N, H) (EBGAN's pull-away term);
    x: the batch itself (loss-sensitive GAN's margin needs it).
    """

    x: torch.Tensor
    score: torch.Tensor | None = None
    features: torch.Tensor | None = None
    energy: torch.Tensor | None = None
    code: torch.Tensor | None = None


@dataclass(frozen=True)
class Defaults:
    """The paper's training recipe for an objective, used when the user does not override it."""

    optimizer: str = "adam"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1
    spectral_norm: bool = False


def param(default, *, label: str, control: tuple | None = None, bounds: tuple | None = None,
          choices: dict | list | None = None, step: float | None = None, fmt: str | None = None,
          help: str = "", paper: str = ""):
    """A field of an objective's ``Params``.

    control: the (low, high) a control offers; bounds: the (low, high) a value may take anywhere
    (default: the control's low to +inf, so the command line may go past the slider's end);
    choices: the allowed values (a dict maps a label to each); step, fmt: the slider's; help: the
    formula and its convention; paper: the paper's value and where it is given.
    """
    if bounds is None and control is not None:
        bounds = (control[0], math.inf)
    meta = {"label": label, "control": control, "bounds": bounds, "choices": choices, "step": step,
            "format": fmt, "help": help, "paper": paper}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Params:
    """An objective's settings (the base has none). Every field is made with ``param``."""

    def validate(self) -> "Params":
        """Raise ValueError naming the setting and what it may be; return self."""
        for f in fields(self):
            check_param(f, getattr(self, f.name))
        return self

    def replace(self, **changes) -> "Params":
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
        return dataclasses.replace(self, **{k: coerce(self, k, v) for k, v in changes.items()})

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def coerce(params: Params | type[Params], name: str, value):
    """A value as the field holds it: a JSON list for a tuple-valued field becomes a tuple."""
    default = next(f.default for f in fields(params) if f.name == name)
    return tuple(value) if isinstance(default, tuple) and isinstance(value, list) else value


def choice_values(f: dataclasses.Field) -> list:
    c = f.metadata["choices"]
    return list(c.values()) if isinstance(c, dict) else list(c)


def check_param(f: dataclasses.Field, value) -> None:
    m, name = f.metadata, f.name
    if m["choices"] is not None:
        allowed = choice_values(f)
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(map(str, allowed))}, got {value!r}")
        return
    integer = isinstance(f.default, int) and not isinstance(f.default, bool)
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        raise ValueError(f"{name} must be a {'whole number' if integer else 'number'}, got {value!r}")
    lo, hi = m["bounds"]
    if not (math.isfinite(value) and lo <= value <= hi):
        interval = f"[{lo:g}, inf)" if math.isinf(hi) else f"[{lo:g}, {hi:g}]"
        raise ValueError(f"{name} must lie in {interval}, got {value!r}")


CARD = ("name", "output", "published", "paper", "defaults", "g_needs_real")  # an objective's class keywords
REGISTRY: dict[str, type["Objective"]] = {}  # every named subclass, by name, in definition order


class Objective:
    """Base class of the GAN family's objectives.

    A subclass says what it is in its class statement (PEP 487 class keywords: ``name``, ``output``,
    ``published``, ``paper``, ``defaults``, ``g_needs_real``), as
    ``class Hinge(Objective, name="hinge", output="critic", ...)``, its losses in ``d_loss`` and
    ``g_loss``, and its settings in a nested ``Params`` dataclass. The losses' docstrings are the
    losses as the paper writes them (LaTeX: ``d_formula`` and ``g_formula``, shown beside the
    figures); a class keyword of that name says more (WGAN-GP's penalty).

    ``output`` says what D's score is: "logit" (D(x) = sigmoid(score) is a probability), "critic"
    (a real value with no probability reading) or "energy" (an autoencoder D's per-sample energy,
    computed by ``energy``). ``Params`` holds the objective's settings, read from ``self.params``
    at every step, so a slider moved between steps acts at the next one. ``defaults`` is the paper's
    training recipe.

    The G step's real view is D's view of the last D step's real batch; an objective whose G loss
    reads the real scores sets ``g_needs_real`` and gets them from the current D.
    """

    name: str = ""
    paper: str = ""
    published: str = ""  # "YYYY-MM" of the paper (arXiv): the lab lists objectives in that order
    output: str = "logit"
    Params: type[Params] = Params
    defaults: Defaults = Defaults()
    d_formula: str = ""
    g_formula: str = ""
    g_needs_real: bool = False

    discriminator: str = "score"  # "autoencoder" for energy objectives (set from ``output``)

    def __init_subclass__(cls, *, d_formula: str | None = None, g_formula: str | None = None, **card):
        for key, value in card.items():
            if key not in CARD:
                raise TypeError(f"{cls.__name__}: unknown class keyword {key!r}; known: {', '.join(CARD)}")
            setattr(cls, key, value)
        cls.d_formula = d_formula or " ".join((cls.d_loss.__doc__ or "").split())
        cls.g_formula = g_formula or " ".join((cls.g_loss.__doc__ or "").split())
        super().__init_subclass__()
        if cls.output not in OUTPUTS:
            raise TypeError(f"{cls.__name__}.output must be one of {OUTPUTS}, got {cls.output!r}")
        cls.discriminator = "autoencoder" if cls.output == "energy" else "score"
        if cls.name:
            REGISTRY[cls.name] = cls

    def __init__(self, params: Params | None = None):
        self.params = self.Params() if params is None else params

    def d_loss(self, real: DView, fake: DView) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, real: DView, fake: DView) -> torch.Tensor:
        raise NotImplementedError

    def penalty(self, score_fn: Callable, real: torch.Tensor, fake: torch.Tensor,
                uniform: Callable[[int], torch.Tensor]) -> torch.Tensor | None:
        """A term this objective adds to D's loss (WGAN-GP's gradient penalty); None for most, so
        the loop adds nothing (not even a zero) on its hot path. ``score_fn`` gives per-sample scores,
        ``uniform(n)`` draws n U[0, 1) values, shape (n, 1), from the run's generator."""
        return None

    def energy(self, x: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
        """Per-sample energy of an autoencoder D's reconstruction (energy objectives only)."""
        raise NotImplementedError(f"{self.name} has a score discriminator: it has no energy")

    def after_d_step(self, d_net: torch.nn.Module) -> None:
        """Hook after each D optimiser step (WGAN clips weights here)."""

    def after_g_step(self, real: DView, fake: DView) -> None:
        """Hook after each G step (BEGAN updates k_t here)."""

    def state(self) -> dict[str, float]:
        """Scalars to log (k_t, M_global, ...)."""
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore what ``state`` returned (checkpoints)."""
