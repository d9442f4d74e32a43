"""The Latent page's library parts on the shipped BigGAN: truncation of its normal latent when a
generator is judged, sampling at a given class embedding, the path between two classes' embeddings,
and the trade-off figure."""

import math

import pytest
import torch

from ganviz.latent import class_embeddings, sample_embedded, truncate, truncated_points
from ganviz.metrics.quality import judge, judge_generator, predicted_classes
from ganviz.plots.latent import tradeoff_figure
from ganviz.training.checkpoint import load
from ganviz.training.classifier import load_classifier
from ganviz.training.shipped import CHECKPOINTS, classifier_path


@pytest.fixture(scope="module")
def biggan():
    return load(CHECKPOINTS / "biggan_digits.safetensors"), load_classifier(classifier_path())


def test_judge_generator_truncates_a_normal_latent_as_normal(biggan):
    """On N(0, I) a threshold of 1.5 redraws about 13% of the components (judged as if uniform, a
    threshold >= 1 changed nothing), and the redraws are normal ones (a uniform redraw differs)."""
    trainer, classifier = biggan
    n, t = 60, 1.5
    got = judge_generator(trainer, classifier, n, truncation=t, measured=False)
    assert got != judge_generator(trainer, classifier, n, measured=False)

    def by_hand(dist):
        gen = torch.Generator().manual_seed(0)
        return judge(trainer.sample(z=truncate(trainer.latent(n, gen), t, gen=gen, dist=dist)), classifier)

    assert got == by_hand("normal") and got != by_hand("uniform")


def test_sampling_at_a_class_embedding_is_sampling_that_class(biggan):
    trainer, _ = biggan
    z = truncated_points(trainer.config.latent_dim, 4, math.inf, seed=7, dist="normal")
    table = trainer.G_ema.shared.weight.detach()
    for k in (0, 6):
        drawn = sample_embedded(trainer, z, table[k].expand(4, -1))
        assert torch.allclose(drawn, trainer.sample(z=z, y=k), atol=1e-5)
    assert not torch.allclose(sample_embedded(trainer, z, table[0].expand(4, -1)), trainer.sample(z=z, y=6), atol=0.1)


def test_the_class_path_runs_straight_from_one_embedding_to_the_other(biggan):
    trainer, classifier = biggan
    e = class_embeddings(trainer, 3, 8, 5)
    table = trainer.G_ema.shared.weight.detach()
    assert torch.equal(e[0], table[3]) and torch.allclose(e[-1], table[8])
    assert torch.allclose(e[2], (table[3] + table[8]) / 2, atol=1e-6)
    z = truncated_points(trainer.config.latent_dim, 1, 1.0, seed=1, dist="normal").expand(5, -1)
    read = predicted_classes(sample_embedded(trainer, z, e), classifier)
    assert read[0] == 3 and read[-1] == 8, read


def test_an_unconditional_run_has_no_class_path():
    from ganviz.training.began import load as load_began
    from ganviz.training.shipped import shipped_began

    with pytest.raises(ValueError, match="no shared class embedding"):
        class_embeddings(load_began(shipped_began()[0.5]), 0, 1, 3)


def test_the_tradeoff_figure_draws_off_as_levels_and_the_threshold_as_a_line():
    rows = [{"threshold": t, "precision": p, "recall": r, "mean_confidence": c, "class_agreement": a}
            for t, p, r, c, a in [(0.5, 1.0, 0.05, 1.0, 1.0), (2.0, 0.98, 0.8, 0.99, 0.995),
                                  (math.inf, 0.95, 0.88, 0.98, 0.99)]]
    fig = tradeoff_figure(rows[::-1], current=2.0)
    by_name = {tr.name: tr for tr in fig.data}
    assert list(by_name["recall"].x) == [0.5, 2.0] and list(by_name["recall"].y) == [0.05, 0.8]
    levels = sorted(s.y0 for s in fig.layout.shapes if s.line.dash == "dot")
    assert levels == [0.88, 0.95, 0.98, 0.99]  # the untruncated row, one level per measure
    assert [s.x0 for s in fig.layout.shapes if s.type == "line" and s.line.dash != "dot"] == [2.0, 2.0]
    no_classes = [{**r, "class_agreement": None} for r in rows]
    assert "class agreement" not in {tr.name for tr in tradeoff_figure(no_classes).data}
