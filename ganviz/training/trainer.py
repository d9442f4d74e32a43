"""One training loop for every objective.

A step is ``n_critic`` discriminator updates followed by one generator update. What differs
between GANs lives in ``ganviz.objectives``; this loop only asks the discriminator about real and
fake batches, adds the chosen penalties and runs the optimisers.

Why it is faster than the usual one-file loop (bench/trainer_speed.py measures it):
- real data is drawn from a pre-sampled pool on the device, not sampled and copied every step;
- one discriminator forward on cat(real, fake) instead of two, where D mixes no batch members;
- D's parameters stop asking for gradients during the G step, so backward skips their grads;
- one torch thread (on two busy cores two threads ran tiny MLPs many times slower).

Class-conditional runs (arch "biggan", ``n_classes`` > 0) need labelled images: the real batch
draws its labels with its images from the pool, the fake batch draws its labels uniformly from the
run's generator right after its z, and the networks are called as G(z, y) and D(x, y). An
unconditional run draws no labels and calls G(z) and D(x), so its random stream is unchanged.
"""

from __future__ import annotations

import copy
import functools
import math
import time
from collections import deque

import torch

from ganviz.data.toy import get_dataset
from ganviz.metrics.divergence import histogram_js, w1
from ganviz.metrics.modes import mode_coverage
from ganviz.data.augment import random_shift
from ganviz.data.images import IMAGE_SETS, ImageSet, load_images
from ganviz.nets.attention import gammas
from ganviz.nets.factory import make_networks
from ganviz.objectives import DView, make_objective
from ganviz.objectives.penalties import HistoricalAverage, clamp_sigma, feature_matching, orthogonal_penalty, r1_penalty
from ganviz.training import cuda_graph
from ganviz.training.config import FOLDER, STRUCTURAL, TrainConfig
from ganviz.training.schedules import schedules

POOL_SIZE = 65_536
TIMED_ADAM = 100_000  # weights; see _make_optimizer


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN or infinite; the message says which and what to try."""


def pick_device(name: str = "auto") -> torch.device:
    """CUDA if present, then Apple MPS, then CPU (or the named device)."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class BoundedHistory:
    """Rows of metrics (dicts with a "step") that keep the whole run in at most ``max_rows`` rows:
    when full, every other row is dropped and the recording stride doubles."""

    def __init__(self, max_rows: int):
        self.max_rows = max(4, max_rows)
        self.rows: list[dict] = []
        self.stride = 1
        self._seen = 0

    def add(self, row: dict) -> None:
        self._seen += 1
        if (self._seen - 1) % self.stride:
            return
        self.rows.append(row)
        if len(self.rows) >= self.max_rows:
            self.rows = self.rows[::2]
            self.stride *= 2

    def column(self, key: str) -> list:
        return [r.get(key, math.nan) for r in self.rows]


def _make_optimizer(name, params, lr, betas, device=None):
    """The optimiser; with ``device`` (a recorded step's) Adam is capturable, its lr a tensor there
    (``_apply_lr`` fills it between replays). Off a graph, Adam on a CPU uses whichever of its
    implementations (single-tensor or foreach) steps these shapes faster on this CPU, timed once
    per process (``_foreach_is_faster``): the two give the same weights bit for bit, and which is
    faster depends on the CPU (forced foreach made the toy step 0.88x as fast on an AMD EPYC, and
    ~2% faster on an Intel Xeon with AVX-512). Only small nets are timed (up to ``TIMED_ADAM``
    weights, where a step is launch-bound): a conv net's step is bound by memory either way, and
    timing it took over a second. Elsewhere (a GPU, a large net) PyTorch picks.

    >>> net = torch.nn.Linear(2, 1)
    >>> type(_make_optimizer("adam", net.parameters(), 1e-3, (0.5, 0.999))).__name__
    'Adam'
    """
    params = list(params)
    if name == "adam" and device is not None:
        return torch.optim.Adam(params, lr=torch.tensor(lr, device=device), betas=betas, foreach=True, capturable=True)
    if name == "adam":
        foreach = None
        if all(p.device.type == "cpu" for p in params) and 0 < sum(p.numel() for p in params) <= TIMED_ADAM:
            foreach = _foreach_is_faster(tuple(tuple(p.shape) for p in params), torch.get_num_threads())
        return torch.optim.Adam(params, lr=lr, betas=betas, foreach=foreach)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.SGD(params, lr=lr)


