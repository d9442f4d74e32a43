"""Loss-sensitive GAN (Qi 2017, arXiv 1701.06264).

A loss function L_theta(x) (the critic's score) should be lower on real than on fake samples, but
only by a margin Delta(x, G(z)) that grows with their distance:
  L_D = E[L(x)] + lambda E[(Delta(x, G(z)) + L(x) - L(G(z)))^+],  Delta = ||x - G(z)||_1;
  L_G = E[L(G(z))].
Real and fake samples are paired in batch order. lambda is ``hp.ls_lambda``.

Example: with L(x) = 0, L(G(z)) = 5 and Delta = 1 the hinge term is 0 and L_D = 0.
"""

from __future__ import annotations

import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective


class LossSensitiveGAN(Objective):
    name = "loss-sensitive"
    paper = "Qi 2017, Loss-Sensitive Generative Adversarial Networks"
    defaults = Defaults("adam", 1e-4, 1e-4, (0.5, 0.999), 1)

    def d_loss(self, real, fake, hp):
        n = min(real.x.shape[0], fake.x.shape[0])
        delta = (real.x[:n] - fake.x[:n]).abs().sum(dim=1)
        margin = F.relu(delta + real.score[:n] - fake.score[:n])
        return real.score.mean() + hp.ls_lambda * margin.mean()

    def g_loss(self, fake, hp):
        return fake.score.mean()
