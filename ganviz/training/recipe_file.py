"""A weights file that carries its recipe: NAME.safetensors (the tensors; the recipe as JSON in the
header, beside its format and version) and NAME.json, a readable copy of the recipe.

The BEGAN trainer's checkpoints (``ganviz.training.began``, format "ganviz-began") and the digit
classifier's (``ganviz.training.classifier``, "ganviz-classifier") are written and read here. Reading
goes through ``ganviz.training.checkpoint.read_safetensors``: never unpickled, and a file of another
format is refused with a message naming the format expected.

Example:
    >>> data = serialise({"w": torch.ones(2)}, {"note": "hi"}, "ganviz-example")
    >>> recipe, tensors = parse(data, "ganviz-example", "example writer")
    >>> recipe, tensors["w"].tolist()
    ({'note': 'hi'}, [1.0, 1.0])
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ganviz.training.checkpoint import CheckpointError, atomic_write, read_file, read_safetensors

VERSION = "1"


def serialise(tensors: dict[str, torch.Tensor], recipe: dict, fmt: str) -> bytes:
    """The .safetensors bytes: the tensors, with the format, version and recipe in the header."""
    from safetensors.torch import save as st_save

    return st_save(tensors, metadata={"format": fmt, "version": VERSION, "recipe": json.dumps(recipe)})


def write(path: str | Path, tensors: dict[str, torch.Tensor], recipe: dict, fmt: str) -> Path:
    """Write NAME.safetensors and NAME.json atomically (".safetensors" is appended, never swapped
    in: "run0.3" becomes "run0.3.safetensors"); returns the weights' path."""
    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_name(path.name + ".safetensors")
    atomic_write(path, serialise(tensors, recipe, fmt))
    atomic_write(path.with_suffix(".json"), (json.dumps(recipe, indent=2) + "\n").encode())
    return path


def parse(data: bytes, fmt: str, writer: str) -> tuple[dict, dict[str, torch.Tensor]]:
    """(recipe, tensors) of the bytes of a file of format ``fmt``; ``writer`` names what writes
    that format, for the message. A foreign or damaged file raises CheckpointError."""
    meta, tensors = read_safetensors(data, fmt, writer)
    try:
        recipe = json.loads(meta["recipe"])
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    return recipe, tensors


def read(path: str | Path, fmt: str, writer: str) -> tuple[dict, dict[str, torch.Tensor]]:
    """``parse`` of the file at ``path`` (a missing or oversized file raises CheckpointError)."""
    return parse(read_file(path), fmt, writer)
