"""The networks of a run, chosen by the shape of its data: one factory for points and images.

- points (d,): MLP generator; MLP discriminator, or an MLP autoencoder for energy objectives;
- images (C, S, S), arch "dcgan": ``ConvG`` and ``ConvD`` (BEGAN's convolutional autoencoder as D
  for energy objectives); arch "began": BEGAN's decoder as G and its autoencoder as D; arch
  "sagan": ``SaganG`` and ``SaganD`` (the DCGAN pair with self-attention at 8 x 8 and spectral norm
  in G; BEGAN's autoencoder as D for energy objectives, so only G attends there); arch "biggan":
  ``BigganG`` and ``BigganD`` (class-conditional: G(z, y) and the projection D(x, y), for labelled
  data of ``n_classes`` classes and score objectives only).

Widths are units per hidden layer for MLPs and the filters of the first scale for conv nets.

Example:
    >>> from ganviz.training.config import TrainConfig
    >>> g, d = make_networks(TrainConfig(dataset="digits", g_width=8, d_width=8, latent_dim=4), (1, 16, 16), "score")
    >>> type(g).__name__, type(d).__name__
    ('ConvG', 'ConvD')
"""

from __future__ import annotations

from torch import nn

from ganviz.nets.began import Autoencoder, Decoder
from ganviz.nets.biggan import BigganD, BigganG
from ganviz.nets.conv import ConvD, ConvG
from ganviz.nets.mlp import MLP, AutoencoderD
from ganviz.nets.sagan import SaganD, SaganG

ARCHS = ("dcgan", "began", "sagan", "biggan")


def make_networks(c, shape: tuple[int, ...], discriminator: str, n_classes: int = 0) -> tuple[nn.Module, nn.Module]:
    """(G, D) for config ``c``, data of one sample's ``shape``, the objective's discriminator
    kind ("score" or "autoencoder") and, for the class-conditional arch "biggan", the data's
    number of classes."""
    if len(shape) == 1:
        (d,) = shape
        g = MLP(c.latent_dim, d, c.g_depth, c.g_width, c.g_activation, virtual_batch_norm=c.tricks.virtual_batch_norm)
        if discriminator == "autoencoder":
            return g, AutoencoderD(d, c.d_depth, c.d_width, c.ae_code, c.d_activation)
        return g, MLP(d, 1, c.d_depth, c.d_width, c.d_activation, spectral_norm=c.spectral_norm,
                      minibatch_kernels=c.tricks.minibatch_kernels)
    channels, size, _ = shape
    if c.arch == "biggan":
        if n_classes < 1 or discriminator != "score":
            raise ValueError("arch biggan is class-conditional with a projection D: it needs labelled data "
                             "and an objective with a score discriminator")
        return (BigganG(c.latent_dim, c.g_width, size, channels, n_classes),
                BigganD(c.d_width, size, channels, n_classes, spectral_norm=bool(c.spectral_norm)))
    if c.arch == "began":
        g = Decoder(c.latent_dim, c.g_width, size, channels, c.skip)
    elif c.arch == "sagan":
        g = SaganG(c.latent_dim, c.g_width, size, channels)
    else:
        g = ConvG(c.latent_dim, c.g_width, size, channels)
    if discriminator == "autoencoder":
        return g, Autoencoder(c.ae_code, c.d_width, size, channels, c.skip and c.arch == "began")
    d_net = SaganD if c.arch == "sagan" else ConvD
    return g, d_net(c.d_width, size, channels, spectral_norm=bool(c.spectral_norm),
                    minibatch_kernels=c.tricks.minibatch_kernels)
