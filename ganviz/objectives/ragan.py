"""Relativistic average GAN (Jolicoeur-Martineau 2018, "The relativistic discriminator: a key element
missing from standard GAN", RaSGAN), C the critic's raw output.

The discriminator judges whether a real sample is more realistic than the average fake, and a fake
more realistic than the average real:
  D~(x_r) = sigmoid(C(x_r) - E_f C(x_f)),  D~(x_f) = sigmoid(C(x_f) - E_r C(x_r));
  L_D = E_r[softplus(-(C(x_r) - E_f C(x_f)))] + E_f[softplus(C(x_f) - E_r C(x_r))];
  L_G = E_f[softplus(-(C(x_f) - E_r C(x_r)))] + E_r[softplus(C(x_r) - E_f C(x_f))].
G's loss reads the real batch: half of its gradient comes from lowering the real samples' lead.

Example: an undecided critic (C = 0 everywhere) gives L_D = L_G = 2 log 2; real scores 2 and fake
scores 0 give L_D = 2 softplus(-2) = 0.2539 and L_G = 2 softplus(2) = 4.2539.
    >>> import math, torch
    >>> from ganviz.objectives.base import DView
    >>> v = lambda s: DView(None, score=torch.tensor(s))
    >>> r = RaGAN()
    >>> round(float(r.d_loss(v([0.0, 0.0]), v([0.0]))) / math.log(2), 6), round(float(r.g_loss(v([0.0]), v([0.0]))) / math.log(2), 6)
    (2.0, 2.0)
    >>> round(float(r.d_loss(v([2.0, 2.0]), v([0.0]))), 4), round(float(r.g_loss(v([2.0, 2.0]), v([0.0]))), 4)
    (0.2539, 4.2539)
"""

from __future__ import annotations

import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective


class RaGAN(Objective, name="ragan", output="critic", published="2018-07",
            paper="Jolicoeur-Martineau 2018, The relativistic discriminator (RaSGAN)",
            defaults=Defaults("adam", 2e-4, 2e-4, (0.5, 0.999), 1), g_needs_real=True):

    def d_loss(self, real, fake):
        r"""L_D = \mathbb{E}_r[\mathrm{sp}(-(C(x_r) - \mathbb{E}_f C(x_f)))]
        + \mathbb{E}_f[\mathrm{sp}(C(x_f) - \mathbb{E}_r C(x_r))]"""
        lead = real.score - fake.score.mean()  # how far each real sample is ahead of the average fake
        trail = fake.score - real.score.mean()
        return F.softplus(-lead).mean() + F.softplus(trail).mean()

    def g_loss(self, real, fake):
        r"""L_G = \mathbb{E}_f[\mathrm{sp}(-(C(x_f) - \mathbb{E}_r C(x_r)))]
        + \mathbb{E}_r[\mathrm{sp}(C(x_r) - \mathbb{E}_f C(x_f))]"""
        lead = real.score - fake.score.mean()
        trail = fake.score - real.score.mean()
        return F.softplus(-trail).mean() + F.softplus(lead).mean()
