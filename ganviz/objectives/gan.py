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
    >>> from ganviz.training.config import TrainConfig
    >>> zero, hp = DView(torch.zeros(4, 2), score=torch.zeros(4)), TrainConfig()
    >>> [round(v / math.log(2), 6) for v in (float(NSGAN().d_loss(zero, zero, hp)),
    ...                                      float(NSGAN().g_loss(zero, hp)), float(MMGAN().g_loss(zero, hp)))]
    [2.0, 1.0, -1.0]
"""

from __future__ import annotations

import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective


def d_loss_logistic(l_real, l_fake, alpha: float = 1.0):
    real = alpha * F.softplus(-l_real) + (1.0 - alpha) * F.softplus(l_real)
    return real.mean() + F.softplus(l_fake).mean()


class MMGAN(Objective):
    name = "mmgan"
    paper = "Goodfellow et al. 2014, Generative Adversarial Nets (minimax form)"
    supports_label_smoothing = True
    defaults = Defaults("adam", 2e-4, 2e-4, (0.5, 0.999), 1)

    def d_loss(self, real, fake, hp):
        return d_loss_logistic(real.score, fake.score, hp.label_smoothing)

    def g_loss(self, fake, hp):
        return -F.softplus(fake.score).mean()


class NSGAN(MMGAN):
    name = "nsgan"
    paper = "Goodfellow et al. 2014, Generative Adversarial Nets (non-saturating form)"

    def g_loss(self, fake, hp):
        return F.softplus(-fake.score).mean()
