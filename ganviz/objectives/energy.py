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
    >>> real, fake = DView(torch.zeros(2, 2), energy=torch.full((2,), 0.2)), DView(torch.zeros(2, 2), energy=torch.full((2,), 3.0))
    >>> round(float(EBGAN(EBGAN.Params(ebgan_margin=2.0)).d_loss(real, fake)), 6)
    0.2

BEGAN's k_t moves by lambda_k (gamma L(x) - L(G(z))): from 0 with L(x) = 1, L(G(z)) = 0.2 and
gamma = 0.5 it becomes 0.001 (0.5 - 0.2) = 0.0003.
    >>> b = BEGAN()
    >>> b.after_g_step(DView(None, energy=torch.ones(3)), DView(None, energy=torch.full((3,), 0.2)))
    >>> round(b.k_t, 6)
    0.0003
"""

from __future__ import annotations

import math

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective, Params, param


def pull_away(codes: torch.Tensor) -> torch.Tensor:
    """f_PT(S) = 1/(N(N-1)) sum_{i != j} cos^2(S_i, S_j) (EBGAN, eq. 6)."""
    n = codes.shape[0]
    if n < 2:
        return codes.new_zeros(())
    s = F.normalize(codes, dim=1)
    cos2 = (s @ s.T) ** 2
    return (cos2.sum() - cos2.diagonal().sum()) / (n * (n - 1))


STANDARDISED = ("It acts on standardised inputs x / s (s = the data's overall std; s² = 0.5 on ring8, 7.99 "
                "on grid25)")


class EBGAN(Objective, name="ebgan", output="energy", published="2016-09",
            paper="Zhao, Mathieu & LeCun 2017, Energy-based GAN",
            defaults=Defaults("adam", 2e-4, 2e-4, (0.5, 0.999), 1)):

    def energy(self, x, recon):
        return (recon - x).norm(dim=1)

    def d_loss(self, real, fake):
        r"""L_D = E(x) + [m - E(G(z))]^+"""
        return real.energy.mean() + F.relu(self.params.ebgan_margin - fake.energy).mean()

    def g_loss(self, real, fake):
        r"""L_G = E(G(z)) + w_{PT}\, f_{PT}"""
        return fake.energy.mean() + self.params.pull_away_weight * pull_away(fake.code)

    @dataclass(frozen=True)
    class Params(Params):
        ebgan_margin: float = param(
            0.5, label="margin m", control=(0.0, 5.0),
            help="L_D = D(x) + [m − D(G(z))]⁺ with D the autoencoder's reconstruction error (Zhao et al. 2017). "
                 + STANDARDISED + ": m is measured in those units.")
        pull_away_weight: float = param(0.1, label="pull-away weight", control=(0.0, 1.0),
                                        help="weight of the pull-away term f_PT on the fake codes (EBGAN, eq. 6)",
                                        paper="0.1 (Zhao et al. 2017)")


class BEGAN(Objective, name="began", output="energy", published="2017-03",
            paper="Berthelot, Schumm & Metz 2017, BEGAN (arXiv 1703.10717)",
            defaults=Defaults("adam", 1e-4, 1e-4, (0.5, 0.999), 1)):

    def __init__(self, params: BEGAN.Params | None = None):
        super().__init__(params)
        self.k_t = 0.0
        self.m_global = float("nan")
        self.loss_real = float("nan")
        self.loss_fake = float("nan")

    def energy(self, x, recon):
        return (recon - x).abs().pow(self.params.began_eta).mean(dim=1)

    def d_loss(self, real, fake):
        r"""L_D = \mathcal{L}(x) - k_t\,\mathcal{L}(G(z)),\quad
        k_{t+1} = k_t + \lambda_k(\gamma\mathcal{L}(x) - \mathcal{L}(G(z)))"""
        return real.energy.mean() - self.k_t * fake.energy.mean()

    def g_loss(self, real, fake):
        r"""L_G = \mathcal{L}(G(z))"""
        return fake.energy.mean()

    def after_g_step(self, real, fake):
        p = self.params
        l_real = float(real.energy.detach().mean())
        l_fake = float(fake.energy.detach().mean())
        balance = p.began_gamma * l_real - l_fake
        self.k_t = min(max(self.k_t + p.began_lambda_k * balance, 0.0), 1.0)
        self.m_global = l_real + abs(balance)
        self.loss_real, self.loss_fake = l_real, l_fake

    def state(self):
        return {"k_t": self.k_t, "m_global": self.m_global, "L_real": self.loss_real, "L_fake": self.loss_fake}

    def load_state(self, state):
        self.k_t = float(state.get("k_t", 0.0))
        m = state.get("m_global")
        self.m_global = math.nan if m is None else float(m)

    @dataclass(frozen=True)
    class Params(Params):
        began_gamma: float = param(
            0.5, label="gamma (diversity ratio)", control=(0.0, 1.0), bounds=(0.0, 1.0),
            help="γ = E[L(G(z))] / E[L(x)], the target ratio: lower is sharper and less diverse",
            paper="0.3, 0.5, 0.7 in the paper's figures (Berthelot et al. 2017)")
        began_lambda_k: float = param(0.001, label="lambda_k", control=(0.0, 0.01), fmt="%.4f", step=0.0005,
                                      help="k_t's learning rate in k ← k + λ_k (γ L(x) − L(G(z)))",
                                      paper="λ_k = 0.001 (Berthelot et al. 2017)")
        began_eta: int = param(1, label="eta (L1 or L2)", choices=[1, 2],
                               help="L(v) = mean |v − D(v)|^η", paper="η ∈ {1, 2}; 1 is the usual choice")
