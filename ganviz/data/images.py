"""Image data sets for BEGAN: scikit-learn's handwritten digits, MNIST-style idx files, image folders.

Every loader returns an ``ImageSet``: float32 images of shape (N, C, S, S) scaled to [-1, 1]
(x = 2 v / v_max - 1, as BEGAN's code feeds its autoencoder), and labels where the source has
them. Nothing is downloaded: the digits ship inside scikit-learn (1,797 real 8x8 scans, values
0..16), MNIST and Fashion-MNIST are read from idx files the user already has.

Resizing uses ``torch.nn.functional.interpolate`` (bilinear, antialiased when shrinking), so an 8x8
digit becomes a smooth 16x16 or 32x32 image.

Example:
    >>> d = load_images("digits", size=16)
    >>> tuple(d.images.shape), float(d.images.min()) >= -1, float(d.images.max()) <= 1, d.labels[:3].tolist()
    ((1797, 1, 16, 16), True, True, [0, 1, 2])
"""

from __future__ import annotations

import gzip
import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

SIZES = (16, 32)
IMAGE_SETS = ("digits", "stacked")  # image data sets a config may name (a folder is opened by the command line)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
MAX_IMAGES = 20_000  # enough for a small GAN; keeps memory and load time bounded
MAX_IMAGE_SIDE = 4096  # pixels a side of one image file; ours are shrunk to 16 or 32 anyway


@dataclass(frozen=True)
class ImageSet:
    """Images in [-1, 1], shape (N, C, S, S); ``labels`` (N,) int64 or None; ``source`` for captions."""

    images: torch.Tensor
    labels: torch.Tensor | None
    source: str

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def size(self) -> int:
        return self.images.shape[-1]

    def __len__(self) -> int:
        return self.images.shape[0]


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, size, size), bilinear; antialiased when shrinking."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    shrink = images.shape[-1] > size
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=shrink)


def _finish(images01: torch.Tensor, labels, size: int, source: str) -> ImageSet:
    x = resize(images01.float(), size).clamp(0, 1) * 2 - 1
    y = None if labels is None else torch.tensor(np.array(labels), dtype=torch.int64)
    return ImageSet(x.contiguous(), y, source)


def load_digits(size: int = 16) -> ImageSet:
    """scikit-learn's bundled handwritten digits (8x8, values 0..16), resized to ``size``."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    x = torch.from_numpy(d.images.astype(np.float32) / 16.0).unsqueeze(1)
    return _finish(x, d.target, size, "scikit-learn digits (1,797 8x8 scans)")


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """An idx file's bytes (MNIST's format: magic 0x0000 08 NDIM, big-endian sizes, then uint8 data).

    Example:
        >>> parse_idx(bytes([0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 3, 7, 8, 9]), "x").tolist()
        [[7, 8, 9]]
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08 or not 1 <= data[3] <= 4:
        raise ValueError(f"{name} is not an idx file of bytes (MNIST's format)")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f"{name} is truncated: its header is cut short")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{name} is truncated: its header says {shape}, it holds {body.size} bytes")
    return body.reshape(shape)


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"cannot read {path.name}: {e}") from None
    return parse_idx(data, path.name)


def is_idx_name(name: str, *parts: str) -> bool:
    """Whether a file name looks like an idx file holding ``parts`` (e.g. "train", "images")."""
    n = name.lower().replace(".", "-").replace("_", "-")
    return "idx" in n and all(s in n for s in parts)


def _find(folder: Path, stem_parts: tuple[str, ...]) -> Path | None:
    for p in sorted(folder.iterdir()):
        if is_idx_name(p.name, *stem_parts) and p.is_file():
            return p
    return None


def idx_set(arr: np.ndarray, labels: np.ndarray | None, size: int, source: str) -> ImageSet:
    """Images (N, H, W) uint8 from idx files, with their labels if those match, as an ImageSet."""
    if arr.ndim != 3:
        raise ValueError(f"the idx images hold shape {arr.shape}, expected (N, H, W) images")
    if labels is not None and (labels.ndim != 1 or labels.shape[0] != arr.shape[0]):
        labels = None  # a mismatched label file is ignored rather than trusted
    x = torch.from_numpy(arr.astype(np.float32) / 255.0).unsqueeze(1)
    return _finish(x, labels, size, f"{source} ({arr.shape[0]:,} images)")


def load_idx_folder(folder: Path, size: int = 16, label: str | None = None) -> ImageSet:
    """MNIST or Fashion-MNIST: ``train-images-idx3-ubyte[.gz]`` (+ labels) in ``folder``."""
    images = _find(folder, ("train", "images")) or _find(folder, ("t10k", "images"))
    if images is None:
        raise ValueError(f"no idx image file in {label or folder}")
    labels_path = _find(folder, (images.name.split("-")[0].lower(), "labels"))
    labels = _read_idx(labels_path) if labels_path is not None else None
    return idx_set(_read_idx(images), labels, size, f"idx files in {label or folder}")