@functools.cache
def _foreach_is_faster(shapes: tuple[tuple[int, ...], ...], threads: int, rounds: int = 5, steps: int = 8) -> bool:
    """Whether Adam's foreach step beats its single-tensor step on parameters of these shapes, on
    this CPU at this thread count: both step copies of zero weights with gradients of ones,
    interleaved in ``rounds`` blocks of ``steps`` after a warm-up, and the faster best block wins
    (a few ms for a toy MLP, once per process and shape list).

    >>> isinstance(_foreach_is_faster(((4, 2), (4,)), 1), bool)
    True
    """
    del threads  # part of the cache key: the answer can change with the thread count

    def adam(foreach: bool) -> torch.optim.Adam:
        ps = [torch.zeros(s, requires_grad=True) for s in shapes]
        for p in ps:
            p.grad = torch.ones_like(p)
        return torch.optim.Adam(ps, lr=1e-3, foreach=foreach)

    opts = {True: adam(True), False: adam(False)}
    best = {True: math.inf, False: math.inf}
    for opt in opts.values():
        for _ in range(3):
            opt.step()
    for _ in range(rounds):
        for foreach, opt in opts.items():
            t0 = time.perf_counter()
            for _ in range(steps):
                opt.step()
            best[foreach] = min(best[foreach], time.perf_counter() - t0)
    return best[True] < best[False]


def claim_process(threads: int = 1) -> None:
    """Settings of the process a trainer trains in (a worker's child, the command line, the tests):
    ``threads`` torch threads (one per trainer: on two busy cores two threads ran tiny MLPs several
    times slower, bench/trainer_speed.py) and denormals flushed to zero (they slowed an ELU net ~10x
    on the CPU). Process-wide, so never called in the app's server process."""
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)


