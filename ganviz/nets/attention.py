"""SAGAN's self-attention block (Zhang, Goodfellow, Metaxas & Odena 2019, Sec. 3).

On a feature map x with C channels and N = H * W positions (x_i the C values at position i):

    f(x) = W_f x,  g(x) = W_g x   (1x1 convs to C/8 channels: keys and queries)
    h(x) = W_h x                  (1x1 conv to C/2 channels: values)
    s_ij = f(x_i)^T g(x_j)
    beta_{j,i} = exp(s_ij) / sum_i exp(s_ij)       how much query position j attends to position i
    o_j = W_v sum_i beta_{j,i} h(x_i)              (1x1 conv W_v back to C channels)
    y = gamma o + x,   gamma a learned scalar that starts at 0

so a fresh block is the identity and the network first learns from local convolutions, then turns
attention up. h to C/2 channels and the output conv W_v follow the authors' TensorFlow code and
BigGAN-PyTorch's ``Attention`` (the paper's text keeps C channels); unlike those, keys and values
are not max-pooled, so every query's map is a full H x W map at the layer's own resolution (our
maps are 8 x 8: pooling saves nothing worth the coarser picture). The 1x1 convs have no bias: a
bias on f shifts every s_ij of a query alike, which the softmax ignores. With ``spectral_norm``
the four convs are spectrally normalised, as in the rest of a SAGAN.

For inspection, a block keeps its last map ``last_map`` (N_batch, HW, HW), row j = query j's
softmax over i, detached, and its side ``last_shape`` (H, W), only while ``keep_map`` is set
(``keeping_maps``): training neither stores nor copies it. ``query_map`` reads one query's map.

Example (keys of zero weight make every score 0, so every query attends uniformly, 1/16 each):
    >>> block = SelfAttention(8)
    >>> x = torch.randn(2, 8, 4, 4)
    >>> torch.equal(block(x), x)  # gamma = 0: the identity
    True
    >>> _ = torch.nn.init.zeros_(block.f.weight)
    >>> with keeping_maps(block):
    ...     _ = block(x)
    >>> tuple(block.last_map.shape), round(float(block.last_map[0, 5, 0]), 4)
    ((2, 16, 16), 0.0625)
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn


def _conv1x1(c_in: int, c_out: int, spectral: bool) -> nn.Module:
    conv = nn.Conv2d(c_in, c_out, 1, bias=False)
    return _sn(conv) if spectral else conv


class SelfAttention(nn.Module):
    """y = gamma W_v (h(x) beta^T) + x with beta = softmax_i(f(x_i)^T g(x_j)) (the module docstring)."""

    def __init__(self, channels: int, spectral_norm: bool = False):
        super().__init__()
        keys, values = max(1, channels // 8), max(1, channels // 2)
        self.f = _conv1x1(channels, keys, spectral_norm)
        self.g = _conv1x1(channels, keys, spectral_norm)
        self.h = _conv1x1(channels, values, spectral_norm)
        self.v = _conv1x1(values, channels, spectral_norm)
        self.gamma = nn.Parameter(torch.zeros(()))
        self.keep_map = False
        self.last_map: torch.Tensor | None = None
        self.last_shape: tuple[int, int] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, height, width = x.shape
        f, g, h = self.f(x).flatten(2), self.g(x).flatten(2), self.h(x).flatten(2)  # (N, channels, HW)
        s = torch.bmm(g.transpose(1, 2), f)  # s[:, j, i] = g(x_j)^T f(x_i): row j is query j
        beta = torch.softmax(s, dim=-1)  # over the attended positions i
        o = torch.bmm(h, beta.transpose(1, 2))  # o[:, :, j] = sum_i beta[:, j, i] h(x_i)
        if self.keep_map:
            self.last_map, self.last_shape = beta.detach(), (height, width)
        return self.gamma * self.v(o.view(n, -1, height, width)) + x


def attention_layers(net: nn.Module, prefix: str = "") -> list[tuple[str, SelfAttention]]:
    """(name, block) for every attention block in ``net``, named by its path (``prefix`` first)."""
    return [(prefix + name, m) for name, m in net.named_modules() if isinstance(m, SelfAttention)]


def gammas(**nets: nn.Module) -> dict[str, float]:
    """Each attention block's gamma, keyed "gamma <net>.<path>": logged by the trainer, so gamma's
    climb from 0 over training travels in a run's history (and its checkpoint).

    Example:
        >>> net = nn.Sequential(SelfAttention(8))
        >>> gammas(G=net), gammas(D=nn.Linear(2, 1))
        ({'gamma G.0': 0.0}, {})
    """
    return {f"gamma {name}": float(block.gamma.detach()) for prefix, net in nets.items()
            for name, block in attention_layers(net, prefix + ".")}


@contextlib.contextmanager
def keeping_maps(*nets: nn.Module):
    """Within the block, every attention block of ``nets`` keeps its last map; afterwards none does
    (their last maps stay readable)."""
    blocks = [m for net in nets for m in net.modules() if isinstance(m, SelfAttention)]
    for b in blocks:
        b.keep_map = True
    try:
        yield blocks
    finally:
        for b in blocks:
            b.keep_map = False


def query_map(block: SelfAttention, row: int, col: int, size: int,
              image: int = 0) -> tuple[tuple[int, int], torch.Tensor]:
    """Where the pixel (row, col) of a ``size`` x ``size`` image looks in ``block``'s last map: the
    layer's cell that holds the pixel (its side H x W covers the image, so cell = pixel * H // size)
    and that query's map (H, W), of batch member ``image``.

    Example (an 8 x 8 layer of a 16 px image: pixel (15, 2) is cell (7, 1)):
        >>> block = SelfAttention(8)
        >>> with keeping_maps(block):
        ...     _ = block(torch.randn(1, 8, 8, 8))
        >>> cell, m = query_map(block, 15, 2, 16)
        >>> cell, tuple(m.shape), round(float(m.sum()), 4)
        ((7, 1), (8, 8), 1.0)
    """
    if block.last_map is None:
        raise ValueError("this attention block kept no map: run the network inside keeping_maps(...)")
    height, width = block.last_shape
    cell = (row * height // size, col * width // size)
    return cell, block.last_map[image, cell[0] * width + cell[1]].view(height, width)


def kl_from_uniform(p: torch.Tensor) -> torch.Tensor:
    """KL(p || uniform) = sum_i p_i log(N p_i) in nats over the last axis (N entries): 0 for a
    uniform map, log N for one that puts everything on one position.

    Example:
        >>> p = torch.tensor([[0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]])
        >>> [round(v, 4) for v in kl_from_uniform(p).tolist()]
        [0.0, 1.3863]
    """
    n = p.shape[-1]
    return torch.special.xlogy(p, p * n).sum(-1)
