"""Least squares GAN (Mao et al. 2017) with a linear D output.

D: 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2];  G: 1/2 E[(D(G(z)) - c)^2].
(a, b, c) = (-1, 1, 0) minimises the Pearson chi^2 divergence (paper, Sec. 3.2.2); (0, 1, 1) is
the common choice and our default (``ls_abc``).

Example: with D = 0 everywhere and (a, b, c) = (0, 1, 1): D loss = 1/2, G loss = 1/2.
    >>> import torch
    >>> from ganviz.objectives import DView
    >>> zero = DView(torch.zeros(3, 2), score=torch.zeros(3))
    >>> float(LSGAN().d_loss(zero, zero)), float(LSGAN().g_loss(zero, zero))
    (0.5, 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass

from ganviz.objectives.base import Defaults, Objective, Params, param


class LSGAN(Objective, name="lsgan", output="critic", published="2016-11",
            paper="Mao et al. 2017, Least Squares Generative Adversarial Networks",
            defaults=Defaults("adam", 1e-4, 1e-4, (0.5, 0.999), 1)):

    def d_loss(self, real, fake):
        r"""L_D = \tfrac12\mathbb{E}_x[(D(x) - b)^2] + \tfrac12\mathbb{E}_z[(D(G(z)) - a)^2]"""
        a, b, _ = self.params.ls_abc
        return 0.5 * ((real.score - b) ** 2).mean() + 0.5 * ((fake.score - a) ** 2).mean()

    def g_loss(self, real, fake):
        r"""L_G = \tfrac12\mathbb{E}_z[(D(G(z)) - c)^2]"""
        _, _, c = self.params.ls_abc
        return 0.5 * ((fake.score - c) ** 2).mean()

    @dataclass(frozen=True)
    class Params(Params):
        ls_abc: tuple[float, float, float] = param(
            (0.0, 1.0, 1.0), label="(a, b, c)", choices={"(0, 1, 1)": (0.0, 1.0, 1.0), "(-1, 1, 0)": (-1.0, 1.0, 0.0)},
            help="targets: a for fakes and b for reals in D's loss, c for fakes in G's; (-1, 1, 0) minimises the "
                 "Pearson χ² divergence (Mao et al. 2017, Sec. 3.2.2)",
            paper="both schemes are the paper's (Mao et al. 2017, Sec. 3.2.2)")
