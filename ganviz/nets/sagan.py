"""SAGAN's generator and discriminator for small images (Zhang et al. 2019): the DCGAN-style pair
of ``ganviz.nets.conv`` with one self-attention block (``ganviz.nets.attention``) at the 8 x 8
feature map of each, and spectral norm (Miyato et al. 2018) on every weight of G.

- ``SaganG``: ``ConvG`` with spectral norm on its linear layer and every conv (the paper puts it in
  G too: it keeps G's scale from escalating and made fewer D steps per G step enough), and the
  attention block right after the 4 -> 8 upsampling stage (after its ReLU).
- ``SaganD``: ``ConvD`` with the attention block after the stride-2 stage that outputs 8 x 8;
  spectral norm (on the block's convs too) follows the run's ``spectral_norm``, which SAGAN's recipe
  sets. Its head is ``ConvD``'s, so feature matching, minibatch discrimination and the per-sample
  scores of R1 and the gradient penalty work unchanged (attention mixes positions of one image,
  never batch members).

The paper's networks are residual and larger; at 16 and 32 px the DCGAN pair is the image lab's
baseline, so the two differ only by attention and G's spectral norm. The block sits at 8 x 8 at
both sizes (64 positions, a 64 x 64 map per image: cheap on the CPU).

Example:
    >>> g, d = SaganG(latent=8, width=8, size=16), SaganD(width=8, size=16, spectral_norm=True)
    >>> x = g(torch.randn(3, 8))
    >>> tuple(x.shape), tuple(d(x).shape), [name for name, _ in attention_layers(g) + attention_layers(d)]
    ((3, 1, 16, 16), (3, 1), ['ups.attention', 'trunk.attention'])
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganviz.nets.attention import SelfAttention, attention_layers
from ganviz.nets.conv import ConvD, ConvG, _scales


def _with_attention(seq: nn.Sequential, at: int, block: SelfAttention) -> nn.Sequential:
    """``seq`` with ``block`` inserted before its layer ``at``, the other layers keeping their
    names (so their weights keep their keys: "ups.1.weight", then "ups.attention.gamma")."""
    layers = list(seq.named_children())
    return nn.Sequential(OrderedDict([*layers[:at], ("attention", block), *layers[at:]]))


def _check_size(size: int) -> None:
    if _scales(size) < 2:  # an 8 x 8 image has no 8 x 8 feature map inside D
        raise ValueError(f"SAGAN's nets attend at an 8x8 feature map: images of 16 or 32 px, got {size}")


class SaganG(ConvG):
    """z (N, latent) -> images (N, channels, size, size) in [-1, 1], attending at 8 x 8."""

    def __init__(self, latent: int, width: int = 32, size: int = 16, channels: int = 1):
        _check_size(size)
        super().__init__(latent, width, size, channels)
        for m in [m for m in self.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]:
            _sn(m)
        # An upsampling stage is [Upsample, conv, BN, ReLU]; the first one ends at 8 x 8.
        self.ups = _with_attention(self.ups, 4, SelfAttention(self.ups[1].out_channels, spectral_norm=True))


class SaganD(ConvD):
    """Images (N, channels, size, size) -> one score per image, attending at 8 x 8."""

    def __init__(self, width: int = 32, size: int = 16, channels: int = 1, spectral_norm: bool = False,
                 minibatch_kernels: int = 0):
        _check_size(size)
        super().__init__(width, size, channels, spectral_norm, minibatch_kernels)
        # A stage is [conv, LeakyReLU], halving the side; the one before the last ends at 8 x 8.
        at = 2 * (_scales(size) - 1)
        self.trunk = _with_attention(self.trunk, at, SelfAttention(self.trunk[at - 2].out_channels, spectral_norm))
