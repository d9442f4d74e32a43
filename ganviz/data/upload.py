"""Images a browser uploads: a zip of image files or of MNIST idx files, or one gzipped idx file.

An upload comes from someone we do not know, so every limit is checked before anything is decoded,
and nothing touches the server's disk (the archive is read in memory, member by member):

- the upload itself at most the page's cap (Streamlit refuses larger ones before they arrive);
- at most ``MAX_UNPACKED`` bytes unpacked, by the sizes the archive declares (checked first) and by
  the bytes actually read (a member that inflates past its declared size is refused);
- at most ``MAX_IMAGES`` image files, counted from the archive's directory;
- each image at most ``MAX_SIDE`` pixels a side and all of them at most ``MAX_PIXELS`` pixels in
  all (the decoding time), read from each header before that image is decoded, with Pillow's
  decompression-bomb guard on; unreadable files are skipped and counted. Idx files likewise.

Nothing is ever unpickled. The result is an ``ImageSet`` like every other loader's.

Example:
    >>> import io, zipfile
    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     for i in range(3):
    ...         png = io.BytesIO(); Image.new("L", (8, 8), 255).save(png, "PNG"); z.writestr(f"{i}.png", png.getvalue())
    >>> d = read_upload("three.zip", buf.getvalue(), size=16)
    >>> len(d), d.source, float(d.images.min())
    (3, 'upload three.zip (3 images)', 1.0)
"""

from __future__ import annotations

import gzip
import io
import zipfile

from ganviz.data.images import (IMAGE_SUFFIXES, MAX_IMAGES, ImageSet, decode_image, idx_set, image_set, is_idx_name,
                                parse_idx)

MAX_UNPACKED = 200 * 2**20  # bytes
MAX_SIDE = 1024  # pixels a side of one uploaded image (ours are shrunk to 16 or 32)
# Pixels decoded per upload: ~1 s of a core (9,000 blank 4096 x 4096 PNGs in a 4 MB zip would have
# taken ~29 minutes). MNIST's 60,000 training digits hold 47 million.
MAX_PIXELS = 100_000_000
UPLOAD_TYPES = ("zip", "gz")

__all__ = ["MAX_IMAGES", "MAX_PIXELS", "MAX_SIDE", "MAX_UNPACKED", "UPLOAD_TYPES", "UploadError", "read_upload"]


