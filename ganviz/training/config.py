"""The trainer's configuration: one small frozen dataclass, validated at the edge.

Fields left as None take the objective's paper recipe (``Objective.defaults``). A field whose
convention needs saying carries it as ``metadata["help"]`` (``field_help`` reads it). ``STRUCTURAL``
fields shape the networks or the data, so changing one means a new trainer; every other field may
change between steps and acts at the next step.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields

from ganviz.data.toy import DATASETS
from ganviz.nets.mlp import ACTIVATIONS
from ganviz.objectives import F_DIVERGENCES, OBJECTIVES

OPTIMIZERS = ("adam", "rmsprop", "sgd")
LATENTS = ("normal", "uniform")
SCHEDULES = ("constant", "linear")


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "ring8"
    objective: str = "nsgan"
    seed: int = 0
    # networks
    latent_dim: int = 2
    latent_dist: str = "normal"
    g_depth: int = 3
    g_width: int = 128
    g_activation: str = "relu"
    d_depth: int = 3
    d_width: int = 128
    d_activation: str = "relu"
    ae_code: int = 8  # autoencoder bottleneck (EBGAN, BEGAN)
    spectral_norm: bool | None = None
    minibatch_kernels: int = 0  # minibatch discrimination (0 = off)
    virtual_batch_norm: bool = False  # in the generator, with a fixed reference batch
    # optimisation (None = the objective's default)
    optimizer: str | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    n_critic: int | None = None
    batch: int = 256
    lr_schedule: str = "constant"  # "linear": constant until lr_decay_start * total_steps, then to 0
    total_steps: int = 0
    lr_decay_start: float = 0.0
    g_ema: float = 0.0  # decay of an exponential moving average of G's weights (0 = off)
    standardize: bool = True  # networks see data divided by its std (samples are scaled back)
    # objective hyperparameters
    clip_c: float = 0.01
    gp_lambda: float = 10.0
    r1_gamma: float = field(default=0.0, metadata={"help": (
        "R1 penalty (gamma / 2) E_real ||grad_x D(x)||^2 (Mescheder et al. 2018, with the paper's 1/2; "
        "code that drops it uses half this gamma), on the networks' standardised inputs.")})
    f_divergence: str = "js"
    ls_abc: tuple[float, float, float] = (0.0, 1.0, 1.0)
    # With L = relu(score), a small lambda lets the E[L(x)] term push every score below 0, where the
    # ReLU passes no gradient to D or G; the authors' code drops that term (lambda -> infinity).
    ls_lambda: float = field(default=10.0, metadata={"help": (
        "Loss-sensitive GAN: weight lambda of the hinge E[(Delta + L(x) - L(G(z)))^+], with L >= 0 and "
        "the margin Delta = ||x - G(z)||_1 (factor 1) on the networks' inputs, the data divided by "
        "its std s: Delta = ||x - G(z)||_1 / s in data units.")})
    ebgan_margin: float = 0.5
    pull_away_weight: float = 0.1
    ae_pretrain_steps: int = 0
    began_gamma: float = 0.5
    began_lambda_k: float = 0.001
    began_eta: int = 1
    # Improved-GAN tricks
    label_smoothing: float = 1.0  # real target alpha; 1 = off
    feature_matching: bool = False
    historical_averaging: float = 0.0
    # BigGAN's spectral controls (both networks)
    ortho_beta: float = 0.0  # orthogonal regularisation (BigGAN uses 1e-4)
    sigma_clamp: float = 0.0  # clamp every layer's sigma_0 to this after each step (0 = off)
    # running
    device: str = "auto"
    threads: int = 1
    log_every: int = 10
    eval_every: int = 250
    eval_samples: int = 2500
    history_max: int = 2000

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def resolved(self) -> "TrainConfig":
        """The same config with every None filled from the objective's paper recipe."""
        d = OBJECTIVES[self.objective].defaults
        return self.replace(
            spectral_norm=d.spectral_norm if self.spectral_norm is None else self.spectral_norm,
            optimizer=d.optimizer if self.optimizer is None else self.optimizer,
            lr_g=d.lr_g if self.lr_g is None else self.lr_g,
            lr_d=d.lr_d if self.lr_d is None else self.lr_d,
            beta1=d.betas[0] if self.beta1 is None else self.beta1,
            beta2=d.betas[1] if self.beta2 is None else self.beta2,
            n_critic=d.n_critic if self.n_critic is None else self.n_critic,
        )

    def validate(self) -> "TrainConfig":
        """Raise ValueError naming the field and what is allowed; return self."""
        for f in fields(self):
            _check_type(f.name, f.type, getattr(self, f.name))
        _choice("dataset", self.dataset, DATASETS)
        _choice("objective", self.objective, OBJECTIVES)
        _choice("latent_dist", self.latent_dist, LATENTS)
        _choice("g_activation", self.g_activation, ACTIVATIONS)
        _choice("d_activation", self.d_activation, ACTIVATIONS)
        _choice("f_divergence", self.f_divergence, F_DIVERGENCES)
        _choice("lr_schedule", self.lr_schedule, SCHEDULES)
        if self.optimizer is not None:
            _choice("optimizer", self.optimizer, OPTIMIZERS)
        for name in ("latent_dim", "g_depth", "g_width", "d_depth", "d_width", "ae_code", "batch", "threads",
                     "log_every", "eval_every", "eval_samples", "history_max"):
            _positive_int(name, getattr(self, name))
        if self.n_critic is not None:
            _positive_int("n_critic", self.n_critic)
        for name in ("lr_g", "lr_d"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and 0 < v <= 10):
                raise ValueError(f"{name} must be a finite number in (0, 10], got {v!r}")
        for name in ("beta1", "beta2", "g_ema"):
            v = getattr(self, name)
            if v is not None and not (0 <= v < 1):
                raise ValueError(f"{name} must lie in [0, 1), got {v!r}")
        if not 0 < self.label_smoothing <= 1:
            raise ValueError(f"label_smoothing (the real target alpha) must lie in (0, 1], got {self.label_smoothing!r}")
        for name in ("clip_c", "gp_lambda", "r1_gamma", "ls_lambda", "ebgan_margin", "pull_away_weight",
                     "historical_averaging", "ortho_beta", "sigma_clamp", "began_lambda_k", "minibatch_kernels", "ae_pretrain_steps",
                     "total_steps"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if not 0 <= self.lr_decay_start < 1:
            raise ValueError(f"lr_decay_start must lie in [0, 1), got {self.lr_decay_start!r}")
        if not 0 <= self.began_gamma <= 1:
            raise ValueError(f"began_gamma must lie in [0, 1], got {self.began_gamma!r}")
        if self.began_eta not in (1, 2):
            raise ValueError(f"began_eta must be 1 or 2, got {self.began_eta!r}")
        if self.lr_schedule == "linear" and self.total_steps < 1:
            raise ValueError("lr_schedule 'linear' needs total_steps >= 1")
        obj = OBJECTIVES[self.objective]
        if obj.discriminator == "autoencoder":
            for name, off in (("feature_matching", False), ("minibatch_kernels", 0), ("r1_gamma", 0.0)):
                if getattr(self, name) != off:
                    raise ValueError(f"{name} needs a score discriminator; {self.objective} uses an autoencoder")
        if self.label_smoothing != 1.0 and not obj.supports_label_smoothing:
            raise ValueError(f"label_smoothing applies to mmgan and nsgan, not {self.objective}")
        return self

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Build from a JSON recipe; unknown keys are an error that names them."""
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        d = dict(d)
        if "ls_abc" in d:
            d["ls_abc"] = tuple(d["ls_abc"])
        return cls(**d)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def field_help(name: str) -> str | None:
    """The help text a field carries in its metadata (its formula and convention), or None."""
    for f in fields(TrainConfig):
        if f.name == name:
            return f.metadata.get("help")
    raise ValueError(f"unknown config field {name!r}")


STRUCTURAL = frozenset({
    "dataset", "objective", "seed", "latent_dim", "g_depth", "g_width", "g_activation", "d_depth", "d_width",
    "d_activation", "ae_code", "spectral_norm", "minibatch_kernels", "virtual_batch_norm", "optimizer", "device",
    "threads", "ae_pretrain_steps", "standardize", "eval_samples",
})


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(allowed)}")


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")


def parse_value(text: str):
    """A config value from text (a URL parameter, a --set KEY=VALUE): JSON when it parses (numbers,
    true/false, null, lists), else a float (nan, inf: the field's check names the problem), else
    the text itself. ``TrainConfig.validate`` then checks its type and range. Text longer than any
    value (``MAX_VALUE_TEXT``) stays text: a link's 5,000-digit number or 3,000 nested brackets
    raised out of the JSON parser.

    Example:
        >>> parse_value("2e-3"), parse_value("[0, 1, 1]"), parse_value("relu"), parse_value("9" * 5000)[:3]
        (0.002, [0, 1, 1], 'relu', '999')
    """
    if len(text) > MAX_VALUE_TEXT:
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        try:
            return float(text)
        except ValueError:
            return text


MAX_VALUE_TEXT = 200


def _check_type(name, annotation: str, value) -> None:
    """Values from a URL, a JSON recipe or the command line arrive untyped: check them here."""
    if value is None and "None" in annotation:
        return
    base = annotation.split("|")[0].strip()
    ok = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "str": lambda v: isinstance(v, str),
    }.get(base, lambda v: isinstance(v, (tuple, list)) and len(v) == 3
          and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v))
    if not ok(value):
        raise ValueError(f"{name} must be of type {annotation}, got {value!r}")
