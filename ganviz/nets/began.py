"""BEGAN's networks (Berthelot, Schumm & Metz 2017, arXiv 1703.10717, Sec. 3.5 and Fig. 1).

Encoder: a 3x3 conv from the image to n filters, then per scale two 3x3 convs with ELU and a
stride-2 3x3 conv down, filters growing linearly (n, 2n, 3n, ...), down to 8x8; a fully connected
layer to h with no nonlinearity.
Decoder: a fully connected layer from h to 8x8xn with no nonlinearity, then per scale two 3x3
convs with ELU and a nearest-neighbour upsampling, to the image size; a last 3x3 conv to the image
channels (no output nonlinearity: the images live in [-1, 1] and L1 pulls them there).
The discriminator is the autoencoder Decoder(Encoder(x)); the generator has the decoder's shape
(not its weights). No batch norm anywhere.

Options from the paper:
- skip connections: h projected to 8x8xn (the decoder's first map) is upsampled and concatenated
  after each upsampling;
- vanishing residuals: each two-conv block outputs in_{x+1} = carry in_x + (1 - carry) out_x, with
  ``carry`` set by the trainer, going from 1 to 0 over the first steps.

Example:
    >>> g = Decoder(h=64, n=32, size=16)
    >>> tuple(g(torch.zeros(2, 64)).shape)
    (2, 1, 16, 16)
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

BASE = 8  # the smallest map: the paper's 8x8


def glorot_init(net: nn.Module) -> nn.Module:
    """Glorot-uniform weights and zero biases (TensorFlow's default, which the paper's code used).

    Why: PyTorch's default init shrinks the signal at every layer, and with no batch norm a fresh
    generator is then almost constant in z (mean pairwise distance 0.02 against the data's 0.59 on
    16x16 digits); BEGAN's weak push on fakes (k_t ~ 0.05) never pulls it apart, and every run
    collapsed to one digit. Glorot keeps the variance (distance 0.18 at init).
    """
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def n_scales(size: int) -> int:
    """Number of resolutions from 8x8 up to ``size`` (16 -> 2, 32 -> 3)."""
    s = int(round(math.log2(size / BASE)))
    if size < BASE or BASE * 2 ** s != size:
        raise ValueError(f"image size must be 8 times a power of two (8, 16, 32, 64), got {size}")
    return s + 1


class ConvBlock(nn.Module):
    """Two 3x3 convs with ELU; ``carry`` > 0 mixes in the input (vanishing residual)."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.carry = 0.0  # set by the owning net; only used when c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.elu(self.conv2(F.elu(self.conv1(x))))
        if self.carry > 0 and x.shape == out.shape:
            return self.carry * x + (1 - self.carry) * out
        return out


class _CarryMixin:
    def set_carry(self, carry: float) -> None:
        """Vanishing residual weight in [0, 1] for every block (0 = plain convs)."""
        for m in self.modules():
            if isinstance(m, ConvBlock):
                m.carry = float(carry)


class Encoder(nn.Module, _CarryMixin):
    """Image (N, C, S, S) -> code (N, h)."""

    def __init__(self, h: int = 64, n: int = 32, size: int = 16, channels: int = 1):
        super().__init__()
        scales = n_scales(size)
        self.stem = nn.Conv2d(channels, n, 3, padding=1)
        blocks, downs = [], []
        for i in range(scales):
            blocks.append(ConvBlock(n * (i + 1), n * (i + 1)))
            if i < scales - 1:  # stride-2 conv down, filters grow linearly
                downs.append(nn.Conv2d(n * (i + 1), n * (i + 2), 3, stride=2, padding=1))
        self.blocks, self.downs = nn.ModuleList(blocks), nn.ModuleList(downs)
        self.fc = nn.Linear(BASE * BASE * n * scales, h)
        glorot_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.elu(self.stem(x))
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i < len(self.downs):
                x = F.elu(self.downs[i](x))
        return self.fc(x.flatten(1))  # no nonlinearity at the bottleneck


class Decoder(nn.Module, _CarryMixin):
    """Code (N, h) -> image (N, C, S, S); also BEGAN's generator."""

    def __init__(self, h: int = 64, n: int = 32, size: int = 16, channels: int = 1, skip: bool = False):
        super().__init__()
        self.n, self.skip = n, skip
        scales = n_scales(size)
        self.fc = nn.Linear(h, BASE * BASE * n)  # no nonlinearity
        blocks = []
        for i in range(scales):
            c_in = 2 * n if (skip and i > 0) else n
            blocks.append(ConvBlock(c_in, n))
        self.blocks = nn.ModuleList(blocks)
        self.out = nn.Conv2d(n, channels, 3, padding=1)
        glorot_init(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h0 = self.fc(z).view(-1, self.n, BASE, BASE)
        x = h0
        for i, block in enumerate(self.blocks):
            if i > 0:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
                if self.skip:  # the 8x8 projection of h, upsampled to this scale
                    x = torch.cat([x, F.interpolate(h0, size=x.shape[-2:], mode="nearest")], dim=1)
            x = block(x)
        return self.out(x)


class Autoencoder(nn.Module, _CarryMixin):
    """BEGAN's discriminator D(x) = Decoder(Encoder(x)); returns (reconstruction, code)."""

    def __init__(self, h: int = 64, n: int = 32, size: int = 16, channels: int = 1, skip: bool = False):
        super().__init__()
        self.encoder = Encoder(h, n, size, channels)
        self.decoder = Decoder(h, n, size, channels, skip)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.encoder(x)
        return self.decoder(code), code
