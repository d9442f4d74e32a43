"""The GAN family's objectives, one module per family, and a registry by name.

Every module of this package is imported here, and every named ``Objective`` subclass registers
itself (``base.REGISTRY``), so a new objective is one new module: the lab, the links, the command
line and the trainers find it in ``OBJECTIVES``.
"""

import importlib
import pkgutil

from ganviz.objectives.base import REGISTRY, Defaults, DView, Objective, Params

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

from ganviz.objectives.fgan import F_DIVERGENCES  # noqa: E402

# In the order the papers came out (the lab's list reads as the history of the family).
OBJECTIVES: dict[str, type[Objective]] = dict(sorted(REGISTRY.items(), key=lambda kv: kv[1].published))


def _param_owners() -> dict[str, tuple[str, ...]]:
    owners: dict[str, list[str]] = {}
    declared: dict[str, type] = {}
    for name, cls in OBJECTIVES.items():
        for field in cls.Params.__dataclass_fields__:
            if declared.setdefault(field, cls.Params) is not cls.Params:
                raise TypeError(f"setting {field!r} is declared twice ({', '.join(owners[field])} and {name}): "
                                "a setting has one name across objectives (it is a link and --set key)")
            owners.setdefault(field, []).append(name)
    return {k: tuple(v) for k, v in owners.items()}


PARAM_OWNERS: dict[str, tuple[str, ...]] = _param_owners()  # setting name -> the objectives that have it


def make_objective(name: str, params: Params | None = None) -> Objective:
    """A fresh objective (objectives with state, like BEGAN's k_t, start from their k_0)."""
    try:
        cls = OBJECTIVES[name]
    except KeyError:
        raise ValueError(f"unknown objective {name!r}; choose one of: {', '.join(OBJECTIVES)}") from None
    return cls(params)


__all__ = ["DView", "Defaults", "F_DIVERGENCES", "OBJECTIVES", "Objective", "PARAM_OWNERS", "Params", "make_objective"]
