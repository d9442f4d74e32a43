"""Digit FID, precision / recall and density / coverage on the digit classifier's features: the
Fréchet distance against its closed form, prdc against the authors' package, the shipped classifier
unchanged by its new ``features``, and the measures telling a collapsed set from real digits."""

import contextlib
import io
import pickle

import numpy as np
import prdc as prdc_package
import pytest
import scipy.linalg
import torch
from safetensors.torch import load_file
from torch import nn
from torch.nn import functional as F

from ganviz.data.images import load_images, resize
from ganviz.metrics import image_quality as iq
from ganviz.metrics.quality import MEASURES, judge, judge_generator
from ganviz.training import checkpoint
from ganviz.training.classifier import load_classifier, save_classifier
from ganviz.training.shipped import CLASSIFIER_PATH


@pytest.fixture(scope="module")
def clf():
    return load_classifier(CLASSIFIER_PATH)


def _with_moments(z: torch.Tensor, mean: torch.Tensor, cov: torch.Tensor) -> torch.Tensor:
    """Rows whose sample mean and covariance (divisor n - 1) are exactly ``mean`` and ``cov``."""
    z = z.double() - z.double().mean(0)
    whiten = torch.linalg.inv(torch.linalg.cholesky(z.T @ z / (len(z) - 1)))
    return mean + z @ whiten.T @ torch.linalg.cholesky(cov).T


def _scipy_fid(a: np.ndarray, b: np.ndarray) -> float:
    """pytorch-fid's formula with scipy's general matrix square root."""
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(sa @ sb).real
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * np.trace(root))


