"""A toy training step as one CUDA graph, replayed.

On a GPU a toy step (two 3 x 128 MLPs, batch 256) is some hundred small kernels, each launched
from Python: the step is launch-bound (152 steps/s measured on an H100, slower than a laptop's
CPU). A CUDA graph records the kernels of one step once and replays them with one launch
(PyTorch's "whole network capture": docs "CUDA Graphs", torch.cuda.graph). What a replay cannot
see is whatever Python computed while it was recorded, so the trainer keeps those values in
tensors that it fills before each replay (the learning rates in a capturable Adam, the EMA's
weight), draws its random numbers from a generator registered with the graph, reads no tensor on
the host inside the step (losses are read at logging steps), and records a new graph after any
live change (an objective's parameters, n_critic and the betas are Python numbers).

``blocker(config, objective, device)`` names what keeps a run eager; ``StepGraph`` warms the step
up on its own stream for ``WARMUP`` steps (optimiser state and library handles are created
lazily, which a capture must not do), records it, then replays it.

Example (on a CPU nothing is captured):
    >>> from ganviz.training.config import TrainConfig
    >>> from ganviz.objectives import make_objective
    >>> blocker(TrainConfig(), make_objective("nsgan"), torch.device("cpu"))
    'not on a CUDA device'
"""

from __future__ import annotations

from typing import Callable

import torch

from ganviz.objectives.base import Objective

WARMUP = 3  # eager steps on the capture stream before recording


def blocker(config, objective: Objective, device: torch.device) -> str | None:
    """Why this run's step is not captured (None: it is). Each reason is a host read or a
    Python-side state change inside the step, which a replay would not repeat."""
    if device.type != "cuda":
        return "not on a CUDA device"
    if config.shift:
        return "the image shift augmentation draws its offsets on the host"
    if config.optimizer != "adam":
        return f"{config.optimizer} has no capturable learning rate here (Adam has)"
    if type(objective).after_g_step is not Objective.after_g_step:
        return f"{objective.name} updates Python state after each G step"
    if objective.discriminator == "autoencoder":
        return "the autoencoder discriminator's runs carry Python state"
    if config.reg.historical_averaging > 0:
        return "historical averaging keeps its running average in Python"
    if config.reg.sigma_clamp > 0:
        return "the sigma clamp's SVD is not captured"
    return None


class StepGraph:
    """``step()`` runs ``work`` (the tensor work of one training step, returning its losses'
    tensors): eagerly on a side stream for the first ``WARMUP`` calls, then by replaying the graph
    recorded at the next call. The tensors it returns are the graph's own outputs, rewritten by
    every replay."""

    def __init__(self, work: Callable[[], tuple[torch.Tensor, ...]], generator: torch.Generator):
        self.work = work
        self.generator = generator
        self.stream = torch.cuda.Stream(device=generator.device)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.out: tuple[torch.Tensor, ...] = ()
        self.warm = 0
        self.failed: str | None = None  # why recording failed: the run goes on eagerly

    def step(self) -> tuple[torch.Tensor, ...]:
        if self.graph is None and self.failed is None and self.warm >= WARMUP:
            self._record()
        if self.graph is not None:
            self.graph.replay()
            return self.out
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            out = self.work()
        torch.cuda.current_stream().wait_stream(self.stream)
        self.warm += 1
        return out

    def _record(self) -> None:
        graph = torch.cuda.CUDAGraph()
        graph.register_generator_state(self.generator)  # its draws advance at every replay
        torch.cuda.synchronize()
        try:
            # Records; nothing runs until a replay. "thread_local": another thread of the process
            # (a page reading a snapshot) may use CUDA meanwhile.
            with torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"):
                self.out = self.work()
        except Exception as e:  # an op that cannot be recorded: this run stays eager, not broken
            self.failed = f"{type(e).__name__}: {e}"
            torch.cuda.synchronize()
            return
        self.graph = graph
