import math

import pytest
import torch

from ganviz.data import DATASETS, get_dataset
from ganviz.data.toy import Uniform1D, gaussian_1d, mixture_1d


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_samples_and_shape(name):
    d = get_dataset(name)
    a, b = d.sample(300, 7), d.sample(300, 7)
    assert a.shape == (300, d.dim) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.equal(a, d.sample(300, 8))


def test_ring8_and_grid25_follow_the_protocol():
    ring = get_dataset("ring8")
    assert ring.sigma == 0.01
    assert torch.allclose(ring.modes.norm(dim=1), torch.ones(8))
    angles = torch.atan2(ring.modes[:, 1], ring.modes[:, 0]) % (2 * math.pi)
    assert torch.allclose(torch.sort(angles).values, torch.arange(8) * 2 * math.pi / 8, atol=1e-6)
    grid = get_dataset("grid25")
    assert grid.sigma == 0.05
    assert sorted(set(grid.modes[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    x = grid.sample(20000, 0)
    d = torch.cdist(x, grid.modes).min(dim=1).values
    # Within 3 sigma in 2D: P(chi_2 <= 3) = 1 - exp(-9/2) = 0.9889.
    assert abs((d <= 0.15).float().mean().item() - (1 - math.exp(-4.5))) < 0.005


@pytest.mark.parametrize("dist,lo,hi", [
    (gaussian_1d(1.0, 2.0), -20, 22), (mixture_1d((-2.0, 3.0), 0.5), -10, 10), (Uniform1D("u", 1, -1.0, 2.0), -2, 3),
])
def test_1d_densities_integrate_to_one_and_match_samples(dist, lo, hi):
    t = torch.linspace(lo, hi, 400_001, dtype=torch.float64).unsqueeze(1)
    p = dist.log_prob(t).exp()
    assert abs(torch.trapezoid(p, t[:, 0]).item() - 1) < 1e-3
    x = dist.sample(200_000, 0).double()
    mean_from_density = torch.trapezoid(p * t[:, 0], t[:, 0]).item()
    assert abs(x.mean().item() - mean_from_density) < 0.02


@pytest.mark.parametrize("name", ["ring8", "grid25", "checkerboard"])
def test_2d_densities_integrate_to_one(name):
    # Importance sampling from a uniform box: E_U[p / u] = integral of p over the box.
    d = get_dataset(name)
    r = 5.0 if name == "grid25" else 2.0
    x = (torch.rand(2_000_000, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1) * (r + 0.5)
    area = (2 * (r + 0.5)) ** 2
    integral = (d.log_prob(x).double().exp().mean() * area).item()
    assert abs(integral - 1) < 0.05


def test_gaussian_log_prob_closed_form():
    d = gaussian_1d(0.5, 2.0)
    x = torch.tensor([[0.5], [2.5]])
    expect = [-math.log(2 * math.sqrt(2 * math.pi)), -math.log(2 * math.sqrt(2 * math.pi)) - 0.5]
    assert torch.allclose(d.log_prob(x), torch.tensor(expect, dtype=torch.float64))


def test_checkerboard_samples_lie_on_dark_squares():
    d = get_dataset("checkerboard")
    assert torch.isfinite(d.log_prob(d.sample(5000, 0))).all()


def test_parallel_lines_is_wgan_example_1():
    from ganviz.data.toy import ParallelLines
    x = ParallelLines("p", 2, 0.7).sample(1000, 0)
    assert torch.all(x[:, 0] == 0.7) and x[:, 1].min() >= 0 and x[:, 1].max() <= 1


def test_unknown_dataset_names_the_allowed_ones():
    with pytest.raises(ValueError, match="ring8"):
        get_dataset("ring9")
