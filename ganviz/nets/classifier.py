"""A small digit classifier: the judge behind the quality and diversity numbers of the gamma sweep.

Two 3x3 conv layers with ReLU and 2x2 max-pooling, an adaptive average pool to 4x4 and a linear
layer to the classes: about 25k parameters, a few hundred KB on disk. It sees images in [-1, 1]
at its own ``size`` (inputs of another size are resized first), so it can judge 16x16 and 32x32
generators alike.

``features(x)`` is the penultimate layer, phi(x) = flatten(trunk(x)) in R^(2 width 16) (1,024 numbers
for the default width 32, non-negative: ReLU then pooling), and logits = head(phi(x)). It is the
space of the "digit FID" and of precision / recall / density / coverage
(``ganviz.metrics.image_quality``), as Inception-v3's pool features are for FID (Heusel et al. 2017).

Example:
    >>> net = DigitClassifier(size=16)
    >>> tuple(net(torch.zeros(3, 1, 16, 16)).shape), tuple(net.features(torch.zeros(3, 1, 16, 16)).shape)
    ((3, 10), (3, 1024))
    >>> x = torch.rand(2, 1, 16, 16) * 2 - 1
    >>> torch.allclose(net.head(net.features(x)), net(x))
    True
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ganviz.data.images import resize


# The trunk's weights are stored as "features.*" (the shipped checkpoint's names, from when the trunk
# was the attribute ``features``); the name now belongs to the method, so the two hooks below
# translate, and files written before and after read the same.
_STORED, _HELD = "features.", "trunk."


def _rename(state_dict: dict, prefix: str, old: str, new: str) -> None:
    """Rename the keys ``prefix + old + rest`` to ``prefix + new + rest`` in place, keeping their order."""
    items = [(prefix + new + k[len(prefix + old):] if k.startswith(prefix + old) else k, v)
             for k, v in state_dict.items()]
    state_dict.clear()
    state_dict.update(items)


def _store_names(module, state_dict, prefix, local_metadata) -> None:  # state_dict(): trunk.* -> features.*
    _rename(state_dict, prefix, _HELD, _STORED)


def _hold_names(module, state_dict, prefix, *rest) -> None:  # load_state_dict(): features.* -> trunk.*
    _rename(state_dict, prefix, _STORED, _HELD)


class DigitClassifier(nn.Module):
    def __init__(self, size: int = 16, channels: int = 1, classes: int = 10, width: int = 32):
        super().__init__()
        self.size, self.classes = size, classes
        self.trunk = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
        )
        self.head = nn.Linear(2 * width * 16, classes)
        # Module-level hooks, not lambdas: the net stays picklable.
        self.register_state_dict_post_hook(_store_names)
        self.register_load_state_dict_pre_hook(_hold_names)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer phi(x), (N, 2 width 16), of images (N, C, S, S) in [-1, 1]."""
        return self.trunk(resize(x.clamp(-1, 1), self.size)).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits head(phi(x)), (N, classes), of images (N, C, S, S) in [-1, 1]."""
        return self.head(self.features(x))

    @torch.no_grad()
    def probabilities(self, x: torch.Tensor, batch: int = 512) -> torch.Tensor:
        """softmax of the logits, computed in batches (N, classes)."""
        self.eval()
        return torch.cat([F.softmax(self(x[i:i + batch]), dim=1) for i in range(0, len(x), batch)])

    @torch.no_grad()
    def embed(self, x: torch.Tensor, batch: int = 512) -> torch.Tensor:
        """``features`` computed in batches, in eval mode, without gradients (N, 2 width 16)."""
        self.eval()
        return torch.cat([self.features(x[i:i + batch]) for i in range(0, len(x), batch)])
