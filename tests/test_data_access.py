"""What a browser may make the server read: named folders only, and uploads within their limits."""

import gzip
import io
import os
import struct
import zipfile

import numpy as np
import pytest
from PIL import Image

from ganviz.data import access, upload
from ganviz.data.access import MESSAGE, DataNotAvailable, data_dirs, open_named
from ganviz.data.upload import UploadError, read_upload


def _png(value=255, side=8) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (side, side), value).save(buf, "PNG")
    return buf.getvalue()


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def folders(tmp_path):
    """An allowed folder with two images and a symlink out of it; an empty folder; a secret folder."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    for i in range(2):
        (allowed / f"{i}.png").write_bytes(_png())
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "private.png").write_bytes(_png(0))
    (tmp_path / "empty").mkdir()
    return tmp_path


def test_every_refusal_reads_the_same_and_loads_nothing(folders):
    dirs = data_dirs(f"pics={folders / 'allowed'}{os.pathsep}none={folders / 'missing'}{os.pathsep}"
                     f"blank={folders / 'empty'}")
    assert len(open_named("pics", dirs=dirs)) == 2  # the control: a listed folder opens
    refused = ["/etc", str(folders / "secret"), str(folders / "missing"), str(folders / "empty"),
               "pics/../secret", "../secret", "none", "blank", str(folders / "allowed")]
    messages = set()
    for name in refused:
        with pytest.raises(DataNotAvailable) as e:
            open_named(name, dirs=dirs)
        messages.add(str(e.value))
    assert messages == {MESSAGE}


def test_a_symlink_out_of_an_allowed_folder_is_not_read(folders):
    (folders / "allowed" / "link.png").symlink_to(folders / "secret" / "private.png")
    (folders / "allowed" / "sub").symlink_to(folders / "secret", target_is_directory=True)
    d = open_named("pics", dirs=data_dirs(f"pics={folders / 'allowed'}"))
    assert len(d) == 2 and float(d.images.min()) == 1.0  # the black secret image never came in
    assert "1 unreadable skipped" in d.source and str(folders) not in d.source


def test_names_come_from_the_environment(monkeypatch, folders):
    monkeypatch.setenv(access.ENV, f"pics={folders / 'allowed'}{os.pathsep}{folders / 'secret'}")
    assert access.names() == ["digits", "pics", "secret"]
    assert data_dirs("digits=/tmp") == {}  # the bundled name cannot be taken over
    monkeypatch.delenv(access.ENV)
    assert access.names() == ["digits"]


# --- uploads ----------------------------------------------------------------------------------------
def test_a_good_zip_of_images_loads_with_folders_and_junk_ignored():
    data = _zip({"a/0.png": _png(255), "a/b/1.png": _png(0), "__MACOSX/a/._0.png": b"junk", "notes.txt": b"x"})
    d = read_upload("mine.zip", data, size=16)
    assert tuple(d.images.shape) == (2, 1, 16, 16) and d.source == "upload mine.zip (2 images)"
    assert sorted(float(d.images[i].mean()) for i in range(2)) == [-1.0, 1.0]


def test_a_corrupt_png_among_good_ones_is_skipped_and_counted():
    d = read_upload("mixed.zip", _zip({"0.png": _png(), "1.png": _png(), "bad.png": b"\x89PNG\r\n\x1a\nbroken"}))
    assert len(d) == 2 and "1 unreadable skipped" in d.source


def test_a_non_zip_renamed_zip_is_refused():
    with pytest.raises(UploadError, match="not a zip archive"):
        read_upload("photo.zip", _png())
    with pytest.raises(UploadError, match="neither a .zip"):
        read_upload("photo.png", _png())


def test_a_zip_bomb_is_refused_by_its_declared_size_before_anything_is_read(monkeypatch):
    # 201 MB of zeros compress to ~200 kB: small file, huge declared (and actual) size.
    bomb = _zip({"zeros.png": bytes(upload.MAX_UNPACKED + 2**20)})
    assert len(bomb) < 2**20
    read = []
    monkeypatch.setattr(upload, "decode_image", lambda *a: read.append(a))
    with pytest.raises(UploadError, match="unpacks to 201.0 MB; at most 200.0 MB"):
        read_upload("bomb.zip", bomb)
    assert read == []


def test_a_member_that_holds_more_than_it_declares_is_never_read_past_it(monkeypatch):
    # A forged directory that declares 1 kB for a member holding 2 MB: nothing past the declared
    # size is inflated (zipfile stops there and the CRC fails), so it is skipped as unreadable.
    seen = []
    real_decode = upload.decode_image
    monkeypatch.setattr(upload, "decode_image", lambda raw, *a: seen.append(len(raw)) or real_decode(raw, *a))
    data = _zip({"big.png": bytes(2 * 2**20), "ok.png": _png()}, zipfile.ZIP_STORED)
    forged = data.replace(struct.pack("<I", 2 * 2**20), struct.pack("<I", 2**10))
    assert forged.count(struct.pack("<I", 2**10)) >= 2  # sizes in the local header and the directory
    d = read_upload("forged.zip", forged)
    assert len(d) == 1 and "1 unreadable skipped" in d.source and max(seen) < 2**20


def test_more_images_than_allowed_are_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(upload, "decode_image", lambda *a: pytest.fail("decoded"))
    tiny = _png(side=1)
    data = _zip({f"{i}.png": tiny for i in range(upload.MAX_IMAGES + 1)}, zipfile.ZIP_STORED)
    with pytest.raises(UploadError, match="20,001 images; at most 20,000"):
        read_upload("many.zip", data)


def test_an_image_too_large_in_pixels_is_skipped_from_its_header():
    d = read_upload("sizes.zip", _zip({"small.png": _png(side=8), "huge.png": _png(side=upload.MAX_SIDE + 1)}))
    assert len(d) == 1 and "1 unreadable skipped" in d.source
    assert Image.MAX_IMAGE_PIXELS is not None  # Pillow's own bomb guard stays on


def test_the_pixels_decoded_per_upload_are_bounded(monkeypatch):
    """Blank 1024 x 1024 PNGs are ~3 kB each: a small zip of them would cost minutes to decode."""
    monkeypatch.setattr(upload, "MAX_PIXELS", 5 * 1024 * 1024)
    big = _png(side=1024)
    assert len(big) < 10_000
    decoded = []
    real = upload.decode_image
    monkeypatch.setattr(upload, "decode_image", lambda *a: decoded.append(1) or real(*a))
    with pytest.raises(UploadError, match="more than 5 million pixels"):
        read_upload("blank.zip", _zip({f"{i}.png": big for i in range(20)}))
    assert len(decoded) <= 6  # stopped at the budget, before the 20 were decoded
    with pytest.raises(UploadError, match="more than 1024 a side"):
        read_upload("t10k-images-idx3-ubyte.gz", gzip.compress(_idx(np.zeros((1, 2000, 2000), np.uint8))))


def _idx(arr: np.ndarray) -> bytes:
    return bytes([0, 0, 8, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + arr.astype(np.uint8).tobytes()


def test_mnist_idx_files_in_a_zip_and_alone():
    imgs = np.zeros((4, 28, 28), np.uint8)
    imgs[:, 10:18, 10:18] = 255
    data = _zip({"mnist/t10k-images-idx3-ubyte.gz": gzip.compress(_idx(imgs)),
                 "mnist/t10k-labels-idx1-ubyte": _idx(np.arange(4))})
    d = read_upload("mnist.zip", data)
    assert tuple(d.images.shape) == (4, 1, 16, 16) and d.labels.tolist() == [0, 1, 2, 3]
    alone = read_upload("t10k-images-idx3-ubyte.gz", gzip.compress(_idx(imgs)))
    assert len(alone) == 4 and alone.labels is None
    with pytest.raises(UploadError, match="unpacks to more than"):
        read_upload("bomb.gz", gzip.compress(bytes(upload.MAX_UNPACKED + 1)))


def test_an_upload_over_the_cap_is_refused():
    with pytest.raises(UploadError, match="at most 0.0 MB"):
        read_upload("a.zip", _zip({"0.png": _png()}), max_bytes=10)
