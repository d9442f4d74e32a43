"""Multi-layer perceptrons for toy GANs: a generator, a discriminator/critic that also returns its
last hidden features, and an autoencoder discriminator (EBGAN, BEGAN).

Optional pieces from the papers:
- spectral norm (Miyato et al. 2018) through ``torch.nn.utils.parametrizations.spectral_norm``:
  one power iteration per training forward, u kept between steps;
- minibatch discrimination (Salimans et al. 2016, Sec. 3.2): M_i = f(x_i) T in R^{B x C},
  c_b(i, j) = exp(-||M_{i,b} - M_{j,b}||_1), o(x_i)_b = sum_j c_b(i, j), concatenated to f(x_i);
- virtual batch norm (Salimans et al. 2016, Sec. 3.4): the fixed reference batch is normalised
  with its own statistics, each other example with those of the reference batch together with it.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
}


def _activation(name: str) -> nn.Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}") from None


def _linear(n_in: int, n_out: int, spectral: bool) -> nn.Module:
    layer = nn.Linear(n_in, n_out)
    return _sn(layer) if spectral else layer


class VirtualBatchNorm(nn.Module):
    """Virtual batch norm (Salimans et al. 2016, Sec. 3.4): the first ``n_ref`` rows are the fixed
    reference batch R (N rows), normalised with R's own statistics; every other row h_i with those of
    R together with h_i alone:

    reference rows: mu = mean_R h, var = mean_R h^2 - mu^2;
    other rows:     mu_i = (sum_R h + h_i) / (N + 1), var_i = (sum_R h^2 + h_i^2) / (N + 1) - mu_i^2;
    out = gamma (h - mu) / sqrt(var + eps) + beta.

    So an example's output never depends on the other examples of its batch. The reference batch
    travels through the network with the batch (``MLP.forward`` puts it first), so its statistics
    follow the weights.

    >>> layer = VirtualBatchNorm(1, eps=0.0)
    >>> layer.n_ref = 2
    >>> layer(torch.tensor([[-1.0], [1.0], [2.0]])).squeeze(1).tolist()  # R = {-1, 1}; x = 2 with {-1, 1, 2}
    [-1.0, 1.0, 1.0690449476242065]
    """

    def __init__(self, n: int, eps: float = 1e-5):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(n))
        self.beta = nn.Parameter(torch.zeros(n))
        self.eps = eps
        self.n_ref = 0  # set by MLP.forward for each call

    def forward(self, h):
        n = self.n_ref
        ref = h[:n]
        s1, s2 = ref.sum(0), (ref * ref).sum(0)
        mu_ref = s1 / n
        var_ref = s2 / n - mu_ref * mu_ref
        rest = h[n:]
        mu = (s1 + rest) / (n + 1)
        var = (s2 + rest * rest) / (n + 1) - mu * mu
        mu, var = torch.cat([mu_ref.expand_as(ref), mu]), torch.cat([var_ref.expand_as(ref), var])
        return self.gamma * (h - mu) / torch.sqrt(var.clamp_min(0) + self.eps) + self.beta


class MinibatchDiscrimination(nn.Module):
    """o(x_i)_b = sum_{j != i} exp(-||M_{i,b} - M_{j,b}||_1) with M_i = f(x_i) T (Salimans et al. 2016,
    Sec. 3.2; the paper's sum over j = 1..n adds the constant exp(0) = 1, dropped here).

    ``forward(f, f_others)`` compares each row of f with the rows of ``f_others`` (default: f
    itself). Passing the same features computed from a detached copy of the batch gives the same
    values, but then x_i reaches o(x_i) only through M_i: each sample's input gradient is its own.

    >>> mbd = MinibatchDiscrimination(1, kernels=1, kernel_dim=1)
    >>> with torch.no_grad():
    ...     _ = mbd.T.fill_(1.0)
    >>> [round(v, 4) for v in mbd(torch.tensor([[0.0], [1.0], [5.0]]))[:, 1].tolist()]  # e^-1 + e^-5, ...
    [0.3746, 0.3862, 0.0251]
    """

    def __init__(self, n_in: int, kernels: int = 8, kernel_dim: int = 4):
        super().__init__()
        self.T = nn.Parameter(torch.randn(n_in, kernels * kernel_dim) * 0.1)
        self.kernels, self.kernel_dim = kernels, kernel_dim

    def forward(self, f, f_others=None):
        m = (f @ self.T).view(-1, self.kernels, self.kernel_dim)
        m_o = m if f_others is None else (f_others @ self.T).view(-1, self.kernels, self.kernel_dim)
        c = torch.exp(-(m.unsqueeze(1) - m_o.unsqueeze(0)).abs().sum(-1))  # (N, N, B): c[i, j]
        o = c.sum(1) - c.diagonal(dim1=0, dim2=1).T  # without the self term j = i
        return torch.cat([f, o], dim=1)


class MLP(nn.Module):
    """x -> [Linear -> (VBN) -> act] * depth -> (minibatch discrimination) -> Linear -> out.

    ``forward`` returns the output; ``features`` the last hidden layer (feature matching uses it).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        depth: int = 3,
        width: int = 128,
        activation: str = "relu",
        spectral_norm: bool = False,
        minibatch_kernels: int = 0,
        virtual_batch_norm: bool = False,
    ):
        super().__init__()
        if depth < 1 or width < 1:
            raise ValueError("depth and width must be at least 1")
        layers: list[nn.Module] = []
        d = n_in
        for _ in range(depth):
            layers.append(_linear(d, width, spectral_norm))
            if virtual_batch_norm:
                layers.append(VirtualBatchNorm(width))
            layers.append(_activation(activation))
            d = width
        self.body = nn.Sequential(*layers)
        self.mbd = MinibatchDiscrimination(width, minibatch_kernels) if minibatch_kernels else None
        self.head = _linear(width + (minibatch_kernels if minibatch_kernels else 0), n_out, spectral_norm)
        self.reference: torch.Tensor | None = None  # VBN's fixed reference batch, set by the trainer

    def _body(self, x):
        if self.reference is None:
            return self.body(x)
        n_ref = self.reference.shape[0]
        for m in self.body:
            if isinstance(m, VirtualBatchNorm):
                m.n_ref = n_ref
        return self.body(torch.cat([self.reference, x]))[n_ref:]

    def features(self, x):
        return self._body(x)

    def forward_with_features(self, x):
        f = self._body(x)
        g = self.mbd(f) if self.mbd is not None else f
        return self.head(g), f

    def forward(self, x):
        return self.forward_with_features(x)[0]

    def per_sample(self, x):
        """The same values as ``forward(x)``, but row i depends on x through x_i alone: with
        minibatch discrimination the other batch members enter as constants (computed from a
        detached copy of x; D's weights still get their gradients through them). So
        grad_x sum_i D(x)_i is each sample's own gradient d D(x)_i / d x_i, which R1 and the
        gradient penalty need."""
        if self.mbd is None:
            return self(x)
        f = self._body(x)
        return self.head(self.mbd(f, self._body(x.detach())))


class AutoencoderD(nn.Module):
    """Autoencoder discriminator for EBGAN and BEGAN on toy data: x -> Enc -> h -> Dec -> x_hat.

    The bottleneck h is linear (no nonlinearity), as in BEGAN's fully connected code layer.
    ``forward`` returns (reconstruction, h).
    """

    def __init__(self, n_in: int, depth: int = 2, width: int = 128, code: int = 16, activation: str = "elu"):
        super().__init__()
        self.encoder = nn.Sequential(MLP(n_in, code, depth, width, activation))
        self.decoder = nn.Sequential(MLP(code, n_in, depth, width, activation))

    def forward(self, x):
        h = self.encoder(x)
        return self.decoder(h), h
