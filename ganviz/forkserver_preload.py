"""What a trainer process needs, imported once by the forkserver (``ganviz.forkserver``) and shared
by every trainer forked from it. Only the forkserver imports this module for use; the server never
does (the doctest sweep imports every module: POT then lacks there too only what ganviz never calls).

- torch._dynamo: torch.optim imports it when the first optimiser is built (~1.8 s of CPU, more than
  building the networks); imported here, no trainer pays for it, nor for the pages it writes to.
- POT ("ot"): every trainer measures W1 with it. POT's own ``__init__`` also imports scikit-learn and
  networkx when they are installed (~1.3 s of CPU, half of POT's import), for its low-rank k-means
  start and its graph partitions, which no trainer calls; POT works without them (its minimal
  install), so here it is imported as if they were absent. The server's pages import POT in full.
- the image lab's snapshot and measures, so its trainers start as fast as the toy lab's.
- the W1 noise floor of the default data set, which a toy trainer's first snapshot draws (five exact
  W1s, a quarter of a second): computed once here, every trainer forked afterwards finds it cached.
"""

from __future__ import annotations

import torch  # noqa: F401
import torch._dynamo  # noqa: F401

from ganviz.forkserver import absent

with absent("sklearn", "networkx"):
    import ot  # noqa: F401

import ganviz.metrics.image_quality  # noqa: F401
import ganviz.training.image_snapshot  # noqa: F401
import ganviz.training.process_worker  # noqa: F401
import ganviz.training.snapshot  # noqa: F401
import ganviz.training.trainer  # noqa: F401

from ganviz.training.config import TrainConfig  # noqa: E402

ganviz.training.snapshot.w1_floor(TrainConfig().dataset)