class UploadError(ValueError):
    """An upload that is refused; the message says what was wrong and what to do."""


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def _gunzip(data: bytes, name: str, budget: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            out = f.read(budget + 1)
    except (OSError, EOFError) as e:
        raise UploadError(f"{name} is not a readable gzip file ({e})") from None
    if len(out) > budget:
        raise UploadError(f"{name} unpacks to more than {_mb(MAX_UNPACKED)}: refused")
    return out


def _is_junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or not base


def read_upload(name: str, data: bytes, size: int = 16, channels: int = 1,
                max_bytes: int | None = None) -> ImageSet:
    """The images in an uploaded file (``name`` ends in .zip or .gz), resized to ``size``.

    A zip may hold image files (png, jpg, ... in any folders) or MNIST-style idx files
    (``train-images-idx3-ubyte[.gz]``, with its labels if present); a .gz is one idx images file.
    Raises UploadError naming the limit or the fault; the caller keeps what it had.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise UploadError(f"{name} is {_mb(len(data))}; uploads are at most {_mb(max_bytes)}")
    lower = name.lower()
    if lower.endswith(".gz"):
        arr = parse_idx(_gunzip(data, name, MAX_UNPACKED), name)
        _check_idx(arr, name)
        return idx_set(arr, None, size, f"upload {name}")
    if not lower.endswith(".zip"):
        raise UploadError(f"{name} is neither a .zip of images or idx files nor a gzipped idx file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if not i.is_dir() and not _is_junk(i.filename)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise UploadError(f"{name} is not a zip archive: zip the images (or idx files) and upload that") from None
    with archive:
        idx = [i for i in members if is_idx_name(i.filename.rsplit("/", 1)[-1])]
        if any(is_idx_name(i.filename.rsplit("/", 1)[-1], "images") for i in idx):
            return _idx_from_zip(archive, idx, name, size)
        images = [i for i in members if i.filename.lower().endswith(IMAGE_SUFFIXES)]
        if not images:
            raise UploadError(f"{name} holds no images: expected files ending in {', '.join(IMAGE_SUFFIXES)} "
                              "or MNIST idx files")
        _check_count(len(images), name)
        _check_declared(images, name)
        reader = _Reader(archive, name)
        mode = "L" if channels == 1 else "RGB"
        pixels = [0]

        def count(w: int, h: int) -> None:
            pixels[0] += w * h
            if pixels[0] > MAX_PIXELS:
                raise UploadError(f"the images of {name} hold more than {MAX_PIXELS // 10**6} million pixels; "
                                  "shrink them (ours are 16 or 32 a side) and upload again")

        out, bad = [], 0
        for info in images:
            raw = reader.read(info)
            try:
                out.append(decode_image(raw, size, mode, MAX_SIDE, count) if raw is not None else None)
            except UploadError:
                raise
            except ValueError:
                out.append(None)
            bad += out[-1] is None
        out = [a for a in out if a is not None]
        if not out:
            raise UploadError(f"none of the {len(images)} image files in {name} could be read: are they really images?")
        return image_set(out, channels, size, f"upload {name}", bad)


def _check_idx(arr, name: str) -> None:
    """An idx images array (N, H, W) within the upload limits, before it is converted."""
    _check_count(arr.shape[0] if arr.ndim else 0, name)
    if arr.ndim == 3 and max(arr.shape[1:]) > MAX_SIDE:
        raise UploadError(f"{name} holds {arr.shape[1]}x{arr.shape[2]} images, more than {MAX_SIDE} a side")
    if arr.size > MAX_PIXELS:
        raise UploadError(f"{name} holds more than {MAX_PIXELS // 10**6} million pixels: upload a smaller set")


def _check_count(n: int, name: str) -> None:
    if n > MAX_IMAGES:
        raise UploadError(f"{name} holds {n:,} images; at most {MAX_IMAGES:,} are taken. Upload a smaller set "
                          "(e.g. MNIST's t10k files, 10,000 images)")


def _check_declared(infos: list[zipfile.ZipInfo], name: str) -> None:
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNPACKED:
        raise UploadError(f"{name} says it unpacks to {_mb(declared)}; at most {_mb(MAX_UNPACKED)} are taken: refused")


class _Reader:
    """Reads members of a zip within the unpacked budget, by the bytes actually inflated."""

    def __init__(self, archive: zipfile.ZipFile, name: str):
        self.archive, self.name, self.left = archive, name, MAX_UNPACKED

    def read(self, info: zipfile.ZipInfo) -> bytes | None:
        """The member's bytes, or None if it is damaged (a bad CRC, encrypted, cut short)."""
        try:
            with self.archive.open(info) as f:
                raw = f.read(min(info.file_size, self.left) + 1)
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, NotImplementedError, ValueError):
            return None
        if len(raw) > info.file_size or len(raw) > self.left:
            raise UploadError(f"{self.name} unpacks to more than it declares or than {_mb(MAX_UNPACKED)}: refused")
        self.left -= len(raw)
        return raw


def _idx_from_zip(archive: zipfile.ZipFile, idx: list[zipfile.ZipInfo], name: str, size: int) -> ImageSet:
    def pick(*parts):
        for i in sorted(idx, key=lambda i: i.filename):
            if is_idx_name(i.filename.rsplit("/", 1)[-1], *parts):
                return i
        return None

    images = pick("train", "images") or pick("t10k", "images") or pick("images")
    prefix = images.filename.rsplit("/", 1)[-1].split("-")[0].lower()
    labels = pick(prefix, "labels")
    _check_declared([i for i in (images, labels) if i is not None], name)
    reader = _Reader(archive, name)

    def load(info):
        raw = reader.read(info)
        if raw is None:
            raise UploadError(f"{info.filename} in {name} is damaged: zip it again")
        if info.filename.lower().endswith(".gz"):
            raw = _gunzip(raw, info.filename, reader.left)
            reader.left -= len(raw)
        return parse_idx(raw, info.filename)

    try:
        arr = load(images)
        _check_idx(arr, name)
        y = load(labels) if labels is not None else None
        return idx_set(arr, y, size, f"upload {name}")
    except UploadError:
        raise
    except ValueError as e:
        raise UploadError(str(e)) from None