def decode_image(data: bytes | Path, size: int, mode: str, max_side: int | None = None,
                 on_header: Callable[[int, int], None] | None = None) -> np.ndarray:
    """One image file as a (size, size[, 3]) float array in [0, 1]. Its pixel size is read from the
    header and bounded (``max_side``, default ``MAX_IMAGE_SIDE``) before anything is decoded, and
    handed to ``on_header(width, height)`` (which may raise to stop); Pillow's own
    decompression-bomb guard stays on. Raises ValueError for anything unreadable."""
    from PIL import Image

    max_side = MAX_IMAGE_SIDE if max_side is None else max_side
    bad = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)
    try:
        im = Image.open(io.BytesIO(data) if isinstance(data, bytes) else data)
    except bad as e:
        raise ValueError(str(e)) from None
    with im:
        if max(im.size) > max_side:
            raise ValueError(f"{im.size[0]}x{im.size[1]} pixels, more than {max_side} a side")
        if on_header is not None:
            on_header(*im.size)  # outside the try below: what it raises goes to the caller
        try:
            im = im.convert(mode).resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(im, dtype=np.float32) / 255.0
        except bad as e:
            raise ValueError(str(e)) from None


def image_set(arrays: list[np.ndarray], channels: int, size: int, source: str, skipped: int = 0) -> ImageSet:
    """Decoded images (see ``decode_image``) as an ImageSet; ``skipped`` unreadable ones are named
    in its source caption."""
    x = torch.from_numpy(np.stack(arrays))
    x = x.unsqueeze(1) if channels == 1 else x.permute(0, 3, 1, 2)
    note = f", {skipped} unreadable skipped" if skipped else ""
    return _finish(x, None, size, f"{source} ({len(arrays):,} images{note})")


def load_image_folder(folder: Path, size: int = 16, channels: int = 1, label: str | None = None) -> ImageSet:
    """Every png/jpg/... under ``folder`` (recursively), as grey (channels=1) or RGB (3). A file
    whose real path lies outside ``folder`` (a symbolic link out of it) is not read."""
    root = folder.resolve()
    name = label or str(folder)
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    inside = [p for p in paths if p.resolve().is_relative_to(root)]
    outside = len(paths) - len(inside)
    if not inside:
        raise ValueError(f"no images in {name}: expected files ending in {', '.join(IMAGE_SUFFIXES)} "
                         "or MNIST idx files")
    mode = "L" if channels == 1 else "RGB"
    out, bad = [], []
    for p in inside[:MAX_IMAGES]:
        try:
            out.append(decode_image(p, size, mode))
        except ValueError:
            bad.append(p.name)
    if not out:
        raise ValueError(f"none of the {len(inside)} image files in {name} could be read "
                         f"(first: {bad[0]}); are they really images?")
    return image_set(out, channels, size, f"image folder {name}", len(bad) + outside)


def load_images(source: str = "digits", size: int = 16, channels: int | None = None,
                label: str | None = None) -> ImageSet:
    """``"digits"`` (the default, bundled), ``"stacked"`` (three digits as RGB channels, 1,000 modes:
    ``ganviz.data.stacked``), or a folder holding MNIST/Fashion-MNIST idx files or images.

    ``channels`` is a folder's 1 (grey, the default) or 3 (RGB); a bundled set has its own (digits 1,
    stacked 3) and refuses another.

    ``label`` names the folder in captions and messages instead of its path (a server's folders are
    shown to browsers by name only: ``ganviz.data.access``). Raises ValueError with a message that
    names what is wrong: an unknown size, a missing path, a folder without images, files that cannot
    be read.
    """
    if size not in SIZES:
        raise ValueError(f"image size must be one of {', '.join(map(str, SIZES))}, got {size!r}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 (grey) or 3 (RGB), got {channels!r}")
    if source == "digits":
        if channels not in (None, 1):
            raise ValueError("the digits are grey: use channels=1")
        return load_digits(size)
    if source == "stacked":
        if channels not in (None, 3):
            raise ValueError("stacked digits hold one digit in each of 3 channels: use channels=3")
        from ganviz.data.stacked import load_stacked  # it builds on load_digits, here

        return load_stacked(size)
    channels = channels or 1
    folder = Path(str(source)).expanduser()
    if not folder.exists():
        raise ValueError(f"no such folder: {folder}. Give 'digits' or a folder with MNIST idx files or images")
    if not folder.is_dir():
        raise ValueError(f"{folder} is a file; give the folder that holds it")
    if any("idx" in p.name.lower() for p in folder.iterdir()):
        if channels != 1:
            raise ValueError("MNIST idx files are grey: use channels=1")
        return load_idx_folder(folder, size, label)
    return load_image_folder(folder, size, channels, label)
