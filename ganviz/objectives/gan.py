"""The original GAN (Goodfellow et al. 2014) in its two generator forms, with logits l, D = sigmoid(l).

D loss: softplus(-l_real) + softplus(l_fake) = -log D(x) - log(1 - D(G(z))). With one-sided label
smoothing (Salimans et al. 2016, Sec. 3.4) the real target is alpha < 1 and the fake one stays 0:
alpha softplus(-l_real) + (1 - alpha) softplus(l_real) + softplus(l_fake).

- MMGAN (minimax): G minimises E[log(1 - D(G(z)))] = -E[softplus(l_fake)]. Its gradient vanishes
  when D confidently rejects fakes, early in training.
- NSGAN (non-saturating): G minimises -E[log D(G(z))] = E[softplus(-l_fake)].

Example (D undecided, l = 0): D loss = 2 log 2, NSGAN G loss = log 2, MMGAN G loss = -log 2.
    >>> import math, torch
    >>> from ganviz.objectives import DView
    >>> zero = DView(torch.zeros(4, 2), score=torch.zeros(4))
    >>> [round(v / math.log(2), 6) for v in (float(NSGAN().d_loss(zero, zero)),
    ...                                      float(NSGAN().g_loss(zero, zero)), float(MMGAN().g_loss(zero, zero)))]
    [2.0, 1.0, -1.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective, Params, param


def d_loss_logistic(l_real, l_fake, alpha: float = 1.0):
    real = alpha * F.softplus(-l_real) + (1.0 - alpha) * F.softplus(l_real)
    return real.mean() + F.softplus(l_fake).mean()


class MMGAN(Objective, name="mmgan", output="logit", published="2014-06",
            paper="Goodfellow et al. 2014, Generative Adversarial Nets (minimax form)",
            defaults=Defaults("adam", 2e-4, 2e-4, (0.5, 0.999), 1)):

    def d_loss(self, real, fake):
        r"""L_D = -\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))]"""
        return d_loss_logistic(real.score, fake.score, self.params.label_smoothing)

    def g_loss(self, real, fake):
        r"""L_G = \mathbb{E}_z[\log(1 - D(G(z)))]"""
        return -F.softplus(fake.score).mean()

    @dataclass(frozen=True)
    class Params(Params):
        label_smoothing: float = param(
            1.0, label="one-sided label smoothing (real target α)", control=(0.5, 1.0), bounds=(0.01, 1.0),
            help="D's target for real samples is α instead of 1; fakes keep 0 (Salimans et al. 2016, Sec. 3.4). "
                 "1 = off.", paper="α = 0.9 (Salimans et al. 2016)")


class NSGAN(MMGAN, name="nsgan",
            paper="Goodfellow et al. 2014, Generative Adversarial Nets (non-saturating form)"):

    def g_loss(self, real, fake):
        r"""L_G = -\mathbb{E}_z[\log D(G(z))]"""
        return F.softplus(-fake.score).mean()
