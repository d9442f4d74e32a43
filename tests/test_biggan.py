"""The small BigGAN (Brock et al. 2019): class-conditional batch norm and the projection discriminator
against their formulas, class conditioning in the one Trainer, truncation on N(0, 1), the shipped
checkpoint's class agreement, and ``python -m ganviz truncation``."""

import json
import math

import pytest
import torch
import torch.nn.functional as F

from ganviz.__main__ import main
from ganviz.cli.truncation import truncation_report
from ganviz.data.images import ImageSet, load_images
from ganviz.latent import truncate
from ganviz.nets.biggan import BigganD, BigganG, ConditionalBatchNorm2d
from ganviz.training.checkpoint import from_bytes, load, save, to_bytes
from ganviz.training.classifier import load_classifier
from ganviz.training.config import TrainConfig
from ganviz.training.shipped import CHECKPOINTS, classifier_path
from ganviz.training.trainer import Trainer

TINY = dict(dataset="digits", arch="biggan", objective="hinge", spectral_norm=True, g_width=8, d_width=8,
            latent_dim=6, batch=8, eval_samples=20, eval_every=10**6)
SHIPPED = CHECKPOINTS / "biggan_digits.safetensors"


def _tiny(**over) -> Trainer:
    return Trainer(TrainConfig(**{**TINY, **over}))


# --- the networks against their formulas ---------------------------------------------------------
def test_conditional_batch_norm_is_bn_times_one_plus_gain_plus_bias():
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm2d(4, cond_dim=3)
    cbn(torch.randn(16, 4, 5, 5), torch.randn(16, 3))  # a training pass moves the running statistics
    cbn.eval()
    x, c = torch.randn(2, 4, 5, 5), torch.randn(2, 3)
    bn = (x - cbn.bn.running_mean[:, None, None]) / torch.sqrt(cbn.bn.running_var[:, None, None] + cbn.bn.eps)
    gain, bias = c @ cbn.gain.weight.T, c @ cbn.bias.weight.T  # the spectrally normalised W_gain, W_bias
    want = bn * (1 + gain[:, :, None, None]) + bias[:, :, None, None]
    torch.testing.assert_close(cbn(x, c), want, rtol=1e-5, atol=1e-6)


def test_the_generator_uses_the_class_and_only_each_samples_own():
    torch.manual_seed(0)
    g = BigganG(latent=9, width=8, size=16, n_classes=10).eval()
    z = torch.randn(4, 9)
    y = torch.tensor([1, 2, 3, 4])
    x = g(z, y)
    assert torch.equal(x, g(z, y.clone()))  # the same classes, the same images
    other = g(z, torch.tensor([7, 2, 3, 4]))
    assert not torch.allclose(other[0], x[0], atol=1e-4)  # a new class changes that sample
    assert torch.equal(other[1:], x[1:])  # and no other (batch norm from running statistics)
    assert g.chunks == [3, 3, 3]  # one chunk of z for the start, one per block


def test_projection_score_is_psi_of_phi_plus_the_class_embedding_dot_phi():
    torch.manual_seed(0)
    d = BigganD(width=8, size=16, n_classes=10, spectral_norm=True).eval()
    x, y = torch.rand(5, 1, 16, 16) * 2 - 1, torch.tensor([0, 3, 3, 9, 5])
    phi = F.relu(d.blocks(x)).sum(dim=(2, 3))
    psi = phi @ d.psi.weight.T + d.psi.bias
    want = psi + (d.embed.weight[y] * phi).sum(1, keepdim=True)
    score, features = d.forward_with_features(x, y)
    torch.testing.assert_close(score, want, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(features, phi)
    # Two classes differ by (e_a - e_b)^T phi and nothing else.
    a, b = torch.full((5,), 2), torch.full((5,), 7)
    diff = ((d.embed.weight[2] - d.embed.weight[7]) * phi).sum(1, keepdim=True)
    torch.testing.assert_close(d(x, a) - d(x, b), diff, rtol=1e-4, atol=1e-5)


# --- truncation on N(0, 1) -------------------------------------------------------------------------
@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0])
def test_truncation_keeps_every_component_inside_and_the_inside_ones_untouched(threshold):
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(2000, 8, generator=gen)
    t = truncate(z, threshold, gen=gen, dist="normal")
    assert float(t.abs().max()) <= threshold
    inside = z.abs() <= threshold
    assert torch.equal(t[inside], z[inside])
    assert not torch.equal(t, z)


def test_a_threshold_above_the_tail_changes_nothing_and_draws_nothing():
    z = torch.randn(500, 8, generator=torch.Generator().manual_seed(1))
    gen = torch.Generator().manual_seed(2)
    state = gen.get_state()
    assert torch.equal(truncate(z, float(z.abs().max()) + 1e-3, gen=gen, dist="normal"), z)
    assert torch.equal(gen.get_state(), state)


def test_redraws_follow_the_truncated_normal():
    # Var of N(0, 1) truncated to [-1, 1] is 1 - 2 phi(1) / (2 Phi(1) - 1) = 0.2911; redrawing from
    # U[-1, 1] would give 1/3.
    gen = torch.Generator().manual_seed(0)
    t = truncate(torch.randn(200_000, generator=gen), 1.0, gen=gen, dist="normal")
    phi1 = math.exp(-0.5) / math.sqrt(2 * math.pi)
    want = 1 - 2 * phi1 / math.erf(1 / math.sqrt(2))
    assert float(t.var()) == pytest.approx(want, abs=0.004)


