"""DCGAN-style convolutional networks for small images (Radford, Metz & Chintala 2016).

Generator: z -> Linear -> (4n, S/4, S/4) -> [2x nearest upsample -> 3x3 conv -> batch norm -> ReLU]
per scale, halving the filters -> 3x3 conv -> tanh, so samples lie in [-1, 1] like the data
(``ganviz.data.images``). Upsample-then-conv instead of transposed convs avoids their checkerboard
artefacts (Odena, Dumoulin & Olah 2016).

Discriminator: [4x4 conv, stride 2 -> LeakyReLU(0.2)] per scale, doubling the filters, flattened
into features, then the toy lab's ``MLP`` head (one hidden layer): so minibatch discrimination,
spectral norm and the per-sample scores R1 and the gradient penalty need are the same code for
points and images. No batch norm in D (WGAN-GP's critic must not have it).

Example:
    >>> g, d = ConvG(latent=8, width=8, size=16), ConvD(width=8, size=16)
    >>> x = g(torch.randn(5, 8))
    >>> tuple(x.shape), bool(x.abs().max() <= 1), tuple(d(x).shape)
    ((5, 1, 16, 16), True, (5, 1))
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganviz.nets.mlp import MLP

LEAK = 0.2


def _scales(size: int) -> int:
    """Stride-2 stages between a 4x4 map and ``size`` (16 -> 2, 32 -> 3)."""
    s = int(round(math.log2(size / 4)))
    if size < 8 or 4 * 2 ** s != size:
        raise ValueError(f"image size must be 4 times a power of two (8, 16, 32, ...), got {size}")
    return s


class ConvG(nn.Module):
    """z (N, latent) -> images (N, channels, size, size) in [-1, 1]."""

    def __init__(self, latent: int, width: int = 32, size: int = 16, channels: int = 1):
        super().__init__()
        scales = _scales(size)
        self.top = width * 2 ** (scales - 1)
        self.fc = nn.Linear(latent, self.top * 16)
        self.bn0 = nn.BatchNorm1d(self.top * 16)
        ups: list[nn.Module] = []
        c = self.top
        for _ in range(scales):
            c_out = max(width, c // 2)
            ups += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c, c_out, 3, padding=1),
                    nn.BatchNorm2d(c_out), nn.ReLU()]
            c = c_out
        self.ups = nn.Sequential(*ups)
        self.out = nn.Conv2d(c, channels, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.bn0(self.fc(z))).view(-1, self.top, 4, 4)
        return torch.tanh(self.out(self.ups(h)))


class ConvD(nn.Module):
    """Images -> one score per image; ``forward_with_features`` also gives the features (feature
    matching), ``per_sample`` the scores with other batch members as constants (``MLP.per_sample``)."""

    def __init__(self, width: int = 32, size: int = 16, channels: int = 1, spectral_norm: bool = False,
                 minibatch_kernels: int = 0):
        super().__init__()
        wrap = _sn if spectral_norm else (lambda m: m)
        layers: list[nn.Module] = []
        c, s = channels, size
        for i in range(_scales(size)):
            layers += [wrap(nn.Conv2d(c, width * 2 ** i, 4, stride=2, padding=1)), nn.LeakyReLU(LEAK)]
            c, s = width * 2 ** i, s // 2
        self.trunk = nn.Sequential(*layers, nn.Flatten())
        features = c * s * s
        self.head = MLP(features, 1, depth=1, width=min(features, 4 * width), activation="leaky_relu",
                        spectral_norm=spectral_norm, minibatch_kernels=minibatch_kernels)

    @property
    def mbd(self):
        return self.head.mbd

    def forward_with_features(self, x):
        return self.head.forward_with_features(self.trunk(x))

    def forward(self, x):
        return self.forward_with_features(x)[0]

    def per_sample(self, x):
        return self.head.per_sample(self.trunk(x))
