"""Checkpoints: one file format for every model ganviz saves, written atomically, never unpickled.

A checkpoint is ``NAME.safetensors`` and ``NAME.json`` beside it. The safetensors header's metadata is
``{"format": "ganviz", "kind": KIND, "version": "2", "recipe": JSON}`` (safetensors metadata values
are strings, so the version is "2" there); ``NAME.json`` is the same header, readable:
``{"format": "ganviz", "kind": KIND, "version": 2, **recipe}``. The recipe holds what rebuilds the
model and ``command``, the one command that made the weights. The kinds (``KINDS``):

- "toy": the one ``Trainer`` on 2-D points (tensors "G.*", "D.*", "G_ema.*", "G_reference");
- "image": the same ``Trainer`` on images (an image set or a folder), BEGAN's runs included;
- "began": read only: the separate BEGAN trainer's files, before BEGAN ran on the one Trainer (tensors
  "G.*", "D.*"); ``_from_began`` maps their recipe onto an "image" run of objective and arch began;
- "classifier": the digit classifier of ``ganviz.training.classifier`` (tensors "net.*").

A reader names the kinds it opens; a file of another kind is refused with a message naming both.
Files of the formats before this one ("ganviz-toy-gan" v1, "ganviz-began" v1, "ganviz-classifier"
v1) are read through ``_from_old_format``, which maps their recipes onto this one, so old files keep
opening; ``convert`` (``python -m ganviz convert-checkpoint OLD NEW``) rewrites one in this format.
Loading reads only the safetensors file: safetensors parses a JSON header and raw tensor bytes, so
a pickle payload inside can never run.

Example:
    >>> data = serialise({"w": torch.ones(2)}, {"command": None}, "classifier")
    >>> kind, recipe, tensors = parse(data, ("classifier",), "the example")
    >>> kind, recipe, tensors["w"].tolist()
    ('classifier', {'command': None}, [1.0, 1.0])
    >>> parse(data, ("toy",), "the toy lab")
    Traceback (most recent call last):
    ...
    ganviz.training.checkpoint.CheckpointError: this is a digit classifier checkpoint; the toy lab opens toy GAN checkpoints: choose one saved by the toy lab or `python -m ganviz train --out`
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from pathlib import Path
from typing import NamedTuple

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ganviz.data.points import MAX_POINTS
from ganviz.training.config import TrainConfig, is_image_data
from ganviz.training.trainer import Trainer

FORMAT = "ganviz"
VERSION = 2
MAX_BYTES = 64 * 1024 * 1024
# kind: (what the message calls it, where such a file comes from: the hint when another kind is given)
KINDS = {"toy": ("toy GAN", "the toy lab or `python -m ganviz train --out`"),
         "image": ("image GAN", "the image lab, the BEGAN page, or `python -m ganviz image --out` (or `began`)"),
         "began": ("BEGAN", "`python -m ganviz began --out` before version 2 of the BEGAN trainer"),
         "classifier": ("digit classifier", "`python -m ganviz classifier --out`")}
# The formats before this one: their name in the header -> the kind their files become.
OLD_FORMATS = {"ganviz-toy-gan": "toy", "ganviz-began": "began", "ganviz-classifier": "classifier"}
TRAINER_KINDS = ("toy", "image")  # what the one Trainer rebuilds


# What a checkpoint from a browser may ask of the server: the toy lab's own ranges (its widgets',
# and the defaults' scale for fields without one). An uploaded recipe is checked against these
# before anything is built from it: a 265 kB file asking for 4096-wide nets took 1.3 GB of the
# server's memory before its weights were found not to fit. The command line's files are not bound.
UPLOAD_LIMITS = {"latent_dim": 16, "g_depth": 6, "d_depth": 6, "g_width": 512, "d_width": 512, "ae_code": 16,
                 "minibatch_kernels": 16, "batch": 512, "n_critic": 10, "eval_samples": 5000, "history_max": 5000,
                 "ae_pretrain_steps": 2000, "total_steps": 1_000_000, "log_every": 10**9, "eval_every": 10**9,
                 "points": MAX_POINTS}  # an own data set's points (counted in points, not numbers)
# An image run's: conv widths are filters of the first scale, so a browser's file stays near the
# image lab's and the BEGAN page's scale (h = 200,000 took 3.4 GB before such a check).
IMAGE_UPLOAD_LIMITS = {**UPLOAD_LIMITS, "latent_dim": 128, "ae_code": 128, "g_width": 64, "d_width": 64,
                       "batch": 64, "shift": 4, "residual_steps": 100_000, "lr_patience": 1_000_000}


class CheckpointError(ValueError):
    """The file is not a checkpoint we can load; the message says why and what to do."""


class Contents(NamedTuple):
    """What ``parse`` finds in a checkpoint: its kind, its recipe (a dict) and its tensors."""

    kind: str
    recipe: dict
    tensors: dict[str, torch.Tensor]


def check_limits(values: dict, limits: dict[str, int], what: str = "this server") -> None:
    """Refuse a recipe (a dict of config values) that asks for more than ``limits`` allow.

    Example:
        >>> check_limits({"g_width": 128, "batch": 4096}, UPLOAD_LIMITS)
        Traceback (most recent call last):
        ...
        ganviz.training.checkpoint.CheckpointError: its recipe asks for batch = 4096; this server takes at most 512
        >>> check_limits({"points": [0.0] * 200_002}, UPLOAD_LIMITS)
        Traceback (most recent call last):
        ...
        ganviz.training.checkpoint.CheckpointError: its recipe holds 100,001 points; this server takes at most 100,000
    """
    for k, top in limits.items():
        v = values.get(k)
        if k == "points" and isinstance(v, (list, tuple)):
            if len(v) // 2 > top:
                raise CheckpointError(f"its recipe holds {len(v) // 2:,} points; {what} takes at most {top:,}")
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > top:
            raise CheckpointError(f"its recipe asks for {k} = {v:g}; {what} takes at most {top:g}")


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``: a reader
    (or a crash) sees the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp's file is private (0600); the result should read like any file written here: an
        # overwritten file keeps its own mode, a new one gets the usual 0644.
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- the format: writing ---------------------------------------------------------------------------
def _kind_checked(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown checkpoint kind {kind!r}; the kinds are {', '.join(KINDS)}")
    return kind


def serialise(tensors: dict[str, torch.Tensor], recipe: dict, kind: str) -> bytes:
    """The .safetensors bytes: the tensors, with the format, kind, version and recipe in the header."""
    meta = {"format": FORMAT, "kind": _kind_checked(kind), "version": str(VERSION), "recipe": json.dumps(recipe)}
    return st_save(tensors, metadata=meta)


def sidecar(recipe: dict, kind: str) -> bytes:
    """The .json beside a checkpoint: its header as readable JSON (format, kind, version, then the recipe)."""
    head = {"format": FORMAT, "kind": _kind_checked(kind), "version": VERSION}
    return (json.dumps({**head, **recipe}, indent=2) + "\n").encode()


def write(path: str | Path, tensors: dict[str, torch.Tensor], recipe: dict, kind: str) -> Path:
    """Write NAME.safetensors and NAME.json atomically; returns the weights' path.

    ".safetensors" is appended, never swapped in: "run_gamma0.3" must not become "run_gamma0.safetensors".
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_name(path.name + ".safetensors")
    atomic_write(path, serialise(tensors, recipe, kind))
    atomic_write(path.with_suffix(".json"), sidecar(recipe, kind))
    return path


