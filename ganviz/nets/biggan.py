"""A small class-conditional BigGAN for 16 and 32 px images (Brock, Donahue & Simonyan 2019).

Generator (``BigganG``): z ~ N(0, I) is split into chunks, one for the first linear layer and one
per residual block (the hierarchical latent). One class embedding e(y), *shared* by every block, is
concatenated with that block's chunk, c = [z_k, e(y)], and mapped linearly to the gain and bias of
each of the block's batch norms (class-conditional batch norm, ``ConditionalBatchNorm2d``):

    CBN(x | c) = BN(x) * (1 + W_gain c) + W_bias c      (BN without its own affine parameters)

so a class changes every block's statistics, and a zero embedding leaves plain batch norm. A block
is BigGAN's: CBN -> ReLU -> 2x nearest upsample -> 3x3 conv -> CBN -> ReLU -> 3x3 conv, plus an
upsampled 1x1 conv of its input. Spectral norm (Miyato et al. 2018) on every conv and linear of G,
as in the paper (the shared embedding stays a plain table, as in BigGAN-PyTorch).

Discriminator (``BigganD``): residual blocks that halve the side down to 4 x 4 and one more at
4 x 4, then phi(x) = sum over positions of ReLU(h), and the projection discriminator (Miyato &
Koyama 2018, "cGANs with projection discriminator"):

    D(x, y) = psi(phi(x)) + e_D(y)^T phi(x)

with psi a linear layer to one number and e_D D's own class embedding. Spectral norm on every layer
(the embedding included) follows the run's ``spectral_norm``, which the recipe sets.

The paper's networks are much wider and deeper; these keep the parts that make it BigGAN at a size
that trains on a CPU (width 32 at 16 px: about 71k parameters in G and 142k in D).

Example (class 3 and class 7 from the same z differ; the same class twice is the same image):
    >>> g, d = BigganG(latent=12, width=8, size=16, n_classes=10), BigganD(width=8, size=16, n_classes=10)
    >>> _ = g.eval(), d.eval()
    >>> z = torch.randn(2, 12)
    >>> x3, x7 = g(z, torch.tensor([3, 3])), g(z, torch.tensor([7, 7]))
    >>> tuple(x3.shape), torch.equal(x3, g(z, torch.tensor([3, 3]))), torch.allclose(x3, x7)
    ((2, 1, 16, 16), True, False)
    >>> tuple(d(x3, torch.tensor([3, 7])).shape), g.chunks
    ((2, 1), [4, 4, 4])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganviz.nets.conv import _scales

EMBED_DIM = 16  # the shared class embedding's size (BigGAN: 128 for 1,000 classes; we have 10)


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


class ConditionalBatchNorm2d(nn.Module):
    """CBN(x | c) = BN(x) * (1 + W_gain c) + W_bias c, one gain and bias per channel and per sample
    (Brock et al. 2019, Sec. 3; de Vries et al. 2017). BN keeps running statistics but no affine
    parameters: the gain and bias come from c. The linear maps have no bias term (a bias would be a
    class-independent affine BN again) and spectral norm, as in BigGAN-PyTorch's ``ccbn``.

    Example (a zero condition leaves batch norm alone):
        >>> cbn = ConditionalBatchNorm2d(4, cond_dim=3).eval()
        >>> x = torch.randn(2, 4, 5, 5)
        >>> torch.allclose(cbn(x, torch.zeros(2, 3)), cbn.bn(x))
        True
    """

    def __init__(self, channels: int, cond_dim: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.gain = _sn(nn.Linear(cond_dim, channels, bias=False))
        self.bias = _sn(nn.Linear(cond_dim, channels, bias=False))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        gain = 1 + self.gain(c)[:, :, None, None]
        return self.bn(x) * gain + self.bias(c)[:, :, None, None]


class GBlock(nn.Module):
    """BigGAN's generator block: x -> conv(ReLU(CBN(conv(up(ReLU(CBN(x | c)))) | c))) + conv1x1(up(x))."""

    def __init__(self, c_in: int, c_out: int, cond_dim: int):
        super().__init__()
        self.bn1 = ConditionalBatchNorm2d(c_in, cond_dim)
        self.conv1 = _sn(nn.Conv2d(c_in, c_out, 3, padding=1))
        self.bn2 = ConditionalBatchNorm2d(c_out, cond_dim)
        self.conv2 = _sn(nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = _sn(nn.Conv2d(c_in, c_out, 1))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = self.conv1(_up(F.relu(self.bn1(x, c))))
        h = self.conv2(F.relu(self.bn2(h, c)))
        return h + self.skip(_up(x))


class BigganG(nn.Module):
    """(z (N, latent), y (N,) class indices) -> images (N, channels, size, size) in [-1, 1]."""

    def __init__(self, latent: int, width: int = 32, size: int = 16, channels: int = 1, n_classes: int = 10,
                 embed_dim: int = EMBED_DIM):
        super().__init__()
        scales = _scales(size)
        if latent < scales + 1:
            raise ValueError(f"arch biggan splits z into {scales + 1} chunks at {size} px: latent_dim must be "
                             f">= {scales + 1}, got {latent}")
        self.n_classes = n_classes
        # One chunk for the 4 x 4 start, one per block (as even as the size allows).
        self.chunks = [len(part) for part in torch.arange(latent).tensor_split(scales + 1)]
        self.shared = nn.Embedding(n_classes, embed_dim)
        self.top = width * 2 ** (scales - 1)
        self.fc = _sn(nn.Linear(self.chunks[0], self.top * 16))
        blocks, c = [], self.top
        for k in range(scales):
            c_out = max(width, c // 2)
            blocks.append(GBlock(c, c_out, self.chunks[k + 1] + embed_dim))
            c = c_out
        self.blocks = nn.ModuleList(blocks)
        self.out_bn = nn.BatchNorm2d(c)
        self.out = _sn(nn.Conv2d(c, channels, 3, padding=1))

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.from_embedding(z, self.shared(y))

    def from_embedding(self, z: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        """The images of codes z (N, latent) under class embeddings e (N, embed_dim), any vectors:
        ``forward(z, y)`` is ``from_embedding(z, shared(y))``, and a point between two classes'
        embeddings draws what G makes of a class between them (BigGAN's class interpolation)."""
        zs = z.split(self.chunks, dim=1)
        h = self.fc(zs[0]).view(-1, self.top, 4, 4)
        for block, z_k in zip(self.blocks, zs[1:]):
            h = block(h, torch.cat([z_k, e], dim=1))
        return torch.tanh(self.out(F.relu(self.out_bn(h))))


class DBlock(nn.Module):
    """BigGAN's discriminator block: [ReLU] -> conv -> ReLU -> conv [-> 2x2 average pool], plus a 1x1
    conv of the (pooled) input where the channels or the side change. The first block skips the
    leading ReLU (its input is the image)."""

    def __init__(self, c_in: int, c_out: int, down: bool, preactivation: bool, wrap):
        super().__init__()
        self.down, self.preactivation = down, preactivation
        self.conv1 = wrap(nn.Conv2d(c_in, c_out, 3, padding=1))
        self.conv2 = wrap(nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = wrap(nn.Conv2d(c_in, c_out, 1)) if (down or c_in != c_out) else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(x) if self.preactivation else x
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
            x = F.avg_pool2d(x, 2)  # before the 1x1 conv: the two commute, and the conv sees 4x fewer pixels
        return h + (x if self.skip is None else self.skip(x))


class BigganD(nn.Module):
    """(images, y) -> D(x, y) = psi(phi(x)) + e_D(y)^T phi(x), one score per image;
    ``forward_with_features`` also gives phi(x), ``per_sample`` the scores (no batch member sees
    another, so they are ``forward``'s)."""

    def __init__(self, width: int = 32, size: int = 16, channels: int = 1, n_classes: int = 10,
                 spectral_norm: bool = True):
        super().__init__()
        wrap = _sn if spectral_norm else (lambda m: m)
        blocks, c = [], channels
        for k in range(_scales(size)):
            blocks.append(DBlock(c, width * 2 ** k, down=True, preactivation=k > 0, wrap=wrap))
            c = width * 2 ** k
        blocks.append(DBlock(c, c, down=False, preactivation=True, wrap=wrap))  # one more at 4 x 4
        self.blocks = nn.Sequential(*blocks)
        self.psi = wrap(nn.Linear(c, 1))
        self.embed = wrap(nn.Embedding(n_classes, c))
        self.n_classes = n_classes

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """phi(x) = sum over positions of ReLU(h(x)), (N, C)."""
        return F.relu(self.blocks(x)).sum(dim=(2, 3))

    def forward_with_features(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        phi = self.features(x)
        return self.psi(phi) + (self.embed(y) * phi).sum(dim=1, keepdim=True), phi

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.forward_with_features(x, y)[0]

    def per_sample(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.forward(x, y)