# --- the shipped classifier and its penultimate layer --------------------------------------------
def test_shipped_checkpoint_loads_and_classifies_exactly_as_the_old_layout(clf):
    """The file's own tensors in the pre-``features()`` layout (an nn.Sequential under "features")
    give bit-identical logits, and the held-out accuracy is the recipe's 0.9916."""
    tensors = {k.removeprefix("net."): v for k, v in load_file(CLASSIFIER_PATH).items()}
    old = nn.ModuleDict({"features": nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                                   nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                                   nn.AdaptiveAvgPool2d(4)),
                         "head": nn.Linear(1024, 10)})
    old.load_state_dict(tensors, strict=True)
    data = load_images("digits", 16)
    with torch.no_grad():
        old_logits = old["head"](old["features"](resize(data.images.clamp(-1, 1), 16)).flatten(1))
        assert torch.equal(clf(data.images), old_logits)
    test = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))[: len(data) // 5]
    accuracy = float((clf.probabilities(data.images[test]).argmax(1) == data.labels[test]).float().mean())
    assert round(accuracy, 4) == checkpoint.read(CLASSIFIER_PATH, ("classifier",), "x").recipe["test_accuracy"] == 0.9916


def test_saving_keeps_the_checkpoint_format(clf, tmp_path):
    """state_dict names are the file's ("features.*", not the module's "trunk.*"), and a save reads back equal."""
    shipped = load_file(CLASSIFIER_PATH)
    assert sorted(f"net.{k}" for k in clf.state_dict()) == sorted(shipped)
    path = save_classifier(clf, tmp_path / "clf", {"steps": 0})
    again = load_file(path)
    assert again.keys() == shipped.keys() and all(torch.equal(again[k], shipped[k]) for k in shipped)
    assert torch.equal(load_classifier(path).trunk[0].weight, clf.trunk[0].weight)
    x = load_images("digits", 16).images[:8]
    assert torch.equal(pickle.loads(pickle.dumps(clf))(x), clf(x))  # the renaming hooks pickle too


def test_features_are_the_penultimate_layer(clf):
    x = load_images("digits", 32).images[:64]  # another size: resized inside, as forward does
    phi = clf.features(x)
    assert phi.shape == (64, 1024) and bool((phi >= 0).all())  # after ReLU and pooling
    assert torch.allclose(clf.head(phi), clf(x), atol=1e-6)
    assert torch.allclose(clf.embed(x, batch=10), phi.detach(), atol=1e-6)


# --- Fréchet distance ------------------------------------------------------------------------------
def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    """Sample moments set exactly: FD = |mu_a - mu_b|^2 + sum_i (sqrt a_i - sqrt b_i)^2."""
    g = torch.Generator().manual_seed(1)
    va, vb = torch.tensor([1.0, 4.0, 0.25, 9.0]).double(), torch.tensor([4.0, 1.0, 1.0, 9.0]).double()
    ma, mb = torch.tensor([0.0, 1.0, 2.0, 3.0]).double(), torch.tensor([1.0, -1.0, 2.0, 0.0]).double()
    a = _with_moments(torch.randn(300, 4, generator=g), ma, torch.diag(va))
    b = _with_moments(torch.randn(200, 4, generator=g), mb, torch.diag(vb))
    expected = float(((ma - mb) ** 2).sum() + ((va.sqrt() - vb.sqrt()) ** 2).sum())  # 14 + (1 + 1 + 0.25 + 0)
    assert expected == pytest.approx(16.25)
    assert iq.frechet_distance(a, b) == pytest.approx(expected, rel=1e-10)
    assert iq.frechet_distance(a, a) == pytest.approx(0, abs=1e-10)


def test_frechet_distance_of_general_covariances_matches_scipy_sqrtm():
    g = torch.Generator().manual_seed(2)
    a = torch.randn(400, 6, generator=g, dtype=torch.float64) @ torch.randn(6, 6, generator=g, dtype=torch.float64)
    b = torch.randn(300, 6, generator=g, dtype=torch.float64) @ torch.randn(6, 6, generator=g, dtype=torch.float64) + 1
    assert iq.frechet_distance(a, b) == pytest.approx(_scipy_fid(a.numpy(), b.numpy()), rel=1e-9)
    assert iq.frechet_distance(a, b) == pytest.approx(iq.frechet_distance(b, a), rel=1e-9)  # symmetric


def test_frechet_distance_with_fewer_rows_than_dimensions():
    """The n <= d path (singular covariances, as our 898 images in 1,024 features) equals the n > d
    path on the same points zero-padded and rotated: FD is invariant under both."""
    g = torch.Generator().manual_seed(3)
    a = torch.randn(30, 5, generator=g, dtype=torch.float64)
    b = torch.randn(40, 5, generator=g, dtype=torch.float64) * 2 + 0.5
    q = torch.linalg.qr(torch.randn(64, 64, generator=g, dtype=torch.float64)).Q
    wide_a, wide_b = F.pad(a, (0, 59)) @ q, F.pad(b, (0, 59)) @ q  # 30 and 40 rows in 64 dimensions
    assert iq.frechet_distance(wide_a, wide_b) == pytest.approx(iq.frechet_distance(a, b), rel=1e-9)
    assert iq.frechet_distance(wide_a, wide_a) == pytest.approx(0, abs=1e-9)


# --- precision, recall, density, coverage ----------------------------------------------------------
def _package(real, fake, k):
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints "Num real: ... Num fake: ..."
        return {name: float(v) for name, v in prdc_package.compute_prdc(np.asarray(real, dtype=np.float64),
                                                                        np.asarray(fake, dtype=np.float64), k).items()}


@pytest.mark.parametrize("k", [3, 5])
def test_prdc_equals_the_package_on_gaussians(k, monkeypatch):
    g = torch.Generator().manual_seed(4)
    real = torch.randn(300, 8, generator=g, dtype=torch.float64)
    fake = torch.randn(250, 8, generator=g, dtype=torch.float64) * 1.3 + 0.4
    ours = iq.prdc(real, fake, k)
    assert ours == pytest.approx(_package(real, fake, k), abs=1e-12)
    assert 0.3 < ours["precision"] < 1 and 0.3 < ours["recall"] < 1  # a case where neither is trivial
    monkeypatch.setattr(iq, "_CHUNK", 64)  # the chunked loops give the same numbers
    assert iq.prdc(real, fake, k) == ours


def test_prdc_of_a_set_against_itself_is_all_ones():
    """Each real ball (radius: k-th neighbour, open) holds its own copy and k - 1 neighbours: density 1."""
    x = torch.randn(200, 10, generator=torch.Generator().manual_seed(5))
    assert iq.prdc(x, x) == {"precision": 1.0, "recall": 1.0, "density": 1.0, "coverage": 1.0}


def test_prdc_equals_the_package_on_digit_features(clf):
    a, b = iq.real_halves(16)
    ref, other = clf.embed(a), clf.embed(b)[:500]
    assert iq.prdc(ref, other) == pytest.approx(_package(ref, other, 5), abs=1e-12)


# --- on the digits ---------------------------------------------------------------------------------
def test_real_halves_are_disjoint_and_of_equal_size():
    a, b = iq.real_halves(16)
    flat = load_images("digits", 16).images.flatten(1)
    index = {tuple(r.tolist()): i for i, r in enumerate(flat)}
    ia, ib = {index[tuple(r.tolist())] for r in a.flatten(1)}, {index[tuple(r.tolist())] for r in b.flatten(1)}
    assert len(a) == len(b) == iq.HALF == 898 and not ia & ib


def test_a_collapsed_set_scores_far_from_the_real_floor(clf):
    """898 copies of one real digit against half A: precision can stay high (a real digit), but
    recall and coverage fall and the digit FID is many times the two real halves' floor at n = 898."""
    floor = iq.real_floor(clf, n=iq.HALF)
    collapsed = iq.measure_images(iq.real_halves(16)[1][:1].repeat(iq.HALF, 1, 1, 1), clf)
    print(f"\nfloor {floor}\ncollapsed { {k: collapsed[k] for k in (*MEASURES, 'n', 'n_real')} }")
    assert floor["n"] == collapsed["n"] == iq.HALF and floor["n_real"] == collapsed["n_real"] == iq.HALF
    assert floor["precision"] > 0.9 and floor["recall"] > 0.9 and floor["coverage"] > 0.9
    assert 0.9 < floor["density"] < 1.1
    assert collapsed["recall"] == 0.0  # every fake ball has radius 0
    assert collapsed["coverage"] < 0.05 < 0.9 < floor["coverage"]
    assert collapsed["digit_fid"] > 10 * floor["digit_fid"]
    assert collapsed["classes_present"] == 1 and collapsed["class_entropy"] == 0.0


def test_floor_is_cached_and_grows_as_n_shrinks(clf):
    """FID's small-sample bias: fewer real images against the same 898 read as farther."""
    big, small = iq.real_floor(clf), iq.real_floor(clf, n=200)
    assert big["n"] == 898 and small["digit_fid"] > big["digit_fid"]
    big["digit_fid"] = -1.0  # a caller's edit does not reach the cache
    assert iq.real_floor(clf)["digit_fid"] > 0
    assert iq.real_floor(clf, n=200) == small
    with pytest.raises(ValueError, match="n <= 898"):
        iq.real_floor(clf, n=899)


def test_measure_images_keeps_judges_numbers_and_uses_the_same_reference(clf):
    images = iq.real_halves(16)[1][:300]
    m = iq.measure_images(images, clf)
    assert {k: m[k] for k in judge(images, clf)} == judge(images, clf)
    given = iq.measure_images(images, clf, iq.reference_features(clf).numpy())
    assert given == m and m == {**m, **{k: iq.real_floor(clf, n=300)[k] for k in MEASURES}}


def test_judge_generator_reports_the_measures_beside_the_same_judge_numbers():
    from ganviz.training.began import load
    from ganviz.training.shipped import shipped_began

    clf = load_classifier(CLASSIFIER_PATH)
    rows = {g: judge_generator(load(p), clf, 500) for g, p in shipped_began().items()}
    plain = judge_generator(load(shipped_began()[0.5]), clf, 500, measured=False)
    assert {k: rows[0.5][k] for k in plain} == plain
    floor = iq.real_floor(clf, n=500)["digit_fid"]
    fids = [rows[g]["digit_fid"] for g in sorted(rows)]
    print(f"\ndigit FID by gamma {dict(zip(sorted(rows), fids))}, floor at n = 500: {floor}")
    assert all(r["digit_fid_floor"] == floor for r in rows.values())
    assert fids == sorted(fids, reverse=True) and fids[-1] > 2 * floor  # the collapsed gamma = 0.3 is farthest
    assert rows[0.3]["coverage"] < rows[0.7]["coverage"] and rows[0.3]["recall"] <= rows[0.7]["recall"]
    tiny = judge_generator(load(shipped_began()[0.5]), clf, 3)
    assert tiny["digit_fid"] is None and tiny["digit_fid_floor"] is None and tiny["classes_present"] >= 1