# --- the one Trainer, class-conditional ------------------------------------------------------------
def test_real_labels_come_with_their_images_and_fake_labels_are_uniform():
    t = _tiny()
    state = t.gen.get_state()
    x, y = t._real_labelled(64)
    t.gen.set_state(state)  # the same draw again, by hand: image i of the data and its own label
    idx = torch.randint(0, len(t.pool), (64,), generator=t.gen)
    digits = load_images("digits", 16)
    assert torch.equal(x, digits.images[idx]) and torch.equal(y, digits.labels[idx])
    _, y_fake = t._fake_input(20_000)
    counts = torch.bincount(y_fake, minlength=10)
    assert len(counts) == 10 and int(counts.min()) > 1800 and int(counts.max()) < 2200


def test_an_unconditional_run_draws_no_labels():
    t = Trainer(TrainConfig(**{**TINY, "arch": "dcgan"}))
    before = t.gen.get_state()
    z, y = t._fake_input(8)
    t.gen.set_state(before)
    assert y is None and torch.equal(z, t._latent(8))  # the same draws as before conditioning existed
    with pytest.raises(ValueError, match="unconditional"):
        t.sample(4, y=3)


def test_a_conditional_run_trains_reproducibly_and_samples_the_classes_asked_for(tmp_path):
    a, b = _tiny(), _tiny()
    a.train(3)
    b.train(3)
    assert a.last == b.last and math.isfinite(a.last["d_loss"])
    y = a.classes(12)
    assert y.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]  # every class in turn, nothing drawn
    z = torch.randn(3, 6)
    assert torch.equal(a.sample(z=z, y=4), a.sample(z=z, y=torch.tensor([4, 4, 4])))
    assert not torch.allclose(a.sample(z=z, y=4), a.sample(z=z, y=5))
    with pytest.raises(ValueError, match="from 0 to 9"):
        a.sample(z=z, y=10)
    back = from_bytes(to_bytes(a), limits=None)
    assert torch.equal(back.sample(z=z, y=[1, 2, 3]), a.sample(z=z, y=[1, 2, 3]))


def test_biggan_needs_labels_and_a_score_discriminator():
    digits = load_images("digits", 16)
    with pytest.raises(ValueError, match="needs labelled images"):
        Trainer(TrainConfig(**TINY), data=ImageSet(digits.images, None, "a folder"))
    with pytest.raises(ValueError, match="score discriminator"):
        TrainConfig(**{**TINY, "objective": "ebgan"}).validate()


# --- the shipped checkpoint and the command ------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    return load(SHIPPED), load_classifier(classifier_path())


def test_the_shipped_biggan_draws_the_class_asked_for_and_trades_variety_for_fidelity(shipped):
    # checkpoints/README.md's claims, on 300 samples: class agreement >= 0.9 at threshold 1 at every
    # class; from threshold 2 to 0.5 precision rises and recall falls.
    trainer, classifier = shipped
    t2, t1, t05 = truncation_report(trainer, classifier, [2.0, 1.0, 0.5], n=300)["thresholds"]
    assert t1["class_agreement"] >= 0.9 and min(t1["class_agreement_by_class"]) >= 0.9
    assert t2["classes_present"] == t1["classes_present"] == t05["classes_present"] == 10
    assert t05["precision"] > t2["precision"] and t05["recall"] < t2["recall"] - 0.5


def test_truncation_command_prints_each_threshold(capsys):
    assert main(["truncation", "--checkpoint", str(SHIPPED), "--class", "3", "--thresholds", "0.5,2",
                 "--samples", "60", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["threshold"] for r in out["thresholds"]] == [0.5, 2.0] and out["class"] == 3
    for r in out["thresholds"]:
        assert {"precision", "recall", "mean_confidence", "class_agreement"} <= set(r)
        assert 0 <= r["precision"] <= 1 and r["class_agreement"] >= 0.8
    assert out["reference"].endswith("of class 3")


@pytest.mark.parametrize("args, says", [
    (["--thresholds", "0,1"], "every threshold must be a finite number > 0"),
    (["--thresholds", "a"], "expected thresholds like"),
    (["--class", "12"], "--class 12 is not one of the run's classes"),
    (["--samples", "5"], "--samples must be more than 5"),
])
def test_bad_input_exits_2_with_one_line(args, says, capsys):
    with pytest.raises(SystemExit) as e:
        rc = main(["truncation", "--checkpoint", str(SHIPPED), *args])
        raise SystemExit(rc)
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2 and len(err.splitlines()) == 1 and says in err


def test_an_unconditional_checkpoint_takes_no_class_and_a_missing_one_is_named(tmp_path, capsys):
    t = Trainer(TrainConfig(**{**TINY, "arch": "dcgan"}))
    path = save(t, tmp_path / "dcgan")
    assert main(["truncation", "--checkpoint", str(path), "--class", "1"]) == 2
    assert main(["truncation", "--checkpoint", str(tmp_path / "none.safetensors")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "unconditional" in err[0] and "no checkpoint at" in err[1]
