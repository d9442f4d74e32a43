"""Stacked digits (1,000 modes): the pool, the measure against the closed form of multinomial
sampling, a one-mode generator, and ``python -m ganviz stacked`` in-process."""

import json
import math

import pytest
import torch

from ganviz.data.images import load_digits, load_images
from ganviz.data.stacked import MODES, stacked_indices
from ganviz.metrics.modes import mean_and_se
from ganviz.metrics.stacked import (classify_channels, coverage_of_triples, expected_coverage,
                                    generator_coverage)
from ganviz.training.classifier import load_classifier
from ganviz.training.shipped import classifier_path
from tests.conftest import run_main

N = 26_000  # the papers' sample count


@pytest.fixture(scope="module")
def real():
    """The pool, the indices of its digits, and the shipped classifier's class of every digit.

    Every channel of the pool is one of the 1,797 digits unchanged, so classifying those once and
    looking them up gives what ``classify_channels`` gives on the pool (checked below on a part of
    it) at 1/30 of the CPU."""
    digits = load_digits(16)
    classifier = load_classifier(classifier_path())
    pool = load_images("stacked", 16)
    idx = stacked_indices(digits.labels)
    pred = classifier.probabilities(digits.images).argmax(1)
    return pool, idx, pred, classifier


def test_the_pool_is_balanced_and_each_channel_is_the_digit_its_label_names(real):
    pool, idx, _, _ = real
    assert tuple(pool.images.shape) == (20_000, 3, 16, 16) and pool.channels == 3
    assert torch.bincount(pool.labels, minlength=MODES).tolist() == [20] * MODES
    digits = load_digits(16)
    i = torch.arange(0, 20_000, 997)
    assert torch.equal(pool.images[i], digits.images[:, 0][idx[i]])  # channel j is digit idx[i, j]
    a, b, c = digits.labels[idx[i]].T
    assert torch.equal(pool.labels[i], 100 * a + 10 * b + c)
    assert torch.equal(stacked_indices(digits.labels), idx)  # fixed seed: the same pool every time
    assert not torch.equal(stacked_indices(digits.labels, seed=1), idx)


def test_the_pool_labels_match_the_classifier_on_most_real_images(real):
    pool, idx, pred, classifier = real
    triples = pred[idx]
    agree = float((100 * triples[:, 0] + 10 * triples[:, 1] + triples[:, 2] == pool.labels).float().mean())
    # Each channel is right at least as often as on the held-out fifth (most digits were trained on).
    held_out = json.loads(classifier_path().with_suffix(".json").read_text())["test_accuracy"]
    assert agree >= held_out ** 3, agree
    # The measure's own path (each channel of each image classified alone) gives the same classes.
    assert torch.equal(classify_channels(pool.images[:300], classifier), triples[:300])


def test_the_real_pool_covers_what_multinomial_sampling_predicts(real):
    pool, idx, pred, _ = real
    modes = (pred[idx] * torch.tensor([100, 10, 1])).sum(1)  # the classifier's mode of each pool image
    p = torch.bincount(modes, minlength=MODES).double() / len(modes)
    draw = torch.randint(len(modes), (N,), generator=torch.Generator().manual_seed(0))
    r = coverage_of_triples(pred[idx[draw]])
    expected_modes, expected_kl = expected_coverage(p, N)
    missed = (1 - p) ** N
    assert r.modes_captured >= expected_modes - 3 * math.sqrt(float((missed * (1 - missed)).sum())) - 1e-9
    # 2 n KL is close to chi-square with K - 1 degrees of freedom: sd(KL) ~ sqrt(2 (K - 1)) / (2 n).
    assert abs(r.kl_to_uniform - expected_kl) < 4 * math.sqrt(2 * (MODES - 1)) / (2 * N)
    floor_modes, floor_kl = expected_coverage(torch.full((MODES,), 1 / MODES), N)
    assert expected_kl < 1.5 * floor_kl and r.modes_captured == round(floor_modes) == MODES
    assert r.channel_classes == (10, 10, 10)


def test_a_generator_of_one_fixed_real_triple_has_one_mode_and_kl_log_1000(real):
    pool, _, _, classifier = real
    one = pool.images[7]
    r = generator_coverage(lambda m: one.expand(m, -1, -1, -1), classifier, n=300, chunk=128)
    assert (r.modes_captured, r.channel_classes, r.samples) == (1, (1, 1, 1), 300)
    assert r.kl_to_uniform == pytest.approx(math.log(1000), abs=1e-9)


@pytest.mark.parametrize("bad", [torch.zeros(4, 2, dtype=torch.long), torch.full((4, 3), 10),
                                 torch.zeros(0, 3, dtype=torch.long), torch.zeros(4, 3)])
def test_triples_that_are_not_n_by_3_digit_classes_are_refused(bad):
    with pytest.raises(ValueError, match="digit classes"):
        coverage_of_triples(bad)


def test_images_that_are_not_three_channels_are_refused(real):
    with pytest.raises(ValueError, match="3, S, S"):
        classify_channels(torch.zeros(2, 1, 16, 16), real[3])
    with pytest.raises(ValueError, match="channels=3"):
        load_images("stacked", 16, channels=1)


def test_the_command_reports_each_trial_and_their_mean_and_standard_error(capsys):
    from ganviz.__main__ import main

    tiny = ["--set", "batch=16", "--set", "g_width=8", "--set", "d_width=8", "--set", "latent_dim=8"]
    code = main(["stacked", "--quiet", "--steps", "3", "--trials", "2", "--seed", "5", "--samples", "200",
                 *tiny, "--json"])
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and s["data"] == "stacked" and s["objective"] == "nsgan" and s["trials"] == 2
    trials = s["per_trial"]
    assert [t["seed"] for t in trials] == [5, 6] and [t["steps"] for t in trials] == [3, 3]
    assert all(1 <= t["modes"] <= 200 and 0 <= t["kl"] <= math.log(1000) and t["seconds"] >= 0 for t in trials)
    mean, se = mean_and_se([t["modes"] for t in trials])
    assert (s["modes_mean"], s["modes_se"]) == (mean, round(se, 2))
    assert s["perfect"]["kl"] == round(expected_coverage(torch.full((MODES,), 1 / MODES), 200)[1], 4)


def test_a_three_channel_run_trains_and_saves_its_checkpoint(tmp_path, capsys):
    from ganviz.__main__ import main
    from ganviz.training.checkpoint import load

    code = main(["stacked", "--quiet", "--steps", "2", "--samples", "50", "--set", "batch=16", "--set", "g_width=8",
                 "--set", "d_width=8", "--out", str(tmp_path / "run"), "--json"])
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    t = load(s["checkpoint"])
    x = t.sample(4)
    assert code == 0 and t.step_count == 2 and tuple(x.shape) == (4, 3, 16, 16) and bool(torch.isfinite(x).all())
    assert json.loads((tmp_path / "run.json").read_text())["command"].startswith("python -m ganviz stacked --steps 2")


@pytest.mark.parametrize("args,names", [
    (("--objective", "nope"), "nsgan"),
    (("--size", "20"), "16, 32"),
    (("--samples", "0"), ">= 1"),
    (("--set", "gp_lambda=5"), "gp_lambda is a setting of wgan-gp"),
    (("--trials", "2", "--out", "x"), "--trials 1"),
])
def test_bad_values_exit_2_with_one_line_naming_what_is_allowed(args, names, capsys):
    code, _, err = run_main(capsys, "stacked", "--quiet", *args, "--steps", "1")
    assert code == 2 and names in err and len(err.strip().splitlines()) == 1, err
