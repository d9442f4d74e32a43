"""ganviz: train small GANs live and make GAN theory visible."""

__version__ = "0.1.0"
