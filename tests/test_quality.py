import doctest
import math

import pytest
import torch

import ganviz.latent as lt
import ganviz.metrics.quality as q


def test_docstring_examples_run():
    for mod in (q, lt):
        assert doctest.testmod(mod).failed == 0, mod.__name__


def test_entropy_confidence_and_classes_closed_forms():
    one_class = torch.zeros(50, 10)
    one_class[:, 3] = 1
    assert q.class_entropy(one_class) == 0 and q.classes_present(one_class) == 1
    half = torch.zeros(4, 10)
    half[:2, 0] = 1
    half[2:, 1] = 1
    assert q.class_entropy(half) == pytest.approx(math.log(2))
    soft = torch.full((7, 10), 0.1)
    assert q.mean_confidence(soft) == pytest.approx(0.1)


def test_pairwise_distance_closed_form():
    x = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2) * 2, torch.zeros(1, 2, 2)])
    # pairs: (0,1) RMS 2, (0,2) 0, (1,2) 2 -> mean 4/3
    assert q.pairwise_distance(x) == pytest.approx(4 / 3)
    assert q.pairwise_distance(torch.ones(5, 1, 4, 4)) == 0


def test_truncation_bounds_and_identity():
    gen = torch.Generator().manual_seed(0)
    z = torch.rand(2000, 16, generator=gen) * 2 - 1
    t = lt.truncate(z, 0.3, gen=gen)
    assert float(t.abs().max()) <= 0.3
    keep = z.abs() <= 0.3
    assert torch.equal(t[keep], z[keep])  # only the large components are redrawn
    # resampled components are uniform on [-0.3, 0.3]: variance 0.3^2 / 3
    assert float(t[~keep].var()) == pytest.approx(0.09 / 3, rel=0.1)
    assert torch.equal(lt.truncate(z, 1.0), z)
    with pytest.raises(ValueError, match="threshold"):
        lt.truncate(z, 0)


def test_slerp_keeps_the_norm_and_lerp_does_not():
    gen = torch.Generator().manual_seed(1)
    a, b = torch.randn(64, generator=gen), torch.randn(64, generator=gen)
    b = b / b.norm() * a.norm()
    s, l = lt.slerp(a, b, 9), lt.lerp(a, b, 9)
    assert torch.allclose(s[0], a, atol=1e-5) and torch.allclose(s[-1], b, atol=1e-5)
    assert torch.allclose(s.norm(dim=1), a.norm().expand(9), rtol=1e-4)
    assert float(l[4].norm()) < 0.9 * float(a.norm())  # the chord dips through the middle
    assert torch.allclose(lt.slerp(a, 2 * a, 3), lt.lerp(a, 2 * a, 3))  # parallel: a line


def test_walk_grid_is_centred_on_z0():
    z0 = torch.zeros(8)
    g = lt.walk_grid(z0, torch.ones(8), -torch.ones(8), 5, 0.5)
    assert g.shape == (25, 8) and torch.equal(g[12], z0)
    assert float(g.abs().max()) <= 1
