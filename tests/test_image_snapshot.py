"""What the image lab's page says of a run: the grid is the same 32 codes at every step, the
classifier judges 256 samples every 100 steps, and measuring never changes the run."""

import torch

from ganviz.training.config import TrainConfig
from ganviz.training.image_snapshot import GRID, make_trainer, take
from ganviz.training.trainer import Trainer

TINY = dict(dataset="digits", g_width=8, d_width=8, latent_dim=8, batch=16, eval_samples=64)


def test_the_grid_is_the_same_codes_at_every_step_and_measures_come_every_100_steps_on_256():
    t = make_trainer(TrainConfig(**TINY))
    measure = t.hooks[0]
    assert (measure.every, measure.n) == (100, 256)
    first = take(t)
    assert tuple(first.samples.shape) == (32, 1, 16, 16)  # the page says "the same 32 codes"
    assert torch.equal(take(t).samples, first.samples)  # drawing twice changes nothing
    with torch.no_grad():
        t.G.eval()
        assert torch.allclose(first.samples, t.G(t.eval_z[:GRID]))  # G of the fixed codes
        t.G.train()
    t.train(100)
    assert [r["step"] for r in take(t).measures] == [0, 100]


def test_measuring_never_changes_the_run():
    plain, measured = Trainer(TrainConfig(**TINY)), make_trainer(TrainConfig(**TINY), every=2, n=32)
    plain.train(4)
    measured.train(4)
    assert len(measured.hooks[0].rows) == 3  # steps 0, 2, 4
    assert all(torch.equal(a, b) for a, b in zip(plain.G.state_dict().values(), measured.G.state_dict().values()))
