"""Checkpoints: safetensors weights plus a JSON recipe, written atomically, never unpickled.

A checkpoint is ``NAME.safetensors`` (tensors named "G.*", "D.*", "G_ema.*"; its header metadata
holds the recipe and the training state as JSON) and ``NAME.json`` beside it, a readable copy of
the recipe with the command that reproduces it. Loading reads only the safetensors file:
safetensors parses a JSON header and raw tensor bytes, so a pickle payload inside can never run.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ganviz.data.points import MAX_POINTS
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer

FORMAT = "ganviz-toy-gan"
VERSION = "1"
MAX_BYTES = 64 * 1024 * 1024


# What a checkpoint from a browser may ask of the server: the toy lab's own ranges (its widgets',
# and the defaults' scale for fields without one). An uploaded recipe is checked against these
# before anything is built from it: a 265 kB file asking for 4096-wide nets took 1.3 GB of the
# server's memory before its weights were found not to fit. The command line's files are not bound.
UPLOAD_LIMITS = {"latent_dim": 16, "g_depth": 6, "d_depth": 6, "g_width": 512, "d_width": 512, "ae_code": 16,
                 "minibatch_kernels": 16, "batch": 512, "n_critic": 10, "eval_samples": 5000, "history_max": 5000,
                 "ae_pretrain_steps": 2000, "total_steps": 1_000_000, "log_every": 100_000, "eval_every": 100_000,
                 "points": MAX_POINTS}  # an own data set's points (counted in points, not numbers)


class CheckpointError(ValueError):
    """The file is not a checkpoint we can load; the message says why and what to do."""


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
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def to_bytes(trainer: Trainer, command: str | None = None) -> tuple[bytes, dict]:
    """The safetensors bytes and the recipe dict of a trainer."""
    recipe = {
        "format": FORMAT,
        "version": VERSION,
        "config": trainer.config.to_dict(),
        "state": {"step": trainer.step_count, "objective": trainer.objective.state()},
        "command": command,
    }
    meta = {"format": FORMAT, "version": VERSION, "recipe": json.dumps(recipe)}
    return st_save(_tensors(trainer), metadata=meta), recipe


def save(trainer: Trainer, path: str | Path, command: str | None = None) -> Path:
    """Write ``path`` (.safetensors) and its .json recipe atomically; returns the weights' path."""
    path = Path(path)
    if path.suffix != ".safetensors":
        # Append, never replace: "run_gamma0.3" must not become "run_gamma0.safetensors".
        path = path.with_name(path.name + ".safetensors")
    data, recipe = to_bytes(trainer, command)
    atomic_write(path, data)
    atomic_write(path.with_suffix(".json"), (json.dumps(recipe, indent=2) + "\n").encode())
    return path


def _describe_foreign(data: bytes) -> str:
    if data[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):
        return "it is a Python pickle, which ganviz never loads (a pickle can run code)"
    if data[:2] == b"PK":
        return "it is a zip archive (torch.save's format, which holds a pickle); ganviz never loads those"
    return "it is truncated or not a safetensors file"


def read_safetensors(data: bytes, fmt: str, writer: str) -> tuple[dict, dict[str, torch.Tensor]]:
    """Parse the bytes of a ganviz checkpoint of format ``fmt`` (shared by every checkpoint kind);
    returns (header metadata, tensors). ``writer`` names what writes that format, for the message."""
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
    meta = header.get("__metadata__") or {}
    if meta.get("format") != fmt:
        raise CheckpointError(f"this safetensors file was not written by ganviz's {writer} "
                              f"(format {meta.get('format')!r}, expected {fmt!r})")
    return meta, tensors


def read_file(path: str | Path) -> bytes:
    """The bytes of a checkpoint file; a missing or oversized file raises CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}: check the path")
    if path.stat().st_size > MAX_BYTES:
        raise CheckpointError(f"{path} is {path.stat().st_size / 2**20:.1f} MB; checkpoints are at most "
                              f"{MAX_BYTES // 2**20} MB")
    return path.read_bytes()


def read_recipe(data: bytes, limits: dict[str, int] | None = None) -> tuple[dict, dict[str, torch.Tensor]]:
    """Parse and check the bytes of a checkpoint; returns (recipe, tensors). With ``limits`` (a
    browser's file) the recipe's sizes are bounded too (``check_limits``)."""
    meta, tensors = read_safetensors(data, FORMAT, "toy trainer")
    try:
        recipe = json.loads(meta["recipe"])
        if limits is not None:
            check_limits(recipe["config"], limits)
            # the server's threads and device are its own, whatever the file says
            recipe["config"] = {**recipe["config"], "threads": 1, "device": "auto"}
        TrainConfig.from_dict(recipe["config"]).validate()
        int(recipe["state"].get("step", 0))
        dict(recipe["state"].get("objective", {}))
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    return recipe, tensors


def load_weights(net: torch.nn.Module, tensors: dict[str, torch.Tensor], prefix: str) -> None:
    """Load the tensors named ``prefix.*`` into ``net`` (strict); a shape mismatch raises CheckpointError."""
    sd = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    try:
        net.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[1:2] or [str(e)]
        raise CheckpointError(f"the weights of {prefix} do not fit the architecture in the recipe: "
                              f"{first[0].strip()}") from None


def from_bytes(data: bytes, limits: dict[str, int] | None = UPLOAD_LIMITS) -> Trainer:
    """A trainer rebuilt from its recipe with the checkpoint's weights (validated shapes). The bytes
    come from a browser unless said otherwise, so the recipe is held to ``limits`` (None: none)."""
    recipe, tensors = read_recipe(data, limits)
    try:
        trainer = Trainer(TrainConfig.from_dict(recipe["config"]))
    except (ValueError, RuntimeError, OverflowError) as e:  # e.g. a seed torch cannot take
        raise CheckpointError(f"cannot rebuild this checkpoint's trainer: {e}") from None
    for prefix, net in (("G", trainer.G), ("D", trainer.D), ("G_ema", trainer.G_ema)):
        if net is not None:
            load_weights(net, tensors, prefix)
    if "G_reference" in tensors:
        trainer.G.reference = tensors["G_reference"].to(trainer.device)
    trainer.step_count = int(recipe["state"].get("step", 0))
    try:
        trainer.objective.load_state(recipe["state"].get("objective", {}))
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    return trainer


def load(path: str | Path) -> Trainer:
    """Load a checkpoint file (the local user's: no size limits); a missing, truncated, foreign or
    pickled file raises CheckpointError."""
    return from_bytes(read_file(path), limits=None)
