"""The Divergences page's transport examples: pairs of 1D histograms on five positions (the
discrete earth-moving example) and pairs of 2D clouds drawn from the toy sets.

Example:
    >>> [round(float(a.sum()), 6) for a in EXAMPLES["mixed"]], EXAMPLE_POSITIONS.tolist()
    ([1.0, 1.0], [0.0, 1.0, 2.0, 3.0, 4.0])
    >>> x, y = clouds_2d("ring8", "ring8", 100, shift=2.0)
    >>> x.shape, y.shape
    ((100, 2), (100, 2))
"""

from __future__ import annotations

import numpy as np
import torch

from ganviz.data.toy import get_dataset

# The discrete earth-moving example: five positions, two histograms on them.
EXAMPLE_POSITIONS = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
EXAMPLES = {
    "pile to the right": (np.array([0.4, 0.3, 0.2, 0.1, 0.0]), np.array([0.0, 0.1, 0.2, 0.3, 0.4])),
    "two piles to one": (np.array([0.5, 0.0, 0.0, 0.0, 0.5]), np.array([0.0, 0.0, 1.0, 0.0, 0.0])),
    "mixed": (np.array([0.1, 0.4, 0.0, 0.3, 0.2]), np.array([0.3, 0.0, 0.3, 0.1, 0.3])),
}


def clouds_2d(p_name: str, q_name: str, n: int, shift: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n samples of the 2D toy set ``p_name`` and n of ``q_name`` moved right by ``shift``
    (seeded: the same arguments give the same clouds)."""
    g = torch.Generator().manual_seed(int(seed))
    x = get_dataset(p_name).sample(n, g).numpy().astype(float)
    y = get_dataset(q_name).sample(n, g).numpy().astype(float)
    y[:, 0] += shift
    return x, y
