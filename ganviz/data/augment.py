"""Augmentation of image batches: random translations.

Each image of a batch (N, C, S, S) in [-1, 1] moves by its own (dy, dx), each uniform in
[-max_shift, max_shift]: it is padded with the background value -1 and cropped back to S x S, so
nothing wraps around. The BEGAN trainer shifts its real digits (so few that its autoencoder
memorises them otherwise) and the digit classifier trains on shifted digits.

Example:
    >>> x = torch.full((4, 1, 8, 8), -1.0); x[:, :, 3:5, 3:5] = 1.0  # a 2x2 square in the middle
    >>> y = random_shift(x, torch.Generator().manual_seed(0), 2)
    >>> tuple(y.shape), [int((v == 1).sum()) for v in y]  # every square moved, none cut
    ((4, 1, 8, 8), [4, 4, 4, 4])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def random_shift(x: torch.Tensor, gen: torch.Generator, max_shift: int) -> torch.Tensor:
    """Random translations by up to ``max_shift`` pixels (pad with background, crop)."""
    pad = F.pad(x, (max_shift,) * 4, value=-1.0)
    n, s = x.shape[0], x.shape[-1]
    dx, dy = torch.randint(0, 2 * max_shift + 1, (2, n), generator=gen, device=gen.device).tolist()
    return torch.stack([pad[i, :, dy[i]:dy[i] + s, dx[i]:dx[i] + s] for i in range(n)])