# --- the format: reading ---------------------------------------------------------------------------
def _describe_foreign(data: bytes) -> str:
    if data[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):
        return "it is a Python pickle, which ganviz never loads (a pickle can run code)"
    if data[:2] == b"PK":
        return "it is a zip archive (torch.save's format, which holds a pickle); ganviz never loads those"
    return "it is truncated or not a safetensors file"


def _recipe_json(meta: dict) -> dict:
    try:
        recipe = json.loads(meta["recipe"])
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    if not isinstance(recipe, dict):
        raise CheckpointError("the checkpoint's recipe is damaged: it is not a JSON object")
    return recipe


def _from_old_format(fmt: str, meta: dict) -> tuple[str, dict]:
    """(kind, recipe) of a file written before this format. Their recipes were this one's plus their
    own "format" and "version"; those go, and "converted_from" says where the file came from. The
    toy trainer's old format held image runs too: its kind follows the recipe's data set."""
    recipe = _recipe_json(meta)
    old_version = recipe.pop("version", meta.get("version"))
    recipe.pop("format", None)
    kind = OLD_FORMATS[fmt]
    if kind == "toy" and isinstance(recipe.get("config"), dict) and is_image_data(recipe["config"].get("dataset", "")):
        kind = "image"
    recipe["converted_from"] = f"{fmt} v{old_version}"
    return kind, recipe


