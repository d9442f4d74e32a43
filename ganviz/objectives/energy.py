"""Energy-based objectives with an autoencoder discriminator: EBGAN and BEGAN.

EBGAN (Zhao, Mathieu & LeCun 2017): energy D(x) = ||Dec(Enc(x)) - x||_2;
  L_D = D(x) + [m - D(G(z))]^+;  L_G = D(G(z)) + w_PT f_PT(S), with the pull-away term over the
  encoder codes S of the fake batch:
  f_PT(S) = 1/(N(N-1)) sum_{i != j} (S_i . S_j / (|S_i| |S_j|))^2.
  The margin m must match the energy's scale. The autoencoder may be pre-trained on real data.

BEGAN (Berthelot, Schumm & Metz 2017, arXiv 1703.10717): L(v) = mean |v - D(v)|^eta;
  L_D = L(x) - k_t L(G(z_D));  L_G = L(G(z_G));
  k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1), k_0 = 0;
  M_global = L(x) + |gamma L(x) - L(G(z_G))|.
  In the trainer the per-sample "energy" of an autoencoder view is L: for BEGAN the mean of
  |v - D(v)|^eta over coordinates.

Example: f_PT of two orthogonal codes is 0, of two parallel codes 1; EBGAN's D loss with real
energy 0.2 and fake energy 3 above the margin m = 2 is just the real energy.
    >>> import torch
    >>> [round(float(pull_away(torch.tensor(s))), 6) for s in ([[1.0, 0.0], [0.0, 2.0]], [[1.0, 1.0], [2.0, 2.0]])]
    [0.0, 1.0]
    >>> from ganviz.objectives import DView
    >>> from ganviz.training.config import TrainConfig
    >>> real, fake = DView(torch.zeros(2, 2), energy=torch.full((2,), 0.2)), DView(torch.zeros(2, 2), energy=torch.full((2,), 3.0))
    >>> round(float(EBGAN().d_loss(real, fake, TrainConfig(objective="ebgan", ebgan_margin=2.0))), 6)
    0.2
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective


def pull_away(codes: torch.Tensor) -> torch.Tensor:
    """f_PT(S) = 1/(N(N-1)) sum_{i != j} cos^2(S_i, S_j) (EBGAN, eq. 6)."""
    n = codes.shape[0]
    if n < 2:
        return codes.new_zeros(())
    s = F.normalize(codes, dim=1)
    cos2 = (s @ s.T) ** 2
    return (cos2.sum() - cos2.diagonal().sum()) / (n * (n - 1))


class EBGAN(Objective):
    name = "ebgan"
    paper = "Zhao, Mathieu & LeCun 2017, Energy-based GAN"
    discriminator = "autoencoder"
    defaults = Defaults("adam", 2e-4, 2e-4, (0.5, 0.999), 1)

    @staticmethod
    def energy(x, recon, hp):
        return (recon - x).norm(dim=1)

    def d_loss(self, real, fake, hp):
        return real.energy.mean() + F.relu(hp.ebgan_margin - fake.energy).mean()

    def g_loss(self, fake, hp):
        return fake.energy.mean() + hp.pull_away_weight * pull_away(fake.code)


class BEGAN(Objective):
    name = "began"
    paper = "Berthelot, Schumm & Metz 2017, BEGAN (arXiv 1703.10717)"
    discriminator = "autoencoder"
    defaults = Defaults("adam", 1e-4, 1e-4, (0.5, 0.999), 1)

    def __init__(self):
        self.k_t = 0.0
        self.m_global = float("nan")
        self.loss_real = float("nan")
        self.loss_fake = float("nan")

    @staticmethod
    def energy(x, recon, hp):
        return (recon - x).abs().pow(hp.began_eta).mean(dim=1)

    def d_loss(self, real, fake, hp):
        return real.energy.mean() - self.k_t * fake.energy.mean()

    def g_loss(self, fake, hp):
        return fake.energy.mean()

    def after_g_step(self, real, fake, hp):
        l_real = float(real.energy.detach().mean())
        l_fake = float(fake.energy.detach().mean())
        balance = hp.began_gamma * l_real - l_fake
        self.k_t = min(max(self.k_t + hp.began_lambda_k * balance, 0.0), 1.0)
        self.m_global = l_real + abs(balance)
        self.loss_real, self.loss_fake = l_real, l_fake

    def state(self):
        return {"k_t": self.k_t, "m_global": self.m_global, "L_real": self.loss_real, "L_fake": self.loss_fake}

    def load_state(self, state):
        self.k_t = float(state.get("k_t", 0.0))
