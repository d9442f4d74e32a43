"""Penalties and Improved-GAN terms added to an objective's losses.

- Gradient penalty (WGAN-GP, Gulrajani et al. 2017): lambda E[(||grad f(x_hat)||_2 - 1)^2],
  x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1] per sample.
- R1 (Mescheder, Geiger & Nowozin 2018): (gamma / 2) E_real[||grad_x D(x)||^2]. We keep the 1/2 of
  the paper; some code drops it (then its gamma is half ours).
- Feature matching (Salimans et al. 2016, Sec. 3.1): ||E f(x) - E f(G(z))||_2^2 on D's last hidden
  layer, replacing the generator's loss.
- Historical averaging (Salimans et al. 2016, Sec. 3.3): ||theta - (1/t) sum_i theta_i||^2.

Both penalties need each sample's own input gradient d D(x)_i / d x_i. When D compares batch
members (minibatch discrimination) the gradient of sum_i D(x)_i is not that, so ``score_fn`` must
treat the other members as constants (``MLP.per_sample``).

Example: for f(x) = 3 x on R, ||grad f|| = 3 everywhere: GP = lambda * 4, R1 = gamma / 2 * 9.

>>> import torch
>>> x = torch.tensor([[1.0], [-2.0]])
>>> r1_penalty(lambda v: 3 * v.squeeze(1), x, gamma=2.0).item()
9.0
>>> round(gradient_penalty(lambda v: 3 * v.squeeze(1), x, -x, lam=1.0, uniform=lambda n: torch.rand(n, 1)).item(), 4)
4.0
"""

from __future__ import annotations

import torch

from ganviz.nets.weights import weight_matrices


def _grad_norm_sq(score_fn, x: torch.Tensor) -> torch.Tensor:
    """||d score_fn(x)_i / d x_i||^2 per row. Taken as the gradient of the batch sum, which is each
    row's own gradient only if row i of ``score_fn(x)`` depends on x through x_i alone: for a D with
    minibatch discrimination pass ``MLP.per_sample`` (the trainer does)."""
    x = x.detach().requires_grad_(True)
    out = score_fn(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return grad.pow(2).sum(dim=-1)


def gradient_penalty(score_fn, real, fake, lam: float, uniform):
    """lambda E[(||grad f(x_hat)||_2 - 1)^2] on random interpolates of real and fake;
    ``uniform(n)`` draws the n mixing weights eps, shape (..., n, 1), from the run's generator.
    Leading dimensions are kept (stacked trials: real (K, n, d) gives K penalties)."""
    n = min(real.shape[-2], fake.shape[-2])
    eps = uniform(n)
    x_hat = eps * real[..., :n, :] + (1 - eps) * fake[..., :n, :].detach()
    norm = (_grad_norm_sq(score_fn, x_hat) + 1e-12).sqrt()
    return lam * ((norm - 1.0) ** 2).mean(-1)


def r1_penalty(score_fn, real, gamma: float):
    """(gamma / 2) E_real ||grad_x D(x)||^2 (leading dimensions kept, as ``gradient_penalty``)."""
    return 0.5 * gamma * _grad_norm_sq(score_fn, real).mean(-1)


def feature_matching(f_real: torch.Tensor, f_fake: torch.Tensor) -> torch.Tensor:
    """||mean f(x) - mean f(G(z))||_2^2; the real features carry no gradient."""
    return (f_real.detach().mean(0) - f_fake.mean(0)).pow(2).sum()


class HistoricalAverage:
    """Keeps the running mean of a module's parameters; ``penalty`` is ||theta - mean||^2."""

    def __init__(self, module: torch.nn.Module):
        self.module = module
        self.count = 0
        self.mean = [p.detach().clone() for p in module.parameters()]

    @torch.no_grad()
    def update(self):
        self.count += 1
        for m, p in zip(self.mean, self.module.parameters()):
            m.add_(p.detach() - m, alpha=1.0 / self.count)

    def penalty(self) -> torch.Tensor:
        return sum(((p - m) ** 2).sum() for m, p in zip(self.mean, self.module.parameters()))


def orthogonal_penalty(module: torch.nn.Module, beta: float) -> torch.Tensor:
    """BigGAN's orthogonal regularisation (Brock et al. 2019, eq. 3):
    R = beta sum_W ||W W^T (.) (1 - I)||_F^2, with W reshaped to (out, -1) so that the rows
    (filters) are pushed towards orthogonality without constraining their norms (as in the
    BigGAN code, which uses W W^T of the reshaped weight)."""
    total = 0.0
    for _, w in weight_matrices(module):
        gram = w @ w.T
        off = gram - torch.diag_embed(gram.diagonal())
        total = total + off.pow(2).sum()
    return beta * total


@torch.no_grad()
def clamp_sigma(module: torch.nn.Module, sigma_max: float) -> None:
    """BigGAN's sigma clamp (Brock et al. 2019, Appendix F): for each weight with top singular
    triple (sigma_0, u_0, v_0), W <- W - max(0, sigma_0 - sigma_max) u_0 v_0^T: the top singular
    value becomes sigma_max and the rest of the spectrum is untouched, so afterwards the largest
    singular value is max(sigma_max, sigma_1), which exceeds sigma_max when sigma_1 does
    ((5, 4, 1) with sigma_max = 3 becomes (4, 3, 1))."""
    for _, w in weight_matrices(module):
        u, s, vh = torch.linalg.svd(w, full_matrices=False)
        excess = (s[0] - sigma_max).clamp_min(0)
        if excess > 0:
            w.sub_(excess * torch.outer(u[:, 0], vh[0]))
