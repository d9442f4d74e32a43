"""The plain GAN step the speed benches time ganviz's Trainer against: the one-file style people copy
(PyTorch-GAN's implementations/gan/gan.py and dcgan/dcgan.py): BCE on logits with label tensors
made every step, the G step first, then D on the real batch and the detached fake batch (three D
forwards per step; D's weight gradients are also computed in the G step).

Example (a step of two tiny MLPs):
    >>> import torch
    >>> from ganviz.nets.mlp import MLP
    >>> step = plain_gan_step(MLP(2, 2, 1, 8), MLP(2, 1, 1, 8), lambda n: torch.randn(n, 2), 16, 2, 2e-4, 2e-4,
    ...                       (0.5, 0.999))
    >>> step()
"""

from __future__ import annotations


def plain_gan_step(G, D, draw_real, batch: int, latent_dim: int, lr_g: float, lr_d: float, betas: tuple):
    """One step of the plain loop as a closure; ``draw_real(n)`` gives a real batch."""
    import torch
    from torch import nn

    opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas)
    bce = nn.BCEWithLogitsLoss()

    def step() -> None:
        real = draw_real(batch)
        valid, fake_label = torch.ones(batch, 1), torch.zeros(batch, 1)
        opt_g.zero_grad()
        fake = G(torch.randn(batch, latent_dim))
        g_loss = bce(D(fake), valid)
        g_loss.backward()
        opt_g.step()
        opt_d.zero_grad()
        d_loss = (bce(D(real), valid) + bce(D(fake.detach()), fake_label)) / 2
        d_loss.backward()
        opt_d.step()

    return step
