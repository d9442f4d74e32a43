"""f-GAN (Nowozin, Cseke & Tomioka 2016): variational divergence minimisation.

F(theta, omega) = E_P[g_f(V(x))] - E_Q[f*(g_f(V(G(z))))]; D maximises F, G minimises it
(the saddle-point form of the paper, eq. 6). g_f maps the raw output v into the domain of the
conjugate f* (Table 2):

| divergence        | g_f(v)                | f*(t)              |
|-------------------|-----------------------|--------------------|
| kl                | v                     | exp(t - 1)         |
| reverse_kl        | -exp(-v)              | -1 - log(-t)       |
| pearson           | v                     | t^2/4 + t          |
| squared_hellinger | 1 - exp(-v)           | t / (1 - t)        |
| js                | log 2 - softplus(-v)  | -log(2 - exp(t))   |
| total_variation   | tanh(v) / 2           | t                  |
| gan               | -softplus(-v)         | -log(1 - exp(t))   |

The losses use f*(g_f(v)) in closed form, because composing the two overflows in float32 long
before the value does (for "gan", 1 - exp(g_f(v)) rounds to 0 from v ~ 17.5 and f* becomes inf):

| divergence        | f*(g_f(v))              |
|-------------------|-------------------------|
| kl                | exp(v - 1)              |
| reverse_kl        | v - 1                   |
| pearson           | v^2/4 + v               |
| squared_hellinger | exp(v) - 1              |
| js                | softplus(v) - log 2     |
| total_variation   | tanh(v) / 2             |
| gan               | softplus(v)             |

(js: exp(g_f(v)) = 2 sigmoid(v), so 2 - exp(g_f(v)) = 2 sigmoid(-v) and -log of it is
softplus(v) - log 2; gan likewise with 1 - sigmoid(v); squared_hellinger: t / (1 - t) with
1 - t = exp(-v).) They are finite wherever the value fits in float32; kl and squared_hellinger
grow like e^v and reach inf only where e^v itself does (v > ~88.7).

Example: for "gan", v = 0 gives g = -log 2 and f*(g) = log 2.

>>> import torch
>>> round(conjugate_of_activation("gan", torch.tensor(0.0)).item(), 6) == round(LOG2, 6)
True
>>> conjugate_of_activation("gan", torch.tensor(100.0)).item()  # the direct composition gives inf
100.0

With the "gan" divergence and V = 0 the D loss is the original GAN's at D = 1/2, 2 log 2:

>>> from ganviz.objectives.base import DView
>>> zero = DView(torch.zeros(2, 2), score=torch.zeros(2))
>>> round(float(FGAN(FGAN.Params("gan")).d_loss(zero, zero)) / LOG2, 6)
2.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ganviz.objectives.base import Defaults, Objective, Params, param

LOG2 = math.log(2.0)

# name -> (g_f, f*) as functions of tensors
F_DIVERGENCES = {
    "kl": (lambda v: v, lambda t: torch.exp(t - 1.0)),
    "reverse_kl": (lambda v: -torch.exp(-v), lambda t: -1.0 - torch.log(-t)),
    "pearson": (lambda v: v, lambda t: 0.25 * t * t + t),
    "squared_hellinger": (lambda v: 1.0 - torch.exp(-v), lambda t: t / (1.0 - t)),
    "js": (lambda v: LOG2 - F.softplus(-v), lambda t: -torch.log(2.0 - torch.exp(t))),
    "total_variation": (lambda v: 0.5 * torch.tanh(v), lambda t: t),
    "gan": (lambda v: -F.softplus(-v), lambda t: -torch.log(1.0 - torch.exp(t))),
}


# name -> f*(g_f(v)), the composite in a form that stays finite where its value does
CONJUGATE_OF_ACTIVATION = {
    "kl": lambda v: torch.exp(v - 1.0),
    "reverse_kl": lambda v: v - 1.0,
    "pearson": lambda v: 0.25 * v * v + v,
    "squared_hellinger": torch.expm1,
    "js": lambda v: F.softplus(v) - LOG2,
    "total_variation": lambda v: 0.5 * torch.tanh(v),
    "gan": F.softplus,
}


def activation(divergence: str, v: torch.Tensor) -> torch.Tensor:
    """g_f(v) for the named divergence."""
    return F_DIVERGENCES[divergence][0](v)


def conjugate(divergence: str, t: torch.Tensor) -> torch.Tensor:
    """f*(t) for the named divergence."""
    return F_DIVERGENCES[divergence][1](t)


def conjugate_of_activation(divergence: str, v: torch.Tensor) -> torch.Tensor:
    """f*(g_f(v)) for the named divergence, in closed form (finite wherever its value is)."""
    return CONJUGATE_OF_ACTIVATION[divergence](v)


class FGAN(Objective, name="fgan", output="critic", published="2016-06",
           paper="Nowozin, Cseke & Tomioka 2016, f-GAN",
           defaults=Defaults("adam", 1e-4, 1e-4, (0.5, 0.999), 1)):

    def d_loss(self, real, fake):
        r"""L_D = -\mathbb{E}_x[g_f(V(x))] + \mathbb{E}_z[f^*(g_f(V(G(z))))]"""
        f = self.params.f_divergence
        return -(activation(f, real.score).mean() - conjugate_of_activation(f, fake.score).mean())

    def g_loss(self, real, fake):
        r"""L_G = -\mathbb{E}_z[f^*(g_f(V(G(z))))]"""
        return -conjugate_of_activation(self.params.f_divergence, fake.score).mean()

    @dataclass(frozen=True)
    class Params(Params):
        f_divergence: str = param("js", label="f-divergence", choices=list(F_DIVERGENCES),
                                  help="which f-divergence D estimates and G minimises (Nowozin et al. 2016, Table 2)",
                                  paper="any of Table 2 (Nowozin et al. 2016)")
