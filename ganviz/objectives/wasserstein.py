"""Critic-based objectives: WGAN with weight clipping, WGAN-GP and the hinge loss (SNGAN).

- WGAN (Arjovsky et al. 2017): the critic f maximises E[f(x)] - E[f(G(z))], so its loss is
  E[f(G(z))] - E[f(x)]; every weight is clipped to [-c, c] after each critic step (c = 0.01);
  RMSProp with lr 5e-5 and n_critic = 5 (Algorithm 1). G minimises -E[f(G(z))].
- WGAN-GP (Gulrajani et al. 2017): the same losses plus lambda E[(||grad f(x_hat)||_2 - 1)^2] at
  x_hat = eps x + (1 - eps) G(z) (the trainer adds it, see ``penalties``); Adam lr 1e-4,
  betas (0.5, 0.9), n_critic = 5, lambda = 10. No weight clipping, no batch norm in the critic.
- Hinge (Lim & Ye 2017; Miyato et al. 2018, SNGAN): D: E[relu(1 - D(x))] + E[relu(1 + D(G(z)))];
  G: -E[D(G(z))]; spectral norm on every D layer.

Example: critic scores real = 2, fake = -3 give WGAN critic loss -5 and hinge D loss 0.
    >>> from ganviz.objectives import DView
    >>> from ganviz.training.config import TrainConfig
    >>> real, fake = DView(torch.zeros(2, 2), score=torch.full((2,), 2.0)), DView(torch.zeros(2, 2), score=torch.full((2,), -3.0))
    >>> hp = TrainConfig(objective="wgan")
    >>> float(WGAN().d_loss(real, fake, hp)), float(Hinge().d_loss(real, fake, hp)), float(WGAN().g_loss(fake, hp))
    (-5.0, 0.0, 3.0)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective


class WGAN(Objective):
    name = "wgan"
    paper = "Arjovsky, Chintala & Bottou 2017, Wasserstein GAN (weight clipping)"
    defaults = Defaults("rmsprop", 5e-5, 5e-5, (0.0, 0.0), 5)

    def d_loss(self, real, fake, hp):
        return fake.score.mean() - real.score.mean()

    def g_loss(self, fake, hp):
        return -fake.score.mean()

    @torch.no_grad()
    def after_d_step(self, d_net, hp):
        for p in d_net.parameters():
            p.clamp_(-hp.clip_c, hp.clip_c)


class WGANGP(WGAN):
    name = "wgan-gp"
    paper = "Gulrajani et al. 2017, Improved Training of Wasserstein GANs"
    defaults = Defaults("adam", 1e-4, 1e-4, (0.5, 0.9), 5)

    def after_d_step(self, d_net, hp):
        pass  # the gradient penalty replaces clipping


class Hinge(Objective):
    name = "hinge"
    paper = "Miyato et al. 2018, Spectral Normalization for GANs (hinge loss, SNGAN)"
    defaults = Defaults("adam", 2e-4, 2e-4, (0.0, 0.9), 1, spectral_norm=True)

    def d_loss(self, real, fake, hp):
        return F.relu(1.0 - real.score).mean() + F.relu(1.0 + fake.score).mean()

    def g_loss(self, fake, hp):
        return -fake.score.mean()