# The separate BEGAN trainer's settings -> the one config's (h was both the latent and the code, n the
# filters of both networks, lr both learning rates); the rest kept their names.
_BEGAN_FIELDS = {"h": ("latent_dim", "ae_code"), "n": ("g_width", "d_width"), "lr": ("lr_g", "lr_d"),
                 "size": ("image_size",)}
_BEGAN_DROPPED = ("steps_hint",)


def _from_began(recipe: dict) -> dict:
    """A "began" recipe as an "image" run's: the config mapped, BEGAN's state (k_t, M_global, the lr)
    as the one trainer keeps it, the history with its lr column renamed. The weights' names are the
    same ("G.*" the decoder, "D.*" the autoencoder)."""
    try:
        old, state = dict(recipe["config"]), dict(recipe.get("state") or {})
        config = {"objective": "began", "arch": "began", "latent_dist": "uniform", "optimizer": "adam",
                  "spectral_norm": False, "n_critic": 1, "eval_samples": 64, "eval_every": 250}
        source = old.pop("source", "digits")
        config.update({"dataset": "digits"} if source == "digits" else {"dataset": "folder", "source": source,
                                                                       "channels": old.get("channels", 1)})
        old.pop("channels", None)
        for name in _BEGAN_DROPPED:
            old.pop(name, None)
        for name, value in old.items():
            for new in _BEGAN_FIELDS.get(name, (name,)):
                config[new] = value
        lr = float(state.get("lr", config.get("lr_g", 1e-4)))
        history = [{("lr_g" if k == "lr" else k): v for k, v in row.items()} for row in recipe.get("history") or []]
        config = TrainConfig.from_dict(config).validate().to_dict()
        plateau = {"smooth": state.get("m_smooth"), "best": state.get("m_best"), "best_step": state.get("step", 0),
                   "last_step": state.get("step", 0)}
    except (KeyError, ValueError, TypeError, AttributeError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    out = {k: v for k, v in recipe.items() if k not in ("config", "state", "history", "data")}
    out.update(config=config, history=history, state={
        "step": int(state.get("step", 0)), "lr_factor": lr / float(config.get("lr_g", lr) or lr),
        "objective": {"k_t": state.get("k_t", 0.0), "m_global": state.get("m_global")},
        "schedules": {"plateau": plateau}, "train_seconds": state.get("train_seconds", 0.0)})
    out["converted_from"] = " then ".join(filter(None, [recipe.get("converted_from"), "began (BEGANTrainer)"]))
    if isinstance(recipe.get("command"), str):
        out["command"] = _began_command(recipe["command"])
    return out


def _began_command(command: str) -> str:
    """The BEGAN trainer's command in the one config's names: ``--set h=16`` is
    ``--set latent_dim=16 --set ae_code=16``, and so on (``_BEGAN_FIELDS``).

    Example:
        >>> _began_command("python -m ganviz began --gamma 0.3 --set h=16 --set lr=5e-05 --set shift=2")
        'python -m ganviz began --gamma 0.3 --set latent_dim=16 --set ae_code=16 --set lr_g=5e-05 --set lr_d=5e-05 --set shift=2'
    """
    words, out = shlex.split(command), []
    for i, word in enumerate(words):
        if i and words[i - 1] == "--set":
            name, _, value = word.partition("=")
            news = _BEGAN_FIELDS.get(name, (name,))
            out += [part for new in news for part in ("--set", shlex.quote(f"{new}={value}"))][1:]
        else:
            out.append(shlex.quote(word) if word else "''")
    return " ".join(out)


def _read_header(data: bytes) -> tuple[dict, dict[str, torch.Tensor]]:
    """(header metadata, tensors) of safetensors bytes; anything else raises CheckpointError."""
    if len(data) > MAX_BYTES:
        raise CheckpointError(f"the file is {len(data) / 2**20:.1f} MB; checkpoints are at most "
                              f"{MAX_BYTES // 2**20} MB")
    try:
        tensors = st_load(data)
        header_len = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + header_len])
    except (SafetensorError, ValueError, UnicodeDecodeError, OverflowError) as e:
        raise CheckpointError(f"cannot read this checkpoint: {_describe_foreign(data)}. "
                              f"Use a .safetensors file written by ganviz. ({type(e).__name__})") from None
    return header.get("__metadata__") or {}, tensors


