"""The GAN family's objectives, one module per family, and a registry by name."""

from ganviz.objectives.base import Defaults, DView, Objective
from ganviz.objectives.energy import BEGAN, EBGAN
from ganviz.objectives.fgan import F_DIVERGENCES, FGAN
from ganviz.objectives.gan import MMGAN, NSGAN
from ganviz.objectives.loss_sensitive import LossSensitiveGAN
from ganviz.objectives.lsgan import LSGAN
from ganviz.objectives.wasserstein import WGAN, WGANGP, Hinge

OBJECTIVES: dict[str, type[Objective]] = {
    cls.name: cls for cls in (MMGAN, NSGAN, LSGAN, WGAN, WGANGP, Hinge, FGAN, EBGAN, LossSensitiveGAN, BEGAN)
}


def make_objective(name: str) -> Objective:
    """A fresh objective (objectives with state, like BEGAN's k_t, start from their k_0)."""
    try:
        return OBJECTIVES[name]()
    except KeyError:
        raise ValueError(f"unknown objective {name!r}; choose one of: {', '.join(OBJECTIVES)}") from None


__all__ = ["DView", "Defaults", "F_DIVERGENCES", "OBJECTIVES", "Objective", "make_objective"]
