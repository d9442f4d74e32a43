"""The weight matrices of a network, as the layers hold them.

Every parameter with ndim >= 2 (a linear weight, or a conv's reshaped to (out, in * k * k)); under
spectral norm the raw weight is ``parametrizations.weight.original``. ``ganviz.metrics.spectra``
records their singular values.

Example:
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Conv2d(2, 5, 3))
    >>> [(name, tuple(w.shape)) for name, w in weight_matrices(net)]
    [('0.weight', (4, 3)), ('1.weight', (5, 18))]
"""

from __future__ import annotations

import torch


def weight_matrices(module: torch.nn.Module):
    """(name, raw weight reshaped to (out, -1)) for every weight of ``module``; under spectral norm
    the raw weight is ``parametrizations.weight.original``."""
    for name, p in module.named_parameters():
        if p.ndim >= 2:
            yield name, p.reshape(p.shape[0], -1)