def parse(data: bytes, kinds: tuple[str, ...], reader: str) -> Contents:
    """(kind, recipe, tensors) of the bytes of a ganviz checkpoint of one of ``kinds`` (old formats
    converted on the way). ``reader`` names who is opening it, for the message when the kind is
    another. A foreign, pickled, truncated, oversized or damaged file raises CheckpointError."""
    return _checked(*_read_header(data), kinds, reader)


def _checked(meta: dict, tensors: dict[str, torch.Tensor], kinds: tuple[str, ...], reader: str) -> Contents:
    fmt = meta.get("format")
    if fmt in OLD_FORMATS:
        kind, recipe = _from_old_format(fmt, meta)
    elif fmt == FORMAT:
        if meta.get("version") != str(VERSION):
            raise CheckpointError(f"this checkpoint is format version {meta.get('version')!r}; this ganviz reads "
                                  f"version {VERSION} (and the older formats): update ganviz to open it")
        kind = meta.get("kind")
        if kind not in KINDS:
            raise CheckpointError(f"this checkpoint's kind {kind!r} is unknown; the kinds are {', '.join(KINDS)}")
        recipe = _recipe_json(meta)
    else:
        raise CheckpointError(f"this safetensors file was not written by ganviz (its header's format is {fmt!r}, "
                              f"not {FORMAT!r}): use a .safetensors file saved by ganviz")
    if kind == "began":
        kind, recipe = "image", _from_began(recipe)
    if kind not in kinds:
        wanted = " or ".join(KINDS[k][0] for k in kinds)
        where = " or ".join(KINDS[k][1] for k in kinds)
        article = "an" if KINDS[kind][0][0] in "aeiou" else "a"
        raise CheckpointError(f"this is {article} {KINDS[kind][0]} checkpoint; {reader} opens {wanted} checkpoints: "
                              f"choose one saved by {where}")
    return Contents(kind, recipe, tensors)


