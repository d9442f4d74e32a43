"""A small digit classifier: the judge behind the quality and diversity numbers of the gamma sweep.

Two 3x3 conv layers with ReLU and 2x2 max-pooling, an adaptive average pool to 4x4 and a linear
layer to the classes: about 25k parameters, a few hundred KB on disk. It sees images in [-1, 1]
at its own ``size`` (inputs of another size are resized first), so it can judge 16x16 and 32x32
generators alike.

Example:
    >>> net = DigitClassifier(size=16)
    >>> tuple(net(torch.zeros(3, 1, 16, 16)).shape)
    (3, 10)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ganviz.data.images import resize


class DigitClassifier(nn.Module):
    def __init__(self, size: int = 16, channels: int = 1, classes: int = 10, width: int = 32):
        super().__init__()
        self.size, self.classes = size, classes
        self.features = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
        )
        self.head = nn.Linear(2 * width * 16, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, classes) of images (N, C, S, S) in [-1, 1]."""
        x = resize(x.clamp(-1, 1), self.size)
        return self.head(self.features(x).flatten(1))

    @torch.no_grad()
    def probabilities(self, x: torch.Tensor, batch: int = 512) -> torch.Tensor:
        """softmax of the logits, computed in batches (N, classes)."""
        self.eval()
        return torch.cat([F.softmax(self(x[i:i + batch]), dim=1) for i in range(0, len(x), batch)])
