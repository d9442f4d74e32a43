"""Critic-based objectives: WGAN with weight clipping, WGAN-GP and the hinge loss (SNGAN).

- WGAN (Arjovsky et al. 2017): the critic f maximises E[f(x)] - E[f(G(z))], so its loss is
  E[f(G(z))] - E[f(x)]; every weight is clipped to [-c, c] after each critic step (c = 0.01);
  RMSProp with lr 5e-5 and n_critic = 5 (Algorithm 1). G minimises -E[f(G(z))].
- WGAN-GP (Gulrajani et al. 2017): the same losses plus its penalty
  lambda E[(||grad f(x_hat)||_2 - 1)^2] at x_hat = eps x + (1 - eps) G(z) (``penalties``); Adam
  lr 1e-4, betas (0.5, 0.9), n_critic = 5, lambda = 10. No weight clipping, no batch norm in the critic.
- Hinge (Lim & Ye 2017; Miyato et al. 2018, SNGAN): D: E[relu(1 - D(x))] + E[relu(1 + D(G(z)))];
  G: -E[D(G(z))]; spectral norm on every D layer.

Example: critic scores real = 2, fake = -3 give WGAN critic loss -5 and hinge D loss 0; for the
critic f(x) = 3 x_1 the gradient norm is 3 everywhere, so WGAN-GP's penalty is lambda (3 - 1)^2 = 40.
    >>> from ganviz.objectives import DView
    >>> real, fake = DView(torch.zeros(2, 2), score=torch.full((2,), 2.0)), DView(torch.zeros(2, 2), score=torch.full((2,), -3.0))
    >>> float(WGAN().d_loss(real, fake)), float(Hinge().d_loss(real, fake)), float(WGAN().g_loss(real, fake))
    (-5.0, 0.0, 3.0)
    >>> x = torch.randn(4, 2)
    >>> round(float(WGANGP().penalty(lambda v: 3 * v[:, 0], x, -x, lambda n: torch.rand(n, 1))), 4)
    40.0
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective, Params, param
from ganviz.objectives.penalties import gradient_penalty


class WGAN(Objective, name="wgan", output="critic", published="2017-01",
           paper="Arjovsky, Chintala & Bottou 2017, Wasserstein GAN (weight clipping)",
           defaults=Defaults("rmsprop", 5e-5, 5e-5, (0.0, 0.0), 5)):

    def d_loss(self, real, fake):
        r"""L_D = \mathbb{E}_z[f(G(z))] - \mathbb{E}_x[f(x)],\quad |w| \le c"""
        return fake.score.mean() - real.score.mean()

    def g_loss(self, real, fake):
        r"""L_G = -\mathbb{E}_z[f(G(z))]"""
        return -fake.score.mean()

    @torch.no_grad()
    def after_d_step(self, d_net):
        c = self.params.clip_c
        for p in d_net.parameters():
            p.clamp_(-c, c)

    @dataclass(frozen=True)
    class Params(Params):
        clip_c: float = param(0.01, label="clip c", control=(0.001, 0.1), bounds=(0.0, 100.0), fmt="%.3f",
                              help="every critic weight is clipped to [-c, c] after each critic step",
                              paper="c = 0.01 (Arjovsky et al. 2017, Algorithm 1)")


class WGANGP(WGAN, name="wgan-gp", published="2017-03",
             paper="Gulrajani et al. 2017, Improved Training of Wasserstein GANs",
             defaults=Defaults("adam", 1e-4, 1e-4, (0.5, 0.9), 5),
             d_formula=(r"L_D = \mathbb{E}_z[f(G(z))] - \mathbb{E}_x[f(x)] + "
                        r"\lambda\,\mathbb{E}_{\hat x}[(\|\nabla f(\hat x)\| - 1)^2]")):

    def penalty(self, score_fn, real, fake, uniform):
        return gradient_penalty(score_fn, real, fake, self.params.gp_lambda, uniform)

    def after_d_step(self, d_net):
        pass  # the gradient penalty replaces clipping

    @dataclass(frozen=True)
    class Params(Params):
        gp_lambda: float = param(
            10.0, label="GP lambda", control=(0.0, 20.0),
            help="λ E[(‖∇f(x̂)‖ − 1)²] on x̂ between real and fake (Gulrajani et al. 2017). It acts on "
                 "standardised inputs x / s (s = the data's overall std; s² = 0.5 on ring8, 7.99 on grid25): the "
                 "unit-norm target is a slope of 1/s in data units (1.41 on ring8, 0.35 on grid25).",
            paper="λ = 10 (Gulrajani et al. 2017)")


class Hinge(Objective, name="hinge", output="critic", published="2017-05",
            paper="Miyato et al. 2018, Spectral Normalization for GANs (hinge loss, SNGAN)",
            defaults=Defaults("adam", 2e-4, 2e-4, (0.0, 0.9), 1, spectral_norm=True)):

    def d_loss(self, real, fake):
        r"""L_D = \mathbb{E}_x[\max(0, 1 - f(x))] + \mathbb{E}_z[\max(0, 1 + f(G(z)))]"""
        return F.relu(1.0 - real.score).mean() + F.relu(1.0 + fake.score).mean()

    def g_loss(self, real, fake):
        r"""L_G = -\mathbb{E}_z[f(G(z))]"""
        return -fake.score.mean()
