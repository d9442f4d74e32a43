"""The trainer's configuration: one small frozen dataclass, validated at the edge.

Three groups of settings are small frozen dataclasses of their own, their fields made with
``param`` (range, help with its convention, the paper's value): the objective's ``Params``
(``ganviz.objectives.base``) in ``params``, the ``Regularisers`` in ``reg`` and the Improved-GAN
``Tricks`` in ``tricks``. Inside the library they are read as ``config.reg.r1_gamma``; everywhere
outside (``to_dict``, ``from_dict``, ``replace``, links, ``--set``, checkpoints) they are flat keys
beside the other fields, each named once. Fields left as None take the
objective's paper recipe (``Objective.defaults``). A field whose convention needs saying carries it
as ``metadata["help"]`` (``field_help`` reads it, an objective's settings included). ``STRUCTURAL``
fields shape the networks or the data, so changing one means a new trainer; every other field may
change between steps and acts at the next step.

Example:
    >>> c = TrainConfig().replace(objective="wgan-gp", gp_lambda=5)
    >>> c.params.gp_lambda, c.to_dict()["gp_lambda"], "clip_c" in c.to_dict()
    (5, 5, False)
    >>> c = c.replace(r1_gamma=0.5)
    >>> c.reg.r1_gamma, c.to_dict()["r1_gamma"], TrainConfig.from_dict(c.to_dict()) == c
    (0.5, 0.5, True)
    >>> TrainConfig().replace(gp_lambda=5)
    Traceback (most recent call last):
    ...
    ValueError: gp_lambda is a setting of wgan-gp; this run's objective is nsgan (its settings: label_smoothing)
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields

from ganviz.data.images import IMAGE_SETS, SIZES
from ganviz.data.points import check_flat
from ganviz.data.toy import DATASETS, OWN
from ganviz.nets.factory import ARCHS
from ganviz.nets.mlp import ACTIVATIONS
from ganviz.objectives import OBJECTIVES, PARAM_OWNERS, Params
from ganviz.objectives.base import coerce, param
from ganviz.objectives.energy import STANDARDISED

OPTIMIZERS = ("adam", "rmsprop", "sgd")
FOLDER = "folder"  # the dataset of a run on a folder's images (``source``)
LATENTS = ("normal", "uniform")
SCHEDULES = ("constant", "linear")


def setting(default, *, score_only: bool = False, **meta):
    """A field of ``Regularisers`` or ``Tricks``: ``param``'s metadata, and ``score_only`` when it needs
    a score discriminator (an autoencoder D has no score to penalise and no features to match)."""
    return field(default=default, metadata={**param(default, **meta).metadata, "score_only": score_only})


ON_OFF = (False, True)  # a switch's choices (its type, bool, is checked by ``TrainConfig.validate``)


@dataclass(frozen=True)
class Regularisers(Params):
    """Terms any objective may add to a network's loss, or constraints on its weights; 0 is off. R1
    acts on D; historical averaging, orthogonal regularisation and the sigma clamp on both networks.

    Example:
        >>> Regularisers(r1_gamma=-1.0).validate()
        Traceback (most recent call last):
        ...
        ValueError: r1_gamma must lie in [0, inf), got -1.0
    """

    r1_gamma: float = setting(
        0.0, label="R1 gamma", control=(0.0, 10.0), score_only=True,
        help="R1 = (γ/2) E_real ‖∇ₓ D(x)‖² (Mescheder et al. 2018), with the 1/2 kept (some code drops it). "
             + STANDARDISED + ": in data units the weight is γ·s².",
        paper="γ = 10 in Mescheder et al. 2018's image runs")
    historical_averaging: float = setting(
        0.0, label="historical averaging weight", control=(0.0, 0.1), step=0.001, fmt="%.3f",
        help="w ‖θ − (1/t) Σᵢ θᵢ‖² on each network's loss, θᵢ its weights after its step i "
             "(Salimans et al. 2016, Sec. 3.3).",
        paper="no weight given (Salimans et al. 2016, Sec. 3.3)")
    ortho_beta: float = setting(
        0.0, label="orthogonal regularisation β", control=(0.0, 0.01),
        help="β Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F on each network's loss, W every weight as (out, −1): the filters are "
             "pushed towards orthogonality and their norms left free (Brock et al. 2019, eq. 3).",
        paper="β = 10⁻⁴ (Brock et al. 2019, Sec. 3.1)")
    sigma_clamp: float = setting(
        0.0, label="σ₀ clamp", control=(0.0, 10.0),
        help="after each step, every weight's top singular value σ₀ above this is brought down to it: "
             "W ← W − max(0, σ₀ − c) u₀ v₀ᵀ, the rest of the spectrum untouched (Brock et al. 2019, Appendix F).",
        paper="an experiment of Brock et al. 2019, Appendix F; off in BigGAN's recipe")


@dataclass(frozen=True)
class Tricks(Params):
    """The Improved-GAN techniques (Salimans et al. 2016) that change a network or G's objective. Its
    historical averaging is a loss term (``Regularisers``) and its one-sided label smoothing the
    logistic objectives' own setting; an EMA of G's weights (``g_ema``) changes no step of training,
    only which weights are sampled, so it is an optimiser setting.

    Example:
        >>> Tricks(minibatch_kernels=1.5).validate()
        Traceback (most recent call last):
        ...
        ValueError: minibatch_kernels must be a whole number, got 1.5
    """

    feature_matching: bool = setting(
        False, label="feature matching", choices=ON_OFF, score_only=True,
        help="G minimises ‖E f(x) − E f(G(z))‖² on D's last hidden layer f instead of its objective's loss "
             "(Salimans et al. 2016, Sec. 3.1).",
        paper="Salimans et al. 2016, Sec. 3.1")
    minibatch_kernels: int = setting(
        0, label="minibatch discrimination kernels", control=(0, 16), score_only=True,
        help="B kernels (0 = off): o(x_i)_b = Σ_{j ≠ i} exp(−‖M_i,b − M_j,b‖₁) (Salimans et al. 2016, Sec. 3.2). "
             "The paper sums over j = 1..n; the j = i term is the constant 1 and is left out here.",
        paper="Salimans et al. 2016, Sec. 3.2")
    virtual_batch_norm: bool = setting(
        False, label="virtual batch norm in G", choices=ON_OFF,
        help="each of the MLP generator's hidden layers normalises an example with the statistics of a reference "
             "batch, fixed at the start, together with that example alone (Salimans et al. 2016, Sec. 3.4).",
        paper="Salimans et al. 2016, Sec. 3.4")


# The config's fields that hold settings objects: their fields are flat keys outside the config.
GROUPS: dict[str, type[Params]] = {"reg": Regularisers, "tricks": Tricks}
GROUP_OF = {f.name: group for group, cls in GROUPS.items() for f in fields(cls)}  # flat key -> its group
SCORE_ONLY = {f.name: f.default for cls in GROUPS.values() for f in fields(cls) if f.metadata["score_only"]}
NESTED = frozenset({"params", *GROUPS})


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = field(default="ring8", metadata={"help": (
        "a toy point set, 'own' (drawn points), an image set (digits), or 'folder': the images of "
        "``source``.")})
    objective: str = "nsgan"
    params: Params | None = None  # the objective's settings; None: its defaults
    seed: int = 0
    # images (a data set of IMAGE_SETS, or FOLDER): side in pixels, architecture, shift augmentation
    source: str = field(default="", metadata={"help": (
        "dataset 'folder': the images' folder. On the command line a path; on a page an operator's data "
        "set name or this session's upload (ganviz.data.access), never a path from a browser.")})
    channels: int = 1  # dataset 'folder': 1 (grey) or 3 (colour); an image set has its own
    image_size: int = 16
    arch: str = field(default="dcgan", metadata={"help": (
        "dcgan: DCGAN-style conv G and D (BEGAN's autoencoder as D for energy objectives); began: BEGAN's "
        "decoder as G and its autoencoder as D; sagan: the DCGAN pair with a self-attention block at 8x8 "
        "and spectral norm in G (Zhang et al. 2019); biggan: a class-conditional BigGAN, G(z, y) with a shared "
        "class embedding and conditional batch norm, and a projection D(x, y) (Brock et al. 2019), for labelled "
        "images.")})
    shift: int = 0  # real images shifted by up to this many pixels each time they are drawn (0 = off)
    skip: bool = field(default=False, metadata={"help": (
        "arch began: skip connections from h, projected to 8x8 and upsampled, concatenated after each "
        "upsampling (Berthelot et al. 2017, Sec. 3.5).")})
    # networks (widths: units per MLP layer, or filters of a conv net's first scale)
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
    tricks: Tricks = field(default_factory=Tricks)  # Improved-GAN's feature matching, minibatch discrimination, VBN
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
    reg: Regularisers = field(default_factory=Regularisers)  # R1, historical averaging, orthogonal, sigma clamp
    ae_pretrain_steps: int = 0
    # BEGAN's schedules (Berthelot et al. 2017): hooks of the one trainer (ganviz.training.schedules)
    lr_patience: int = field(default=0, metadata={"help": (
        "objective began: halve both learning rates when M_global (smoothed over ~100 steps) has not "
        "improved for this many steps (0 = never), down to lr_min.")})
    lr_min: float = 1e-6
    residual_steps: int = field(default=0, metadata={"help": (
        "arch began: vanishing residuals, each block's input carried with weight 1 -> 0 over these "
        "steps (0 = off).")})
    # running
    device: str = "auto"
    threads: int = 1
    log_every: int = 10
    eval_every: int = 250
    eval_samples: int = 2500
    history_max: int = 2000
    # the "own" dataset's points, flat (x0, y0, x1, y1, ...; ganviz.data.points): a tuple, so the
    # config stays hashable. Left out of to_dict while empty; a link carries it in its own compact
    # code (ganviz.ui.toy_controls), never as this flat key.
    points: tuple[float, ...] = ()

    def __post_init__(self):
        if isinstance(self.points, list):  # from JSON (a recipe, a checkpoint)
            object.__setattr__(self, "points", tuple(self.points))
        if self.params is None and self.objective in OBJECTIVES:
            object.__setattr__(self, "params", OBJECTIVES[self.objective].Params())

    def replace(self, **changes) -> "TrainConfig":
        """A copy with ``changes``, which may name the settings of ``params``, ``reg`` and ``tricks``
        as flat keys; a new objective starts from its own settings' defaults."""
        flat = {k: changes.pop(k) for k in list(changes) if k in PARAM_OWNERS or k in GROUP_OF}
        if changes.get("objective", self.objective) != self.objective and "params" not in changes:
            changes["params"] = None
        cfg = dataclasses.replace(self, **changes)
        return cfg._with_settings(flat) if flat else cfg

    def _with_settings(self, values: dict) -> "TrainConfig":
        """A copy with flat settings ``values`` put into the settings objects that hold them."""
        by_group: dict[str, dict] = {}
        for k, v in values.items():
            by_group.setdefault(GROUP_OF.get(k, "params"), {})[k] = v
        if "params" in by_group:
            if self.params is None:
                raise ValueError(f"unknown objective {self.objective!r}; choose one of: {', '.join(OBJECTIVES)}")
            own = set(self.params.to_dict())
            for k in by_group["params"]:
                if k not in own:
                    raise ValueError(f"{k} is a setting of {', '.join(PARAM_OWNERS[k])}; this run's objective is "
                                     f"{self.objective} (its settings: {', '.join(own) or 'none'})")
        return dataclasses.replace(self, **{g: getattr(self, g).replace(**v) for g, v in by_group.items()})

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
            if f.name not in NESTED and f.name != "points":
                _check_type(f.name, f.type, getattr(self, f.name))
        for name, cls in GROUPS.items():
            group = getattr(self, name)
            if type(group) is not cls:
                raise ValueError(f"{name} must be {cls.__name__}, got {group!r}")
            for f in fields(group):
                _check_type(f.name, f.type, getattr(group, f.name))
            group.validate()
        _choice("dataset", self.dataset, (*DATASETS, *IMAGE_SETS, OWN, FOLDER))
        if self.dataset == FOLDER:
            if not self.source:
                raise ValueError("dataset 'folder' needs source: the folder of images (or a page's data set name)")
            _choice("channels", self.channels, (1, 3))
        elif self.source or self.channels != 1:
            raise ValueError(f"source and channels name a folder's images (dataset {FOLDER!r}); "
                             f"{self.dataset} has its own")
        if self.dataset == OWN:
            check_flat(self.points)
        elif self.points:
            raise ValueError(f"points are the {OWN!r} dataset's, and this run trains on {self.dataset}")
        _choice("objective", self.objective, OBJECTIVES)
        if type(self.params) is not OBJECTIVES[self.objective].Params:
            raise ValueError(f"params are {type(self.params).__name__}, not {self.objective}'s settings")
        self.params.validate()
        _choice("latent_dist", self.latent_dist, LATENTS)
        _choice("g_activation", self.g_activation, ACTIVATIONS)
        _choice("d_activation", self.d_activation, ACTIVATIONS)
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
        if is_image_data(self.dataset):
            _choice("image_size", self.image_size, SIZES)
            _choice("arch", self.arch, ARCHS)
            if self.arch == "began" and OBJECTIVES[self.objective].discriminator != "autoencoder":
                raise ValueError(f"arch 'began' is an autoencoder pair: it needs an energy objective (ebgan, began), "
                                 f"not {self.objective}")
            if self.arch == "biggan" and OBJECTIVES[self.objective].discriminator != "score":
                raise ValueError(f"arch 'biggan' has a projection discriminator D(x, y): it needs an objective with a "
                                 f"score discriminator, not {self.objective}")
            if self.arch == "biggan" and self.tricks.minibatch_kernels:
                raise ValueError("arch 'biggan' has a projection discriminator: it takes no minibatch discrimination")
            if self.tricks.virtual_batch_norm:
                raise ValueError("virtual_batch_norm is the toy MLP generator's; the conv generator has batch norm")
            if self.skip and self.arch != "began":
                raise ValueError("skip connections are BEGAN's networks' (arch 'began'), not the DCGAN pair's")
            if self.residual_steps and self.arch != "began":
                raise ValueError("residual_steps (vanishing residuals) are BEGAN's networks' (arch 'began')")
        elif self.shift:
            raise ValueError("shift augments images; it does not apply to toy points")
        elif self.skip:
            raise ValueError("skip connections are BEGAN's image networks'; they do not apply to toy points")
        elif self.residual_steps:
            raise ValueError("residual_steps (vanishing residuals) are BEGAN's image networks'; not toy points")
        if self.lr_patience and self.objective != "began":
            raise ValueError(f"lr_patience halves the lr on an M_global plateau: M_global is BEGAN's, not "
                             f"{self.objective}'s")
        for name in ("ae_pretrain_steps", "total_steps", "shift", "lr_patience", "lr_min", "residual_steps"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if not 0 <= self.lr_decay_start < 1:
            raise ValueError(f"lr_decay_start must lie in [0, 1), got {self.lr_decay_start!r}")
        if self.lr_schedule == "linear" and self.total_steps < 1:
            raise ValueError("lr_schedule 'linear' needs total_steps >= 1")
        if OBJECTIVES[self.objective].discriminator == "autoencoder":
            for name, off in SCORE_ONLY.items():
                if getattr(getattr(self, GROUP_OF[name]), name) != off:
                    raise ValueError(f"{name} needs a score discriminator; {self.objective} uses an autoencoder")
        return self

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Build from flat keys (a JSON recipe, a link, ``--set``); unknown keys are an error that
        names them. Another objective's setting is an error too, unless it holds that setting's
        default (recipes written before settings belonged to their objective list every one)."""
        d = dict(d)
        objective = d.get("objective", cls.objective)
        own = set(OBJECTIVES[objective].Params().to_dict()) if objective in OBJECTIVES else set()
        settings = {k: d.pop(k) for k in list(d) if k in own or k in GROUP_OF}
        for k in [k for k in d if k in PARAM_OWNERS]:
            value = d.pop(k)
            default = OBJECTIVES[PARAM_OWNERS[k][0]].Params()
            if coerce(default, k, value) != getattr(default, k):
                raise ValueError(f"{k} is a setting of {', '.join(PARAM_OWNERS[k])}, not of {objective}")
        unknown = set(d) - set(FLAT_FIELDS)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        cfg = cls(**d)
        return cfg.replace(**settings) if settings else cfg

    def to_dict(self) -> dict:
        """Flat: every field but ``params`` (and ``points`` while empty), ``reg`` and ``tricks`` as their
        settings where they stand, then the objective's settings."""
        out = {}
        for f in fields(self):
            if f.name in GROUPS:
                out.update(getattr(self, f.name).to_dict())
            elif f.name != "params" and (f.name != "points" or self.points):
                out[f.name] = getattr(self, f.name)
        return {**out, **(self.params.to_dict() if self.params is not None else {})}


# Every flat key of a config but the objective's settings, in ``to_dict``'s order.
FLAT_FIELDS = tuple(k for f in fields(TrainConfig) if f.name != "params"
                    for k in ([g.name for g in fields(GROUPS[f.name])] if f.name in GROUPS else [f.name]))


def field_help(name: str) -> str | None:
    """The help text a field (or an objective's setting) carries in its metadata, or None."""
    if name in PARAM_OWNERS:
        return next(f for f in fields(OBJECTIVES[PARAM_OWNERS[name][0]].Params) if f.name == name).metadata["help"]
    if name in GROUP_OF:
        return next(f for f in fields(GROUPS[GROUP_OF[name]]) if f.name == name).metadata["help"]
    for f in fields(TrainConfig):
        if f.name == name:
            return f.metadata.get("help")
    raise ValueError(f"unknown config field {name!r}")


def is_image_data(dataset: str) -> bool:
    """Whether a run on ``dataset`` trains on images (an image set or a folder) rather than points."""
    return dataset in IMAGE_SETS or dataset == FOLDER


STRUCTURAL = frozenset({
    "dataset", "source", "channels", "objective", "seed", "latent_dim", "g_depth", "g_width", "g_activation", "d_depth", "d_width",
    "d_activation", "ae_code", "spectral_norm", "minibatch_kernels", "virtual_batch_norm", "optimizer", "device",
    "threads", "ae_pretrain_steps", "standardize", "eval_samples", "image_size", "arch", "skip",
    "points",
})


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(map(str, allowed))}")


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
