import pytest
import torch

from ganviz.objectives import DView, make_objective
from ganviz.training import Trainer
from ganviz.training.presets import PRESETS, preset_configs


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_builds_and_trains(name):
    configs = preset_configs(name)
    assert len(configs) == (2 if PRESETS[name].b is not None else 1)
    for label, cfg in configs:
        t = Trainer(cfg.replace(eval_every=5, eval_samples=300))
        t.train(5)
        assert torch.isfinite(t.sample()).all(), (name, label)
    assert PRESETS[name].watch.endswith(".")


def test_mmgan_gradient_vanishes_where_d_rejects_fakes_and_nsgan_does_not():
    """The story of "MMGAN saturates early": at a logit of -6 (D(G(z)) = 0.0025) the minimax
    loss's slope is sigmoid(l) = 0.0025 and the non-saturating one's is sigmoid(-l) = 0.9975."""
    for name, expect in (("mmgan", torch.sigmoid(torch.tensor(-6.0))), ("nsgan", torch.sigmoid(torch.tensor(6.0)))):
        logit = torch.tensor([-6.0], requires_grad=True)
        make_objective(name).g_loss(DView(None), DView(torch.zeros(1, 2), score=logit)).backward()
        assert abs(logit.grad.item()) == pytest.approx(expect.item(), rel=1e-5)
