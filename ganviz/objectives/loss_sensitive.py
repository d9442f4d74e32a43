"""Loss-sensitive GAN (Qi 2017/2019, "Loss-Sensitive Generative Adversarial Networks on Lipschitz
Densities", arXiv 1701.06264).

A loss function L_theta(x) >= 0 should be lower on real than on fake samples, but only by a margin
Delta(x, G(z)) that grows with their distance:
  L_D = E[L(x)] + lambda E[(Delta(x, G(z)) + L(x) - L(G(z)))^+];  L_G = E[L(G(z))].
L is the critic's raw score s passed through a ReLU, L = max(s, 0), as in the authors' code (their
loss network ends with a ReLU). Without L >= 0 the objective is unbounded below: shifting every L by
c shifts L_D by c, so D could lower its loss for ever.

Margin scale: Delta(x, G(z)) = ||x - G(z)||_1 on the networks' inputs, with factor 1. The trainer
feeds the networks the data divided by its overall std s (``standardize``), so in data units
Delta = ||x - G(z)||_1 / s. (The authors' image code multiplies the L1 distance by a small constant,
0.0002 on 64 x 64 x 3 images in [-1, 1]; our toy points are already at unit scale.) lambda is
``ls_lambda`` and weights the whole hinge term, as in the paper. Real and fake samples are paired
in batch order.

Example: L(x) = 0, L(G(z)) = 5 and Delta = 1: the hinge term is 0 and L_D = 0; a negative score
counts as L = 0, so L_D >= lambda E[(Delta + L(x) - L(G(z)))^+] >= 0.

>>> import torch
>>> from ganviz.objectives.base import DView
>>> real = DView(torch.tensor([[0.0, 0.0]]), score=torch.tensor([-3.0]))  # L(x) = 0
>>> fake = DView(torch.tensor([[1.0, 1.0]]), score=torch.tensor([0.5]))   # L(G(z)) = 0.5, Delta = 2
>>> LossSensitiveGAN(LossSensitiveGAN.Params(ls_lambda=1.0)).d_loss(real, fake).item()  # 0 + (2 + 0 - 0.5)
1.5
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective, Params, param
from ganviz.objectives.energy import STANDARDISED


class LossSensitiveGAN(Objective, name="loss-sensitive", output="critic", published="2017-01",
                       paper="Qi 2017/2019, Loss-Sensitive Generative Adversarial Networks on Lipschitz Densities",
                       defaults=Defaults("adam", 1e-4, 1e-4, (0.5, 0.999), 1)):

    @staticmethod
    def loss(score: torch.Tensor) -> torch.Tensor:
        """L_theta = max(score, 0): the loss function is non-negative."""
        return F.relu(score)

    @staticmethod
    def margin(x_real: torch.Tensor, x_fake: torch.Tensor) -> torch.Tensor:
        """Delta(x, G(z)) = ||x - G(z)||_1 per pair, in the networks' units."""
        return (x_real - x_fake).abs().flatten(1).sum(dim=1)

    def d_loss(self, real, fake):
        r"""L_D = \mathbb{E}_x[L(x)] + \lambda\,\mathbb{E}[(\Delta(x, G(z)) + L(x) - L(G(z)))^+]"""
        n = min(real.x.shape[0], fake.x.shape[0])
        l_real, l_fake = self.loss(real.score), self.loss(fake.score)
        delta = self.margin(real.x[:n], fake.x[:n])
        hinge = F.relu(delta + l_real[:n] - l_fake[:n])
        return l_real.mean() + self.params.ls_lambda * hinge.mean()

    def g_loss(self, real, fake):
        r"""L_G = \mathbb{E}_z[L(G(z))]"""
        return self.loss(fake.score).mean()

    @dataclass(frozen=True)
    class Params(Params):
        # With L = relu(score), a small lambda lets the E[L(x)] term push every score below 0, where the
        # ReLU passes no gradient to D or G; the authors' code drops that term (lambda -> infinity).
        ls_lambda: float = param(
            10.0, label="lambda (margin weight)", control=(0.0, 10.0),
            help="Weight λ of the hinge E[(Δ + L(x) − L(G(z)))⁺], with L ≥ 0 and the margin "
                 "Δ = ‖x − G(z)‖₁ (Qi 2017). " + STANDARDISED + ": Δ is the L1 distance between "
                 "standardised points, Δ = ‖x − G(z)‖₁ / s in data units.", paper="")
