"""Relativistic average GAN: its losses against the paper's formulas, its G loss reading the real
batch as the current D scores it, and the lab, the links and the command line reaching it through
the objective registry alone (ganviz/objectives/ragan.py is the only library file it has)."""

import json
import math

import pytest
import torch
from streamlit.testing.v1 import AppTest

from ganviz.objectives import OBJECTIVES, DView, make_objective
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer

SMALL = dict(g_width=16, d_width=16, batch=32, eval_samples=200, eval_every=10**6)


def _sp(x):
    return math.log1p(math.exp(x))


def test_losses_are_the_papers_relativistic_average_forms():
    c_r, c_f = [2.0, -1.0, 0.5], [-3.0, 0.0, 1.0, 0.25]
    m_r, m_f = sum(c_r) / len(c_r), sum(c_f) / len(c_f)
    want_d = sum(_sp(-(c - m_f)) for c in c_r) / len(c_r) + sum(_sp(c - m_r) for c in c_f) / len(c_f)
    want_g = sum(_sp(-(c - m_r)) for c in c_f) / len(c_f) + sum(_sp(c - m_f) for c in c_r) / len(c_r)
    r, f = DView(None, score=torch.tensor(c_r)), DView(None, score=torch.tensor(c_f))
    obj = make_objective("ragan")
    assert obj.d_loss(r, f).item() == pytest.approx(want_d, rel=1e-6)
    assert obj.g_loss(r, f).item() == pytest.approx(want_g, rel=1e-6)


def test_the_generator_loss_depends_on_the_real_scores_unlike_nsgan():
    f = DView(None, score=torch.tensor([0.0, 1.0]))
    low, high = DView(None, score=torch.tensor([-1.0])), DView(None, score=torch.tensor([3.0]))
    ra, ns = make_objective("ragan"), make_objective("nsgan")
    assert ra.g_loss(high, f).item() > ra.g_loss(low, f).item() + 1.0  # a further lead costs G more
    assert ns.g_loss(high, f).item() == ns.g_loss(low, f).item()


def test_the_trainer_hands_the_g_step_the_real_batch_as_the_updated_d_scores_it():
    t = Trainer(TrainConfig(objective="ragan", **SMALL))
    fake = t.G(t._latent(t.config.batch))
    t.step_d(fake)
    real = t._last_real.x
    with torch.no_grad():
        want = float(t.objective.g_loss(t.view(real), t.view(fake)))
        stale = float(t.objective.g_loss(t._last_real, t.view(fake)))  # scored before D's update
    assert abs(want - stale) > 1e-6  # the test can tell the two apart
    assert t.step_g(fake) == pytest.approx(want, rel=1e-6)


def test_registry_config_and_trainer_take_it_without_other_changes():
    assert list(OBJECTIVES)[-1] == "ragan"  # the latest paper last
    cfg = TrainConfig.from_dict({"objective": "ragan", **SMALL}).validate().resolved()
    assert (cfg.optimizer, cfg.lr_g, cfg.beta1, cfg.n_critic) == ("adam", 2e-4, 0.5, 1)
    t = Trainer(cfg)
    t.train(20)
    assert t.step_count == 20 and torch.isfinite(t.sample()).all()


def test_the_command_line_trains_it(capsys):
    from ganviz.__main__ import main

    assert main(["train", "--dataset", "ring8", "--objective", "ragan", "--steps", "30", "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["objective"] == "ragan" and summary["steps"] == 30


def test_the_toy_lab_opens_a_link_to_it_with_its_formulas():
    from tests.test_page_toy_lab import PAGE, _open

    at = AppTest.from_file(PAGE)
    at.query_params["objective"] = "ragan"
    at = _open(at)
    assert not at.exception and not at.warning
    assert at.selectbox(key="a_objective").value == "ragan"
    assert any(r"\mathbb{E}_r C(x_r)" in x.value for x in at.latex)
    assert at.query_params["objective"] == ["ragan"] or at.query_params["objective"] == "ragan"