class Trainer:
    """Trains one GAN on points or images (BEGAN's runs included). Not thread-safe: one worker drives it."""

    def __init__(self, config: TrainConfig, data: ImageSet | None = None):
        self.config = config.validate().resolved()
        c = self.config
        self.device = pick_device(c.device)
        self.gen = torch.Generator(device=self.device).manual_seed(c.seed)
        if c.dataset in IMAGE_SETS:
            self._image_data(data if data is not None else load_images(c.dataset, c.image_size))
        elif c.dataset == FOLDER:  # a page passes the images it opened by name; the command line, a path
            self._image_data(data if data is not None else load_images(c.source, c.image_size, c.channels))
        else:
            self._point_data(torch.Generator().manual_seed(c.seed))
        self.objective = make_objective(c.objective, c.params)
        # The initial weights come from the seed, and nothing outside this run is touched: the global
        # generator is seeded inside fork_rng and given back as it was (a page's server builds trainers
        # to check uploads; process-wide settings are the training process's: claim_process).
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(c.seed)
            G, D = make_networks(c, self.shape, self.objective.discriminator, self.n_classes)
        self.G, self.D = G.to(self.device), D.to(self.device)
        if c.tricks.virtual_batch_norm:
            self.G.reference = self._latent(c.batch)  # fixed for the whole run
        self.eval_z = self._latent(c.eval_samples)
        self.G_ema = copy.deepcopy(self.G) if c.g_ema > 0 else None
        # On a GPU the step is recorded once as a CUDA graph and replayed (cuda_graph.py says what
        # keeps a run eager, in graph_off).
        self.graph_off = cuda_graph.blocker(c, self.objective, self.device)
        graphed = None if self.graph_off else self.device
        self.opt_g = _make_optimizer(c.optimizer, self.G.parameters(), c.lr_g, (c.beta1, c.beta2), graphed)
        self.opt_d = _make_optimizer(c.optimizer, self.D.parameters(), c.lr_d, (c.beta1, c.beta2), graphed)
        self._ema_weight = torch.zeros((), device=self.device)  # a replay's EMA weight, filled before it
        self._graph = self._new_graph()
        self.hist_g = HistoricalAverage(self.G)
        self.hist_d = HistoricalAverage(self.D)
        self.lr_factor = 1.0  # on both learning rates; BEGAN's plateau halving lowers it
        self.step_count = 0  # generator steps
        self.d_step_count = 0
        self.train_seconds = 0.0
        self.history = BoundedHistory(c.history_max)  # losses and objective state, every log_every steps
        self.eval_history = BoundedHistory(c.history_max)  # W1, JS, modes, every eval_every steps
        self.last = {"d_loss": math.nan, "g_loss": math.nan}
        self.last_eval: dict = {}
        self._recent_times: deque[float] = deque(maxlen=50)
        self._last_real: DView | None = None
        self._last_real_y: torch.Tensor | None = None  # its labels (class-conditional runs)
        # Schedules (BEGAN's plateau halving and residual carry) act on the run after every step and
        # travel in its checkpoint; hooks only watch it (the spectra recorder is one).
        self.schedules = schedules()
        self.hooks: list = []
        self._run_schedules()
        if c.ae_pretrain_steps and self.objective.discriminator == "autoencoder":
            self.pretrain_autoencoder(c.ae_pretrain_steps)

    def _point_data(self, cpu_gen: torch.Generator) -> None:
        c = self.config
        self.data = get_dataset(c.dataset, c.points)
        self.dim = self.data.dim
        self.shape = (self.dim,)
        pool = self.data.sample(POOL_SIZE, cpu_gen)
        # The networks work at unit scale: data are divided by their overall std (one scalar, so the
        # geometry is kept) and samples multiplied back. grid25 spans [-4, 4], ring8 [-1, 1].
        self.scale = float(pool.std()) if c.standardize and float(pool.std()) > 0 else 1.0
        self.pool = (pool / self.scale).to(self.device)
        self.pool_labels, self.n_classes = None, 0
        # Fixed evaluation set: real samples and latent codes, so curves are comparable across steps.
        self.eval_real = self.data.sample(c.eval_samples, cpu_gen)

    def _image_data(self, images: ImageSet) -> None:
        # Images are already at unit scale ([-1, 1]); every image is in the pool.
        self.data = images
        self.dim = None  # not a point cloud: the toy metrics (W1, JS, modes) do not apply
        self.shape = tuple(images.images.shape[1:])
        self.scale = 1.0
        self.pool = images.images.to(self.device)
        self.eval_real = images.images[:self.config.eval_samples]
        self.pool_labels, self.n_classes = None, 0
        if self.config.arch == "biggan":
            if images.labels is None or images.labels.ndim != 1 or len(images.labels) != len(images):
                raise ValueError(f"arch biggan is class-conditional: it needs labelled images, and "
                                 f"{images.source} has no labels (the digits have)")
            self.pool_labels = images.labels.to(self.device)
            self.n_classes = int(images.labels.max()) + 1

    # --- live changes -------------------------------------------------------------------------
    def update(self, **changes) -> None:
        """Change hyperparameters between steps. Structural fields need a new trainer."""
        structural = sorted(set(changes) & STRUCTURAL)
        if structural:
            raise ValueError(f"{', '.join(structural)} change the networks or data: reset the trainer")
        self.config = self.config.replace(**changes).validate()
        self.objective.params = self.config.params
        if self.config.g_ema > 0 and self.G_ema is None:
            self.G_ema = copy.deepcopy(self.G)
        self._graph = self._new_graph()  # the recorded step holds the old values as constants

    def _new_graph(self) -> cuda_graph.StepGraph | None:
        return None if self.graph_off else cuda_graph.StepGraph(self._step_tensors, self.gen)

    def learning_rates(self) -> tuple[float, float]:
        """(G's, D's) learning rate of the next step: the config's, times ``lr_factor`` and the schedule."""
        c = self.config
        scale = self.lr_factor
        if c.lr_schedule == "linear":
            # Annealing the lr at the end pulls samples onto the modes (HQ fraction rises).
            start = c.lr_decay_start * c.total_steps
            scale *= min(1.0, max(0.0, (c.total_steps - self.step_count) / max(c.total_steps - start, 1)))
        return c.lr_g * scale, c.lr_d * scale

    def _apply_lr(self) -> None:
        """Set the next update's learning rates and betas (and, for a recorded step, the EMA weight
        it reads: the values a replay cannot compute)."""
        c = self.config
        for opt, lr in zip((self.opt_g, self.opt_d), self.learning_rates()):
            for group in opt.param_groups:
                if torch.is_tensor(group["lr"]):
                    group["lr"].fill_(lr)
                else:
                    group["lr"] = lr
                if "betas" in group:
                    group["betas"] = (c.beta1, c.beta2)
        if self._graph is not None and self.G_ema is not None:
            self._ema_weight.fill_(self.ema_weight())

    # --- sampling -----------------------------------------------------------------------------
    def _latent(self, n: int) -> torch.Tensor:
        return self.latent(n, self.gen)

    def latent(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """n latent codes of the run's distribution (N(0, I) or U[-1, 1]^d) from ``gen``, on ``gen``'s device."""
        if self.config.latent_dist == "uniform":
            return torch.rand(n, self.config.latent_dim, generator=gen, device=gen.device) * 2 - 1
        return torch.randn(n, self.config.latent_dim, generator=gen, device=gen.device)

    def _real(self, n: int) -> torch.Tensor:
        return self._real_labelled(n)[0]

    def _real_labelled(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """n real samples drawn from the pool and their labels (None in an unconditional run)."""
        idx = torch.randint(0, len(self.pool), (n,), generator=self.gen, device=self.device)
        y = None if self.pool_labels is None else self.pool_labels[idx]
        if self.config.shift:  # images only (config checks): a fresh random shift at every draw
            return random_shift(self.pool[idx], self.gen, self.config.shift), y
        return self.pool[idx], y

    def _fake_input(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(z, y) of a fake batch: y uniform over the classes, drawn after z (None when unconditional)."""
        z = self._latent(n)
        if not self.n_classes:
            return z, None
        return z, torch.randint(0, self.n_classes, (n,), generator=self.gen, device=self.device)

    def _generate(self, z: torch.Tensor, y: torch.Tensor | None, net: torch.nn.Module | None = None) -> torch.Tensor:
        net = self.G if net is None else net
        return net(z) if y is None else net(z, y)

    def classes(self, n: int, y=None) -> torch.Tensor | None:
        """The classes of n samples of a class-conditional run, on the trainer's device: ``y`` None
        gives 0, 1, ..., K - 1, 0, 1, ... (every class, in a fixed order, drawing nothing from the
        run's generator), an int that class for all, else ``y`` itself (n labels). None, and ``y``
        refused, in an unconditional run."""
        if not self.n_classes:
            if y is not None:
                raise ValueError(f"this run is unconditional (arch {self.config.arch}): it takes no classes")
            return None
        if y is None:
            return torch.arange(n, device=self.device) % self.n_classes
        y = torch.full((n,), y) if isinstance(y, int) else torch.as_tensor(y)
        if y.shape != (n,) or y.is_floating_point() or (len(y) and not 0 <= int(y.min()) <= int(y.max()) < self.n_classes):
            raise ValueError(f"classes must be {n} whole numbers from 0 to {self.n_classes - 1}")
        return y.to(self.device, torch.long)

    def _uniform(self, n: int) -> torch.Tensor:
        return torch.rand(n, 1, generator=self.gen, device=self.device)

    @torch.no_grad()
    def sample(self, n: int | None = None, z: torch.Tensor | None = None, y=None) -> torch.Tensor:
        """Generated samples in data space, on the CPU (from the EMA generator when it is on); in a
        class-conditional run of the classes ``y`` (``classes``: by default every class in turn)."""
        z = self.eval_z if (z is None and n is None) else (self._latent(n) if z is None else z.to(self.device))
        y = self.classes(len(z), y)
        net = self.G_ema if self.G_ema is not None else self.G
        net.eval()  # batch norm from its running statistics: drawing samples must not move them
        try:
            return self._generate(z, y, net).float().cpu() * self.scale
        finally:
            net.train()

    def to_model(self, x: torch.Tensor) -> torch.Tensor:
        """Data-space points in the networks' scale, on the trainer's device."""
        return x.to(self.device) / self.scale

    # --- the discriminator's view -------------------------------------------------------------
    def view(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DView:
        """What D says about x (score and features, or energy and code); D(x, y) in a
        class-conditional run, which needs the classes ``y``."""
        if self.objective.discriminator == "autoencoder":
            recon, code = self.D(x)
            return DView(x, energy=self.objective.energy(x.flatten(1), recon.flatten(1)), code=code)
        score, feats = self.D.forward_with_features(x) if y is None else self.D.forward_with_features(x, y)
        return DView(x, score=score.squeeze(1), features=feats)

    def _views(self, real: torch.Tensor, fake: torch.Tensor, y_real: torch.Tensor | None = None,
               y_fake: torch.Tensor | None = None) -> tuple[DView, DView]:
        # One forward for both batches unless D compares batch members (minibatch discrimination).
        if getattr(self.D, "mbd", None) is not None:
            return self.view(real, y_real), self.view(fake, y_fake)
        both = self.view(torch.cat([real, fake]), None if y_real is None else torch.cat([y_real, y_fake]))
        n = real.shape[0]

        def part(sl, x):
            pick = lambda t: None if t is None else t[sl]
            return DView(x, pick(both.score), pick(both.features), pick(both.energy), pick(both.code))

        return part(slice(None, n), real), part(slice(n, None), fake)

    def _score(self, x):
        # Per-sample scores: with minibatch discrimination D(x)_i depends on the other members too,
        # and R1 and the gradient penalty need d D(x)_i / d x_i, not the gradient of the batch sum.
        # The penalties work on flat rows (an image is one row of C * S * S values).
        return self.D.per_sample(x.view(-1, *self.shape)).squeeze(1)

    def _score_fn(self, y: torch.Tensor | None):
        """``_score``, or in a class-conditional run D(x, y)'s per-sample scores at the classes ``y``
        (the real batch's: R1 is on real data, and WGAN-GP's interpolates pair real i with fake i)."""
        if y is None:
            return self._score
        return lambda x: self.D.per_sample(x.view(-1, *self.shape), y).squeeze(1)

    # --- steps --------------------------------------------------------------------------------
    def step_d(self, fake: torch.Tensor | None = None, y_fake: torch.Tensor | None = None) -> float:
        """One discriminator update (on ``fake`` of classes ``y_fake`` if given, else on a fresh
        batch); returns its loss."""
        return self._step("d", fake, y_fake)

    def step_g(self, fake: torch.Tensor | None = None, y_fake: torch.Tensor | None = None) -> float:
        """One generator update (through ``fake`` = G(z, y_fake) with its graph, if given); returns its loss."""
        return self._step("g", fake, y_fake)

    def _step(self, net: str, fake: torch.Tensor | None, y_fake: torch.Tensor | None) -> float:
        """An update of D ("d") or G ("g") at this step's learning rates, counted once it is done;
        its loss, read on the host and checked."""
        self._apply_lr()
        if net == "d":
            loss = self._d_update(fake, y_fake)
            self.d_step_count += 1
        else:
            loss = self._g_update(fake, y_fake)
            self.step_count += 1
        return self._note(f"{net}_loss", loss)

    def _d_update(self, fake: torch.Tensor | None = None, y_fake: torch.Tensor | None = None) -> torch.Tensor:
        """A D update's tensor work (nothing read on the host: a CUDA graph records it); its loss."""
        c = self.config
        real, y_real = self._real_labelled(c.batch)
        if fake is None:
            with torch.no_grad():
                z, y_fake = self._fake_input(c.batch)
                fake = self._generate(z, y_fake)
        self._check_classes(y_fake)
        fake = fake.detach()
        real_v, fake_v = self._views(real, fake, y_real, y_fake)
        loss = self.objective.d_loss(real_v, fake_v)
        score = self._score_fn(y_real)
        penalty = self.objective.penalty(score, real.flatten(1), fake.flatten(1), self._uniform)
        if penalty is not None:
            loss = loss + penalty
        if c.reg.r1_gamma > 0:
            loss = loss + r1_penalty(score, real.flatten(1), c.reg.r1_gamma)
        loss = self._regularise(loss, self.D, self.hist_d)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if c.reg.sigma_clamp > 0:
            clamp_sigma(self.D, c.reg.sigma_clamp)
        self.objective.after_d_step(self.D)
        if c.reg.historical_averaging > 0:
            self.hist_d.update()
        self._last_real = DView(real, *(None if t is None else t.detach() for t in
                                        (real_v.score, real_v.features, real_v.energy, real_v.code)))
        self._last_real_y = y_real
        return loss.detach()

    def _g_update(self, fake: torch.Tensor | None = None, y_fake: torch.Tensor | None = None) -> torch.Tensor:
        """A G update's tensor work (as ``_d_update``); its loss."""
        c = self.config
        if fake is None:
            z, y_fake = self._fake_input(c.batch)
            fake = self._generate(z, y_fake)
        self._check_classes(y_fake)
        self.D.requires_grad_(False)  # no D weight gradients in the G step
        try:
            if c.tricks.feature_matching:
                # Both batches' features from the D of this step (after its update), Salimans 2016.
                if self._last_real is not None:
                    real_x, y_real = self._last_real.x, self._last_real_y
                else:
                    real_x, y_real = self._real_labelled(c.batch)
                real_v, fake_v = self._views(real_x, fake, y_real, y_fake)
                loss = feature_matching(real_v.features, fake_v.features)
            else:
                fake_v = self.view(fake, y_fake)
                real_v = self._real_view(fresh=self.objective.g_needs_real)
                loss = self.objective.g_loss(real_v, fake_v)
            loss = self._regularise(loss, self.G, self.hist_g)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        self.opt_g.step()
        if c.reg.sigma_clamp > 0:
            clamp_sigma(self.G, c.reg.sigma_clamp)
        if c.reg.historical_averaging > 0:
            self.hist_g.update()
        self.objective.after_g_step(real_v, fake_v)
        if self.G_ema is not None:
            self._update_ema()
        return loss.detach()

    def _note(self, key: str, loss: torch.Tensor) -> float:
        """Read a loss on the host, check it is finite and keep it in ``last``."""
        value = float(loss)
        self._check_finite("discriminator loss" if key == "d_loss" else "generator loss", value)
        self.last[key] = value
        return value

    def _regularise(self, loss: torch.Tensor, net: torch.nn.Module, hist: HistoricalAverage) -> torch.Tensor:
        """``loss`` plus the regularisers of ``net``'s weights: historical averaging (Salimans et al.
        2016) and BigGAN's orthogonal regularisation."""
        r = self.config.reg
        if r.historical_averaging > 0:
            loss = loss + r.historical_averaging * hist.penalty()
        if r.ortho_beta > 0:
            loss = loss + orthogonal_penalty(net, r.ortho_beta)
        return loss

    @torch.no_grad()
    def _real_view(self, fresh: bool) -> DView:
        """D's view of the last D step's real batch: as that step saw it, or (``fresh``) by the
        current D. Before any D step, of a fresh real batch."""
        if self._last_real is None:
            return self.view(*self._real_labelled(self.config.batch))
        return self.view(self._last_real.x, self._last_real_y) if fresh else self._last_real

    def _check_classes(self, y: torch.Tensor | None) -> None:
        if (y is None) != (not self.n_classes):
            raise ValueError("a class-conditional run's fake batch needs its classes, and an unconditional "
                             "run's takes none")

    def ema_weight(self) -> float:
        """The next G step's EMA weight 1 - decay_t: G_ema <- G_ema + (1 - decay_t)(G - G_ema)."""
        t = self.step_count
        return 1.0 - min(self.config.g_ema, (1 + t) / (10 + t))

    @torch.no_grad()
    def _update_ema(self):
        # Warm-up (decay_t = min(decay, (1 + t) / (10 + t))): early on the average must not hold
        # on to the random initial weights.
        weight = self._ema_weight if self._graph is not None else self.ema_weight()
        for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
            pe.lerp_(p, weight)
        for be, b in zip(self.G_ema.buffers(), self.G.buffers()):  # batch norm's running statistics
            be.copy_(b)

    def g_loss_gradient(self, x: torch.Tensor) -> torch.Tensor:
        """grad_x of the generator's loss at data-space points ``x`` (in the networks' scale, with D
        frozen): where G's loss pushes each sample. The loss is a batch mean, so each row is 1/n of
        that sample's own gradient."""
        x = self.to_model(x).detach().requires_grad_(True)
        # The real view without drawing from the run's generator: watching a run must not change it.
        with torch.no_grad():
            real_v = self.view(self._last_real.x if self._last_real is not None else self.pool[:self.config.batch])
        self.D.requires_grad_(False)
        try:
            (grad,) = torch.autograd.grad(self.objective.g_loss(real_v, self.view(x)), x)
        finally:
            self.D.requires_grad_(True)
        return grad.detach()

    def step(self) -> None:
        """n_critic D updates, then one G update; logs and evaluates on schedule."""
        t0 = time.perf_counter()
        c = self.config
        self._apply_lr()
        d_loss, g_loss = self._step_tensors() if self._graph is None else self._graph.step()
        self.d_step_count += c.n_critic
        self.step_count += 1
        if self._graph is None or self.step_count % c.log_every == 0:  # a replay's losses are read when logged
            self._note("d_loss", d_loss)
            self._note("g_loss", g_loss)
        self._run_schedules()
        dt = time.perf_counter() - t0
        self.train_seconds += dt
        self._recent_times.append(dt)
        if self.step_count % c.log_every == 0:
            self.history.add({"step": self.step_count, **self.last, **self.objective.state(),
                              **gammas(G=self.G, D=self.D), "lr_g": self.learning_rates()[0]})
        if self.step_count % c.eval_every == 0:
            self.evaluate()
        for hook in self.hooks:
            hook(self)

    def _step_tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The tensor work of one step (what a CUDA graph records): n_critic D updates, then one G
        update; the last D loss and the G loss."""
        for _ in range(self.config.n_critic - 1):
            self._d_update()
        # The last critic step and the G step share one G(z) (as in the DCGAN tutorial): G does not
        # change in between, and the G step backpropagates through the graph kept from it.
        z, y = self._fake_input(self.config.batch)
        fake = self._generate(z, y)
        return self._d_update(fake, y), self._g_update(fake, y)

    def _run_schedules(self) -> None:
        for schedule in self.schedules:
            schedule(self)

    def train(self, steps: int, progress=None) -> None:
        """Run ``steps`` generator steps; ``progress(done, total)`` is called now and then."""
        for i in range(steps):
            self.step()
            if progress is not None and ((i + 1) % 50 == 0 or i + 1 == steps):
                progress(i + 1, steps)

    def pretrain_autoencoder(self, steps: int) -> None:
        """Train the autoencoder D on real data alone (EBGAN, Sec. 2.4): minimise its energy."""
        for _ in range(steps):
            real = self._real(self.config.batch)
            loss = self.view(real).energy.mean()
            self.opt_d.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_d.step()

    def _check_finite(self, what: str, value: float) -> None:
        if not math.isfinite(value):
            raise TrainingDiverged(
                f"the {what} became {value} at step {self.step_count}: training diverged. "
                f"Lower the learning rates (now G {self.config.lr_g:g}, D {self.config.lr_d:g}) and reset."
            )

    # --- metrics ------------------------------------------------------------------------------
    @property
    def steps_per_second(self) -> float:
        t = sum(self._recent_times)
        return len(self._recent_times) / t if t > 0 else 0.0

    def evaluate(self) -> dict:
        """Mode coverage (mixtures), W1 and the histogram JS on the fixed evaluation set."""
        fake = self.sample()
        if not torch.isfinite(fake).all():
            raise TrainingDiverged(f"the generator produced NaN or inf at step {self.step_count}: "
                                   "lower the learning rates and reset")
        # Adam can blow the samples up without ever producing inf: call that divergence too.
        extent = float(self.eval_real.abs().max()) + 1.0
        if float(fake.abs().max()) > 1e3 * extent:
            raise TrainingDiverged(f"generated samples reached |x| = {float(fake.abs().max()):.3g} at step "
                                   f"{self.step_count}, far outside the data: training diverged. "
                                   "Lower the learning rates and reset.")
        out = {"step": self.step_count}
        if self.dim is None:  # images: their measures are the image lab's
            self.last_eval = out
            self.eval_history.add(out)
            return out
        out["w1"] = w1(fake[:500], self.eval_real[:500])
        out["js"], out["js_floor"] = histogram_js(fake, self.eval_real, bins=20 if self.dim == 2 else 50)
        if self.data.modes is not None and self.data.sigma is not None:
            mc = mode_coverage(fake, self.data.modes, self.data.sigma)
            out.update(modes=mc.modes_captured, n_modes=mc.n_modes, hq=mc.hq_fraction, kl_modes=mc.kl_to_uniform)
        self.last_eval = out
        self.eval_history.add(out)
        return out

    def summary(self) -> dict:
        """The headline numbers (the command line prints these)."""
        ev = self.evaluate()
        return {
            "dataset": self.config.dataset,
            "objective": self.config.objective,
            "steps": self.step_count,
            "seed": self.config.seed,
            "seconds": round(self.train_seconds, 3),
            "steps_per_second": round(self.step_count / self.train_seconds, 2) if self.train_seconds else 0.0,
            "modes_captured": ev.get("modes"),
            "n_modes": ev.get("n_modes"),
            "hq_fraction": ev.get("hq"),
            "kl_modes": ev.get("kl_modes"),
            "w1": ev.get("w1"),
            "js": ev.get("js"),
            "device": str(self.device),
        }
