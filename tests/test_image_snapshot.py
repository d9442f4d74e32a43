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


def test_on_stacked_digits_it_counts_the_modes_of_2000_samples_against_a_perfect_generator():
    from ganviz.data.images import resize
    from ganviz.metrics.stacked import stacked_coverage
    from ganviz.training.image_snapshot import STACKED_N

    t = make_trainer(TrainConfig(**{**TINY, "dataset": "stacked"}), every=2)
    t.train(2)
    s, measure = take(t), t.hooks[0]
    assert s.judged == "stacked" and tuple(s.samples.shape) == (32, 3, 16, 16)
    assert len(measure.z) == STACKED_N == 2000 and [r["step"] for r in s.measures] == [0, 2]
    # The page's "a perfect generator: 865 ... (perfect: 0.28)": the exact expectation at n = 2,000.
    assert (round(s.perfect[0]), round(s.perfect[1], 2)) == (865, 0.28)
    cov = stacked_coverage(resize(t.sample(z=measure.z), 16), measure.classifier)  # the rows are these samples'
    assert (s.measures[-1]["modes_captured"], s.measures[-1]["kl_to_uniform"]) == (cov.modes_captured, cov.kl_to_uniform)
    assert s.class_shares == [] and s.not_judged is None


def test_a_folder_run_is_not_judged_and_says_why():
    from ganviz.data.images import load_digits
    from ganviz.training.image_snapshot import NOT_JUDGED_FOLDER

    t = make_trainer(TrainConfig(**{**TINY, "dataset": "folder", "source": "mine"}), load_digits(16), every=2)
    t.train(2)
    s = take(t)
    assert s.measures == [] and s.judged is None and s.not_judged == NOT_JUDGED_FOLDER
