import gzip
import struct

import numpy as np
import pytest
import torch
from PIL import Image

from ganviz.data.images import load_images


def test_digits_default_shape_range_and_labels():
    d = load_images()
    assert tuple(d.images.shape) == (1797, 1, 16, 16) and d.labels.shape == (1797,)
    assert float(d.images.min()) == -1.0 and float(d.images.max()) <= 1.0
    assert sorted(set(d.labels.tolist())) == list(range(10))
    # resizing keeps the ink: the mean brightness of the 8x8 scans and of the 32x32 images agree
    from sklearn.datasets import load_digits
    mean8 = float(load_digits().images.mean() / 16 * 2 - 1)
    assert float(load_images(size=32).images.mean()) == pytest.approx(mean8, abs=0.02)


@pytest.mark.parametrize("kwargs, message", [
    (dict(size=20), "image size must be one of 16, 32"),
    (dict(source="/no/such/folder"), "no such folder"),
    (dict(channels=2), "channels must be 1"),
])
def test_bad_arguments_say_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_images(**kwargs)


def test_file_and_empty_folder_are_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="no images in"):
        load_images(str(tmp_path))
    with pytest.raises(ValueError, match="is a file"):
        load_images(str(tmp_path / "notes.txt"))


def test_image_folder_grey_values_and_unreadable_files(tmp_path):
    Image.new("L", (20, 20), 255).save(tmp_path / "white.png")
    Image.new("L", (10, 10), 0).save(tmp_path / "black.jpg")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    d = load_images(str(tmp_path), size=16)
    assert tuple(d.images.shape) == (2, 1, 16, 16) and d.labels is None
    assert "1 unreadable skipped" in d.source
    black, white = d.images[0], d.images[1]  # sorted by name: black.jpg, white.png
    assert torch.allclose(white, torch.ones_like(white)) and torch.allclose(black, -torch.ones_like(black))
    for p in tmp_path.glob("*.*g"):
        p.unlink()
    (tmp_path / "a.png").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="could be read"):
        load_images(str(tmp_path))


def _idx(path, arr: np.ndarray):
    header = bytes([0, 0, 8, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def test_mnist_idx_files_with_labels(tmp_path):
    imgs = np.zeros((5, 28, 28), dtype=np.uint8)
    imgs[:, 10:18, 10:18] = 255
    _idx(tmp_path / "train-images-idx3-ubyte.gz", imgs)
    _idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(5))
    d = load_images(str(tmp_path), size=16)
    assert tuple(d.images.shape) == (5, 1, 16, 16) and d.labels.tolist() == [0, 1, 2, 3, 4]
    assert float(d.images[0, 0, 8, 8]) == pytest.approx(1.0) and float(d.images[0, 0, 0, 0]) == -1.0


def test_truncated_idx_file_is_named(tmp_path):
    header = bytes([0, 0, 8, 3]) + struct.pack(">III", 10, 28, 28)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(header + b"\0" * 100)
    with pytest.raises(ValueError, match="truncated"):
        load_images(str(tmp_path))
