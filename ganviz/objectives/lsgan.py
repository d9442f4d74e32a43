"""Least squares GAN (Mao et al. 2017) with a linear D output.

D: 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2];  G: 1/2 E[(D(G(z)) - c)^2].
(a, b, c) = (-1, 1, 0) minimises the Pearson chi^2 divergence (paper, Sec. 3.2.2); (0, 1, 1) is
the common choice and our default (``hp.ls_abc``).

Example: with D = 0 everywhere and (a, b, c) = (0, 1, 1): D loss = 1/2, G loss = 1/2.
    >>> import torch
    >>> from ganviz.objectives import DView
    >>> from ganviz.training.config import TrainConfig
    >>> zero, hp = DView(torch.zeros(3, 2), score=torch.zeros(3)), TrainConfig(objective="lsgan")
    >>> float(LSGAN().d_loss(zero, zero, hp)), float(LSGAN().g_loss(zero, hp))
    (0.5, 0.5)
"""

from __future__ import annotations

from ganviz.objectives.base import Defaults, Objective


class LSGAN(Objective):
    name = "lsgan"
    paper = "Mao et al. 2017, Least Squares Generative Adversarial Networks"
    defaults = Defaults("adam", 1e-4, 1e-4, (0.5, 0.999), 1)

    def d_loss(self, real, fake, hp):
        a, b, _ = hp.ls_abc
        return 0.5 * ((real.score - b) ** 2).mean() + 0.5 * ((fake.score - a) ** 2).mean()

    def g_loss(self, fake, hp):
        _, _, c = hp.ls_abc
        return 0.5 * ((fake.score - c) ** 2).mean()