def read_file(path: str | Path) -> bytes:
    """The bytes of a checkpoint file; a missing or oversized file raises CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}: check the path")
    if path.stat().st_size > MAX_BYTES:
        raise CheckpointError(f"{path} is {path.stat().st_size / 2**20:.1f} MB; checkpoints are at most "
                              f"{MAX_BYTES // 2**20} MB")
    return path.read_bytes()


def read(path: str | Path, kinds: tuple[str, ...], reader: str) -> Contents:
    """``parse`` of the file at ``path`` (a missing or oversized file raises CheckpointError)."""
    return parse(read_file(path), kinds, reader)


def convert(src: str | Path, dst: str | Path) -> tuple[Path, Contents, str]:
    """Rewrite the checkpoint at ``src`` (any kind, old format or this one) in this format at ``dst``
    (.safetensors + .json, atomically; ``dst`` may be ``src``): the same tensors, the recipe mapped.
    Returns (the new weights' path, what was read, the format it was read from).

    Example:
        >>> import tempfile
        >>> from safetensors.torch import save_file
        >>> folder = Path(tempfile.mkdtemp())
        >>> save_file({"net.w": torch.ones(1)}, folder / "old.safetensors",
        ...           {"format": "ganviz-classifier", "version": "1", "recipe": '{"size": 16, "command": null}'})
        >>> path, got, was = convert(folder / "old.safetensors", folder / "new")
        >>> was, got.kind, read(path, ("classifier",), "the example").recipe
        ('ganviz-classifier v1', 'classifier', {'size': 16, 'command': None, 'converted_from': 'ganviz-classifier v1'})
    """
    meta, tensors = _read_header(read_file(src))  # read whole before writing: dst may be src
    got = _checked(meta, tensors, tuple(KINDS), "the converter")
    was = f"{meta['format']} v{meta.get('version')}"
    return write(dst, got.tensors, got.recipe, got.kind), got, was


# --- the one Trainer's checkpoints (kinds "toy" and "image") ---------------------------------------
def _tensors(trainer: Trainer) -> dict[str, torch.Tensor]:
    out = {}
    for prefix, net in (("G", trainer.G), ("D", trainer.D), ("G_ema", trainer.G_ema)):
        if net is None:
            continue
        for k, v in net.state_dict().items():
            out[f"{prefix}.{k}"] = v.detach().cpu().contiguous()
    if getattr(trainer.G, "reference", None) is not None:  # the toy MLP generator's VBN reference batch
        out["G_reference"] = trainer.G.reference.detach().cpu().contiguous()
    return out


def trainer_kind(config: TrainConfig) -> str:
    """"image" for a run on an image set, "toy" for one on points.

    Example:
        >>> trainer_kind(TrainConfig(dataset="digits")), trainer_kind(TrainConfig(dataset="ring8"))
        ('image', 'toy')
    """
    return "image" if is_image_data(config.dataset) else "toy"


def _contents(trainer: Trainer, command: str | None) -> tuple[dict[str, torch.Tensor], dict, str]:
    state = {"step": trainer.step_count, "objective": trainer.objective.state(), "lr_factor": trainer.lr_factor,
             "schedules": {s.name: s.state() for s in trainer.schedules},
             "train_seconds": round(trainer.train_seconds, 3)}
    # The curves travel with the weights: a reopened run shows where it came from.
    recipe = {"config": trainer.config.to_dict(), "state": state, "history": trainer.history.rows,
              "eval_history": trainer.eval_history.rows, "command": command}
    return _tensors(trainer), recipe, trainer_kind(trainer.config)


def to_bytes(trainer: Trainer, command: str | None = None) -> bytes:
    """The .safetensors file that ``save`` writes, as bytes (a page's download); the recipe sits in
    its header, so it needs no .json beside it."""
    return serialise(*_contents(trainer, command))


def save(trainer: Trainer, path: str | Path, command: str | None = None) -> Path:
    """Write ``path`` (.safetensors) and its .json recipe atomically; returns the weights' path."""
    return write(path, *_contents(trainer, command))


def _trainer_recipe(recipe: dict, limits: dict[str, int] | None, kind: str) -> dict:
    """The recipe checked (and with ``limits``, a browser's file, bounded) before anything is built."""
    try:
        if limits is not None:
            check_limits(recipe["config"], IMAGE_UPLOAD_LIMITS if kind == "image" and limits is UPLOAD_LIMITS
                         else limits)
            # the server's threads and device are its own, whatever the file says
            recipe["config"] = {**recipe["config"], "threads": 1, "device": "auto"}
        TrainConfig.from_dict(recipe["config"]).validate()
        int(recipe["state"].get("step", 0))
        float(recipe["state"].get("lr_factor", 1.0))
        float(recipe["state"].get("train_seconds", 0.0))
        dict(recipe["state"].get("objective", {}))
        dict(recipe["state"].get("schedules", {}))
        for key in ("history", "eval_history"):
            recipe[key] = [dict(row) for row in recipe.get(key) or []]
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    return recipe


def load_weights(net: torch.nn.Module, tensors: dict[str, torch.Tensor], prefix: str) -> None:
    """Load the tensors named ``prefix.*`` into ``net`` (strict); a shape mismatch raises CheckpointError."""
    sd = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    try:
        net.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[1:2] or [str(e)]
        raise CheckpointError(f"the weights of {prefix} do not fit the architecture in the recipe: "
                              f"{first[0].strip()}") from None


def check_bytes(data: bytes, kinds: tuple[str, ...] = TRAINER_KINDS, reader: str = "the Trainer",
                limits: dict[str, int] | None = UPLOAD_LIMITS) -> tuple[TrainConfig, dict]:
    """(config, recipe) of a trainer checkpoint's bytes, checked as ``from_bytes`` checks them (format,
    kind, limits, a valid config) without building anything: a page's server checks an upload with
    it and a worker's process builds the run. Whether the weights fit is the builder's check.

    Example:
        >>> t = Trainer(TrainConfig(g_width=8, d_width=8, eval_samples=100))
        >>> check_bytes(to_bytes(t))[0].g_width
        8
    """
    kind, recipe, _ = parse(data, kinds, reader)
    recipe = _trainer_recipe(recipe, limits, kind)
    return TrainConfig.from_dict(recipe["config"]), recipe


def from_bytes(data: bytes, limits: dict[str, int] | None = UPLOAD_LIMITS, kinds: tuple[str, ...] = TRAINER_KINDS,
               reader: str = "the Trainer", open_data=None, device: str | None = None) -> Trainer:
    """A trainer rebuilt from its recipe with the checkpoint's weights (validated shapes), its
    curves and its schedules' state. The bytes come from a browser unless said otherwise, so the
    recipe is held to ``limits`` (None: none; an image run's are ``IMAGE_UPLOAD_LIMITS``).
    ``kinds`` are those the caller opens (a page of one kind passes its own, and its name as ``reader``).

    ``open_data(config)`` gives an image run's images: a page passes one that reads the recipe's
    ``source`` as a data set name (``ganviz.data.access``), never as a path, since the recipe comes
    from the browser; a browser's folder run without it is refused. Without it the command line's
    folder is opened as a path. ``device`` overrides the recipe's.

    Example:
        >>> t = Trainer(TrainConfig(g_width=8, d_width=8, eval_samples=100)); t.train(1)
        >>> from_bytes(to_bytes(t), kinds=("toy",), reader="the toy lab").step_count
        1
    """
    kind, recipe, tensors = parse(data, kinds, reader)
    recipe = _trainer_recipe(recipe, limits, kind)
    try:
        config = TrainConfig.from_dict(recipe["config"])
        if device is not None:
            config = config.replace(device=device)
        if open_data is None and limits is not None and config.dataset == "folder":
            raise ValueError("its images are a folder's, and a browser's file never names a folder here")
        trainer = Trainer(config, data=None if open_data is None or not is_image_data(config.dataset)
                          else open_data(config))
    except (ValueError, RuntimeError, OverflowError) as e:  # e.g. a seed torch cannot take, a data set not here
        raise CheckpointError(f"cannot rebuild this checkpoint's trainer: {e}") from None
    for prefix, net in (("G", trainer.G), ("D", trainer.D), ("G_ema", trainer.G_ema)):
        if net is not None:
            load_weights(net, tensors, prefix)
    if "G_reference" in tensors:
        trainer.G.reference = tensors["G_reference"].to(trainer.device)
    state = recipe["state"]
    trainer.step_count = int(state.get("step", 0))
    trainer.lr_factor = float(state.get("lr_factor", 1.0))
    trainer.train_seconds = float(state.get("train_seconds", 0.0))
    trainer.history.rows, trainer.eval_history.rows = recipe["history"], recipe["eval_history"]
    try:
        trainer.objective.load_state(state.get("objective", {}))
        for schedule in trainer.schedules:
            schedule.load_state(dict(state.get("schedules", {}).get(schedule.name) or {}))
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    trainer._run_schedules()  # the residual carry of the restored step
    return trainer


def load(path: str | Path, kinds: tuple[str, ...] = TRAINER_KINDS, reader: str = "the Trainer",
         device: str | None = None) -> Trainer:
    """Load a checkpoint file (the local user's: no size limits); a missing, truncated, foreign or
    pickled file raises CheckpointError."""
    return from_bytes(read_file(path), limits=None, kinds=kinds, reader=reader, device=device)
