"""The recorded (CUDA graph) step, checked on a CPU where no graph can be recorded: the step's tensor
work reads nothing on the host (a recording would fail, or bake the value in), the runs it refuses
say why, and a trainer driven as a replaying one (learning rates and the EMA weight in tensors
filled before each step, losses read at logging steps) trains exactly as the eager one. The capture
itself needs a CUDA device: bench/trainer_speed.py --cuda measures it there."""

from __future__ import annotations

import pytest
import torch
from torch.overrides import TorchFunctionMode

import ganviz.training.trainer as trainer_module
from ganviz.training import cuda_graph
from ganviz.training.config import TrainConfig
from ganviz.training.recipes import recipe
from ganviz.training.trainer import Trainer

HOST_READS = {"item", "__float__", "__int__", "__bool__", "tolist", "numpy", "cpu"}


class HostRead(RuntimeError):
    pass


class NoHostReads(TorchFunctionMode):
    """Raises at any tensor read on the host (a sync a CUDA graph capture refuses), except inside
    the optimisers' steps: a CPU Adam keeps its step count on the host, the capturable Adam a
    recorded step uses keeps it on the device."""

    def __init__(self, trainer):
        super().__init__()
        self.inside_optimiser = False
        for opt in (trainer.opt_g, trainer.opt_d):
            opt.step = self._exempt(opt.step)

    def _exempt(self, step):
        def exempt(*args, **kwargs):
            self.inside_optimiser = True
            try:
                return step(*args, **kwargs)
            finally:
                self.inside_optimiser = False
        return exempt

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if not self.inside_optimiser and getattr(func, "__name__", "") in HOST_READS:
            raise HostRead(func.__name__)
        return func(*args, **(kwargs or {}))


def small(**overrides) -> TrainConfig:
    return recipe("ring8", seed=3, steps=60, **{"g_width": 32, "d_width": 32, "batch": 64, "eval_every": 10**9,
                                                "log_every": 5, **overrides})


RECORDABLE = {
    "default recipe": {},
    "wgan-gp, n_critic 5": {"objective": "wgan-gp", "n_critic": 5},
    "hinge + spectral norm": {"objective": "hinge", "spectral_norm": True},
    "lsgan": {"objective": "lsgan"},
    "wgan clipping": {"objective": "wgan", "optimizer": "adam"},
    "minibatch discrimination": {"minibatch_kernels": 5},
    "feature matching": {"feature_matching": True},
    "ragan": {"objective": "ragan"},
}


@pytest.mark.parametrize("name", RECORDABLE)
def test_a_recordable_step_reads_nothing_on_the_host(name):
    t = Trainer(small(**RECORDABLE[name]))
    t.step()  # the optimisers' state exists, as after the warm-up
    with NoHostReads(t):
        t._step_tensors()


def test_the_host_read_check_catches_a_read_and_began_is_refused():
    """BEGAN's k_t update reads both energies on the host after every G step: the check sees it,
    and the blocker keeps BEGAN eager (naming why)."""
    t = Trainer(small(objective="began", d_width=32))
    t.step()
    with pytest.raises(HostRead), NoHostReads(t):
        t._step_tensors()
    cuda = torch.device("cuda")
    assert "began updates Python state" in cuda_graph.blocker(t.config, t.objective, cuda)
    for overrides, reason in [({"optimizer": "rmsprop"}, "rmsprop"), ({"historical_averaging": 0.1},
                              "historical averaging"), ({"sigma_clamp": 1.0}, "sigma clamp")]:
        u = Trainer(small(**overrides))
        assert reason in cuda_graph.blocker(u.config, u.objective, cuda)
    u = Trainer(small())
    assert cuda_graph.blocker(u.config, u.objective, cuda) is None


class ReplayByCalling:
    """StepGraph's contract without a GPU: each step runs the recorded work again."""

    def __init__(self, work, generator):
        self.work = work

    def step(self):
        return self.work()


def test_a_replaying_trainer_trains_as_the_eager_one(monkeypatch):
    """Learning rates from tensors filled before each step (a linear decay), the EMA weight from a
    tensor (its warm-up), losses read only at logging steps, a live change half-way: the same
    weights, EMA, step counts and logged losses as the eager trainer's."""
    config = small(lr_schedule="linear", total_steps=40, lr_decay_start=0.25, n_critic=2)
    eager = Trainer(config)
    monkeypatch.setattr(cuda_graph, "blocker", lambda *a: None)
    monkeypatch.setattr(cuda_graph, "StepGraph", ReplayByCalling)
    # A tensor lr as the capturable Adam has (capturable itself is refused on a CPU).
    monkeypatch.setattr(trainer_module, "_make_optimizer",
                        lambda name, params, lr, betas, device=None: torch.optim.Adam(
                            params, lr=torch.tensor(lr) if device is not None else lr, betas=betas))
    replayed = Trainer(config)
    assert isinstance(replayed._graph, ReplayByCalling) and torch.is_tensor(replayed.opt_g.param_groups[0]["lr"])
    for t in (eager, replayed):
        t.train(20)
        t.update(lr_g=config.lr_g / 2)
        t.train(20)
    assert replayed.step_count == eager.step_count == 40 and replayed.d_step_count == eager.d_step_count == 80
    for a, b in [(eager.G, replayed.G), (eager.D, replayed.D), (eager.G_ema, replayed.G_ema)]:
        for pa, pb in zip(a.parameters(), b.parameters()):
            torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-6)
    assert [r["g_loss"] for r in replayed.history.rows] == pytest.approx([r["g_loss"] for r in eager.history.rows],
                                                                        rel=1e-4)
    assert float(replayed.opt_g.param_groups[0]["lr"]) == pytest.approx(eager.opt_g.param_groups[0]["lr"])
