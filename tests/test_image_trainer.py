"""The one Trainer on images: every objective trains on the bundled digits with conv nets (or an
autoencoder D for energy objectives), and the penalties, margins and hooks act on whole images."""

import pytest
import torch

from ganviz.objectives import OBJECTIVES
from ganviz.objectives.penalties import gradient_penalty
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer

TINY = dict(dataset="digits", g_width=8, d_width=8, latent_dim=8, ae_code=8, batch=16, eval_samples=32,
            eval_every=10**6)


def make(**kw) -> Trainer:
    return Trainer(TrainConfig().replace(**{**TINY, **kw}))


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_every_objective_trains_on_digits(objective):
    t = make(objective=objective)
    t.train(3)
    x = t.sample(8)
    assert tuple(x.shape) == (8, 1, 16, 16) and bool(x.abs().max() <= 1)
    assert all(torch.isfinite(torch.tensor(v)) for v in t.last.values())
    want = "Autoencoder" if OBJECTIVES[objective].discriminator == "autoencoder" else "ConvD"
    assert type(t.D).__name__ == want


def test_began_architecture_and_32_pixel_images():
    t = make(objective="began", arch="began", latent_dist="uniform", image_size=32)
    t.train(2)
    assert type(t.G).__name__ == "Decoder" and tuple(t.sample(2).shape) == (2, 1, 32, 32)
    assert 0.0 <= t.objective.k_t <= 1.0
    with pytest.raises(ValueError, match="needs an energy objective"):
        TrainConfig(dataset="digits", arch="began").validate()


def _twins(**kw):
    a, b = make(**kw), make(**{**kw, **{k: 0.0 for k in kw if k in ("gp_lambda", "r1_gamma")}})
    fake = a.G(a._latent(a.config.batch)).detach()
    assert torch.equal(b.G(b._latent(b.config.batch)).detach(), fake)
    return a, b, fake


def _grad_norm_sq_per_image(t, x):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(t.D(x).sum(), x)
    return g.pow(2).sum(dim=(1, 2, 3))  # over every pixel of each image


def test_the_gradient_penalty_takes_the_norm_over_whole_images():
    t, t0, fake = _twins(objective="wgan-gp", gp_lambda=10.0)
    state = t.gen.get_state()
    real = t._real(t.config.batch)
    eps = t._uniform(t.config.batch).view(-1, 1, 1, 1)
    t.gen.set_state(state)
    x_hat = eps * real + (1 - eps) * fake
    want = 10.0 * ((_grad_norm_sq_per_image(t, x_hat) + 1e-12).sqrt() - 1).pow(2).mean()
    assert float(want) > 1e-3
    assert t.step_d(fake) - t0.step_d(fake) == pytest.approx(float(want), rel=1e-4)


def test_r1_takes_the_norm_over_whole_images():
    t, t0, fake = _twins(objective="nsgan", r1_gamma=2.0)
    state = t.gen.get_state()
    real = t._real(t.config.batch)
    t.gen.set_state(state)
    want = 0.5 * 2.0 * _grad_norm_sq_per_image(t, real).mean()
    assert float(want) > 1e-6
    assert t.step_d(fake) - t0.step_d(fake) == pytest.approx(float(want), rel=1e-4)


def test_the_loss_sensitive_margin_is_the_l1_distance_over_every_pixel():
    obj = OBJECTIVES["loss-sensitive"]()
    a, b = torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 4, 4)
    b[0, 0, 0, 0], b[0, 0, 3, 3], b[1, 0, 2, 1] = 1.0, -2.0, 0.5
    assert obj.margin(a, b).tolist() == [3.0, 0.5]


def test_drawing_samples_leaves_the_run_as_it_was():
    t = make(objective="nsgan")
    t.train(2)
    stats = [b.clone() for b in t.G.buffers()]
    first, second = t.sample(), t.sample()
    assert torch.equal(first, second)
    assert all(torch.equal(a, b) for a, b in zip(stats, t.G.buffers()))


def test_shift_augmentation_moves_the_real_images_each_draw():
    plain, shifted = make(shift=0), make(shift=2)
    idx_state = plain.gen.get_state()
    x = plain._real(16)
    plain.gen.set_state(idx_state)
    idx = torch.randint(0, len(plain.pool), (16,), generator=plain.gen)
    assert torch.equal(x, plain.pool[idx])
    y = shifted._real(16)
    assert not torch.equal(y, shifted.pool[idx])  # same indices (same seed), moved pixels
    with pytest.raises(ValueError, match="shift augments images"):
        TrainConfig(shift=2).validate()


def test_the_ema_generator_follows_batch_norms_statistics():
    t = make(objective="nsgan", g_ema=0.9)
    t.train(3)
    assert all(torch.equal(a, b) for a, b in zip(t.G_ema.buffers(), t.G.buffers()))
