"""Singular values of every layer over training (BigGAN, Brock et al. 2019, Sec. 4.1).

Each weight W (a conv reshaped to (out, in * k * k)) has singular values
sigma_0 >= sigma_1 >= ... >= 0. BigGAN tracks sigma_0 of every layer over training and its ratio
to the next, sigma_0 / sigma_1: in their runs sigma_0 of some generator layers grows and then
explodes at the collapse.

- Small matrices (at most ``FULL_SVD_MAX_ELEMENTS`` entries) get the full spectrum from
  ``torch.linalg.svdvals``.
- Larger ones get sigma_0..sigma_{k-1} by block power (subspace) iteration with Rayleigh-Ritz:
  V <- orth(W^T orth(W V)), then sigma_i = the singular values of U^T W V, with a few extra columns
  so that sigma_{k-1} converges too. As in spectral norm, V is kept between recordings, so a
  few iterations per recording suffice once training has warmed it up.
- Under spectral norm (Miyato et al. 2018) the layer uses W_SN = W / sigma with sigma = u^T W v
  from one power iteration per step; we record the raw W (``parametrizations.weight.original``)
  and, separately, W_SN, whose sigma_0 is close to 1.

Instrumentation hangs off the trainer (``trainer.hooks``), never a global:

    >>> from ganviz.training import Trainer, TrainConfig
    >>> t = Trainer(TrainConfig(g_width=16, d_width=16, eval_every=10**6))
    >>> rec = SpectraRecorder.attach(t, every=5)
    >>> t.train(10)
    >>> rec.steps
    [0, 5, 10]
    >>> sorted(rec.series("G"))[:2]
    ['body.0.weight', 'body.2.weight']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from ganviz.nets.weights import weight_matrices

# Above this many entries a matrix gets the top singular values by power iteration, not a full SVD.
FULL_SVD_MAX_ELEMENTS = 256 * 1024
TOP_K = 3


def top_singular_values(w: torch.Tensor, k: int = TOP_K, iters: int = 30, v0: torch.Tensor | None = None,
                        oversample: int = 4, gen: torch.Generator | None = None):
    """The k largest singular values of ``w`` (2D) by block power iteration with Rayleigh-Ritz.

    Returns (sigma, V): sigma the k values largest first, V the (n, k + oversample) block to start
    the next call from (pass it back as ``v0`` to keep it warm, as spectral norm keeps u).

    Example (a diagonal matrix's singular values are its absolute diagonal):
        >>> s, _ = top_singular_values(torch.diag(torch.tensor([1.0, -5.0, 3.0, 0.5])), k=3)
        >>> [round(float(x), 4) for x in s]
        [5.0, 3.0, 1.0]
    """
    w = w.detach().float()
    m, n = w.shape
    b = min(k + oversample, m, n)
    if v0 is None or v0.shape != (n, b):
        v0 = torch.randn(n, b, generator=gen, device=w.device) if gen is not None else torch.randn(n, b, device=w.device)
    v = torch.linalg.qr(v0.to(w.device))[0]
    for _ in range(iters):
        u = torch.linalg.qr(w @ v)[0]
        v = torch.linalg.qr(w.T @ u)[0]
    u = torch.linalg.qr(w @ v)[0]
    sigma = torch.linalg.svdvals(u.T @ w @ v)  # Rayleigh-Ritz on the captured subspace
    return sigma[:k], v


def singular_values(w: torch.Tensor, full_max: int = FULL_SVD_MAX_ELEMENTS, v0: torch.Tensor | None = None):
    """Singular values of a weight reshaped to (out, -1), largest first, and how they were found.

    Returns (sigma, method, V): the full spectrum from ``torch.linalg.svdvals`` ("svdvals") when
    the matrix has at most ``full_max`` entries, else sigma_0..sigma_2 by power iteration
    ("power_iteration"; V is the block to warm-start the next call, else None).

    Example:
        >>> s, method, _ = singular_values(torch.tensor([[3.0, 0.0], [0.0, -4.0]]))
        >>> s.tolist(), method
        ([4.0, 3.0], 'svdvals')
    """
    w = w.detach()
    w = w.reshape(w.shape[0], -1).float()
    if w.numel() <= full_max:
        return torch.linalg.svdvals(w), "svdvals", None
    sigma, v = top_singular_values(w, v0=v0, iters=30 if v0 is None else 8)
    return sigma, "power_iteration", v


def normalised_weights(module: nn.Module):
    """(name, W_SN reshaped to (out, -1)) for every spectrally normalised weight of ``module``.

    W_SN is what the layer multiplies by: W / sigma with sigma = u^T W v from the layer's own
    power iteration. We read it with the parametrisation in eval mode so that recording does not
    run an extra power iteration (that would change training).
    """
    for name, sub in module.named_modules():
        if not parametrize.is_parametrized(sub, "weight"):
            continue
        plist = sub.parametrizations["weight"]
        was = plist.training
        plist.train(False)
        try:
            w = sub.weight.detach()
        finally:
            plist.train(was)
        yield (f"{name}.weight" if name else "weight"), w.reshape(w.shape[0], -1)


@dataclass
class LayerSeries:
    """One layer's recorded spectra: ``sigma[t]`` the singular values at ``steps[t]``, largest first;
    ``shape`` the matrix's (out, in * k * k), ``weight_shape`` the layer's own (out, in, k, k for a
    conv; empty where unknown)."""

    steps: np.ndarray
    sigma: np.ndarray  # (T, r): full spectrum (r = min(out, in)) or sigma_0..2 by power iteration
    method: str
    shape: tuple[int, int]
    weight_shape: tuple[int, ...] = ()

    @property
    def sigma0(self) -> np.ndarray:
        return self.sigma[:, 0]

    @property
    def ratio01(self) -> np.ndarray:
        """sigma_0 / sigma_1 (inf where sigma_1 is 0 or the matrix has rank one)."""
        if self.sigma.shape[1] < 2:
            return np.full(len(self.steps), np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.sigma[:, 0] / self.sigma[:, 1]


class SpectraRecorder:
    """Records the singular values of every weight of some modules every ``every`` steps.

    Works on any ``nn.Module`` (MLPs, conv nets): ``record(step, {"G": g, "D": d})``. As a trainer
    hook, ``recorder(trainer)`` records ``trainer.G`` and ``trainer.D`` (``attach`` hangs it on).
    Raw weights are stored under their parameter names; spectrally normalised weights W_SN under
    "<layer>.weight" in the normalised store (``series(net, normalised=True)``).

    History is bounded: when ``max_records`` is reached every other record is dropped and the
    stride doubles, so a long run still covers all its steps.
    """

    def __init__(self, every: int = 10, max_records: int = 400, full_max: int = FULL_SVD_MAX_ELEMENTS):
        if every < 1:
            raise ValueError(f"every must be a whole number >= 1, got {every!r}")
        self.every = every
        self.max_records = max(4, max_records)
        self.full_max = full_max
        self.steps: list[int] = []
        # records[net][normalised][layer] -> list of 1D numpy arrays, aligned with self.steps
        self._records: dict[str, dict[bool, dict[str, list[np.ndarray]]]] = {}
        self._methods: dict[tuple[str, bool, str], tuple[str, tuple[int, int], tuple[int, ...]]] = {}
        self._warm: dict[tuple[str, bool, str], torch.Tensor] = {}
        self._stride = 1
        self._calls = 0

    @classmethod
    def attach(cls, trainer, every: int = 10, **kwargs) -> "SpectraRecorder":
        """A recorder hung on ``trainer.hooks``; it records the initial weights at once (step 0)."""
        rec = cls(every=every, **kwargs)
        rec.record(trainer.step_count, {"G": trainer.G, "D": trainer.D})
        trainer.hooks.append(rec)
        return rec

    def __call__(self, trainer) -> None:
        if trainer.step_count % self.every == 0:
            self.record(trainer.step_count, {"G": trainer.G, "D": trainer.D})

    @torch.no_grad()
    def record(self, step: int, modules: dict[str, nn.Module]) -> None:
        """Record every weight (ndim >= 2) of each module, and W_SN where spectral norm is on."""
        self._calls += 1
        if (self._calls - 1) % self._stride:
            return
        self.steps.append(int(step))
        for net, module in modules.items():
            own = {n: tuple(p.shape) for n, p in module.named_parameters()}  # a conv's (out, in, k, k)
            for normalised, pairs in ((False, weight_matrices(module)), (True, normalised_weights(module))):
                for name, w in pairs:
                    key = (net, normalised, name)
                    sigma, method, v = singular_values(w, self.full_max, self._warm.get(key))
                    if v is not None:
                        self._warm[key] = v
                    raw_name = name[:-len("weight")] + "parametrizations.weight.original" if normalised else name
                    self._methods[key] = (method, tuple(w.shape), own.get(raw_name, ()))
                    store = self._records.setdefault(net, {}).setdefault(normalised, {})
                    store.setdefault(name, []).append(sigma.cpu().numpy().astype(np.float64))
        if len(self.steps) >= self.max_records:
            self._thin()

    def _thin(self) -> None:
        self.steps = self.steps[::2]
        for by_norm in self._records.values():
            for store in by_norm.values():
                for name in store:
                    store[name] = store[name][::2]
        self._stride *= 2

    def nets(self) -> list[str]:
        return list(self._records)

    def has_normalised(self, net: str) -> bool:
        return bool(self._records.get(net, {}).get(True))

    def series(self, net: str, normalised: bool = False) -> dict[str, LayerSeries]:
        """Copies of the recorded spectra of ``net``, by layer name (safe to hand to another thread)."""
        out = {}
        for name, rows in self._records.get(net, {}).get(normalised, {}).items():
            # A layer that appeared late (none do in our nets) aligns with the last steps.
            steps = np.asarray(self.steps[len(self.steps) - len(rows):], dtype=np.int64)
            method, shape, weight_shape = self._methods[(net, normalised, name)]
            out[name] = LayerSeries(steps, np.stack(rows), method, shape, weight_shape)
        return out

    def snapshot(self) -> dict:
        """Everything a page needs, copied: {net: {"raw": {...}, "normalised": {...}}}."""
        return {net: {"raw": self.series(net), "normalised": self.series(net, True)} for net in self.nets()}


def matrices_from_tensors(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Every tensor with ndim >= 2 reshaped to (out, -1), as float32; others (biases, u, v) skipped."""
    out = {}
    for name, t in tensors.items():
        if t.ndim >= 2 and t.numel() > 0 and not t.is_complex() and t.dtype != torch.bool:
            out[name] = t.reshape(t.shape[0], -1).float()
    return out

