"""SAGAN (Zhang et al. 2019): the self-attention block against its formula, the SAGAN pair in the one
Trainer, and ``python -m ganviz attention`` on a checkpoint."""

import json

import pytest
import torch

from ganviz.__main__ import main
from ganviz.metrics.attention import LayerMaps, attention_report, gamma_curves, local_map, uniform_map
from ganviz.nets.attention import SelfAttention, attention_layers, keeping_maps, kl_from_uniform, query_map
from ganviz.nets.sagan import SaganD, SaganG
from ganviz.training.checkpoint import save
from ganviz.training.config import TrainConfig
from ganviz.training.trainer import Trainer

TINY = dict(dataset="digits", arch="sagan", objective="hinge", g_width=8, d_width=8, latent_dim=8, batch=16,
            eval_samples=32, eval_every=10**6)


def _block(channels=16, gamma=0.0, seed=0):
    torch.manual_seed(seed)
    block = SelfAttention(channels)
    with torch.no_grad():
        block.gamma.fill_(gamma)
    return block


def _by_the_formula(block, x):
    """y_j = gamma W_v sum_i beta_{j,i} h(x_i) + x_j, beta_{j,i} = softmax_i(f(x_i)^T g(x_j)), one
    position at a time (the paper's Sec. 3, written out with loops)."""
    n, c, height, width = x.shape
    w = {k: getattr(block, k).weight.flatten(1) for k in "fghv"}  # 1x1 convs as matrices
    y = x.clone()
    for b in range(n):
        cols = x[b].flatten(1).T  # (HW, C): x_i is row i
        f, g, h = cols @ w["f"].T, cols @ w["g"].T, cols @ w["h"].T
        for j in range(height * width):
            s = f @ g[j]  # s[i] = f(x_i)^T g(x_j)
            beta = torch.exp(s - s.max()) / torch.exp(s - s.max()).sum()
            o = w["v"] @ (beta[:, None] * h).sum(0)
            y[b, :, j // width, j % width] += block.gamma * o
    return y


def test_gamma_zero_is_the_identity_and_otherwise_the_formula():
    x = torch.randn(2, 16, 4, 4)
    assert torch.equal(_block(gamma=0.0)(x), x)
    block = _block(gamma=0.7)
    y = block(x)
    assert not torch.allclose(y, x)
    torch.testing.assert_close(y, _by_the_formula(block, x), rtol=1e-4, atol=1e-5)


def test_each_query_row_is_a_softmax_over_positions():
    block = _block(gamma=0.5)
    x = torch.randn(3, 16, 4, 4)
    block(x)
    assert block.last_map is None  # nothing kept while training
    with keeping_maps(block):
        block(x)
    beta = block.last_map
    assert tuple(beta.shape) == (3, 16, 16) and not beta.requires_grad and not block.keep_map
    torch.testing.assert_close(beta.sum(-1), torch.ones(3, 16))  # rows: one query's weights
    assert (beta.sum(1) - 1).abs().max() > 0.1  # columns need not (softmax over the wrong axis fails above)
    # row j is query j: the softmax of g(x_j) against every f(x_i)
    cols = x[1].flatten(1).T
    j = 5
    s = (cols @ block.f.weight.flatten(1).T) @ (block.g.weight.flatten(1) @ cols[j])
    torch.testing.assert_close(beta[1, j], torch.softmax(s, 0))
    cell, m = query_map(block, 5, 9, 16, image=1)  # pixel (5, 9) of a 16 px image on a 4 x 4 map: cell (1, 2)
    assert cell == (1, 2) and torch.equal(m.flatten(), beta[1, 6])


def test_the_gradient_reaches_gamma_first():
    block = _block(gamma=0.0)
    x, target = torch.randn(2, 16, 4, 4), torch.randn(2, 16, 4, 4)
    (block(x) * target).sum().backward()
    # dL/dgamma = sum o * target with o the attention's output; f, g, h, v get nothing while gamma = 0
    with torch.no_grad():
        block.gamma.fill_(1.0)
        o = block(x) - x
    torch.testing.assert_close(block.gamma.grad, (o * target).sum())
    assert block.gamma.grad.abs() > 0 and block.f.weight.grad.abs().max() == 0


def test_kl_from_uniform():
    p = torch.tensor([[0.25] * 4, [1.0, 0, 0, 0], [0.5, 0.5, 0, 0]])
    torch.testing.assert_close(kl_from_uniform(p), torch.tensor([1.0, 4.0, 2.0]).log())


@pytest.mark.parametrize("size,channels", [(16, 1), (32, 3)])
def test_the_sagan_pair_attends_at_8x8_with_spectral_norm(size, channels):
    g, d = SaganG(8, 8, size, channels), SaganD(8, size, channels, spectral_norm=True, minibatch_kernels=2)
    with keeping_maps(g, d) as blocks:
        x = g(torch.randn(4, 8))
        score = d(x)
    assert tuple(x.shape) == (4, channels, size, size) and tuple(score.shape) == (4, 1)
    assert [b.last_shape for b in blocks] == [(8, 8), (8, 8)]
    d.eval()  # no power step between the two calls
    torch.testing.assert_close(d.per_sample(x), d(x))  # minibatch discrimination's per-sample scores
    with torch.no_grad():  # one power step per training forward: a few, so that sigma_0 has converged
        for _ in range(30):
            g(torch.randn(4, 8))
    g.eval()
    for m in g.modules():  # every weight of G spectrally normalised
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
            assert torch.linalg.matrix_norm(m.weight.flatten(1), 2).item() == pytest.approx(1.0, abs=0.02)


def test_a_sagan_trains_in_the_trainer_with_hinge_and_gamma_moves():
    t = Trainer(TrainConfig(**TINY))
    assert (type(t.G).__name__, type(t.D).__name__) == ("SaganG", "SaganD")
    t.train(3)
    assert all(torch.isfinite(torch.tensor(v)) for v in t.last.values())
    gammas = {name: b.gamma.item() for name, b in attention_layers(t.G, "G.") + attention_layers(t.D, "D.")}
    assert set(gammas) == {"G.ups.attention", "D.trunk.attention"} and all(v != 0 for v in gammas.values())
    assert all(b.last_map is None for _, b in attention_layers(t.G) + attention_layers(t.D))
    # looking at a live run changes nothing: weights, spectral norm's vectors, batch norm's statistics, modes
    before = {k: v.clone() for net in (t.G, t.D) for k, v in net.state_dict().items()}
    report = attention_report(t, "fake", 0, 3, 3)
    after = {k: v for net in (t.G, t.D) for k, v in net.state_dict().items()}
    assert [layer["name"] for layer in report["layers"]] == ["G.ups.attention", "D.trunk.attention"]
    assert all(torch.equal(before[k], after[k]) for k in before) and t.G.training and t.D.training


def test_gamma_curves_follow_the_trainers_history_from_0():
    t = Trainer(TrainConfig(**TINY, log_every=1))
    assert t.history.rows == [] and gamma_curves(t.history.rows) == {}
    t.train(3)
    curves = gamma_curves(t.history.rows)
    assert list(curves) == ["G.ups.attention", "D.trunk.attention"]
    for name, block in attention_layers(t.G, "G.") + attention_layers(t.D, "D."):
        steps, values = curves[name]
        assert steps == [0, 1, 2, 3] and values[0] == 0.0 and values[-1] == block.gamma.item() != 0
        assert len(set(values)) == 4  # a value per logged step, not the final one repeated


def _layer(maps, stroke, size=8):
    """A 4 x 4 attention layer of one ``size`` px image (2 px a cell) with the given maps and stroke."""
    return LayerMaps("G.a", 0.1, (4, 4), size, maps[None], torch.tensor(stroke, dtype=torch.bool)[None])


def test_a_query_on_a_stroke_looking_at_its_far_end_is_long_range():
    # an L-shaped stroke down column 0 and along row 3, and a lone cell at (0, 3); the query at the
    # stroke's top (0, 0) looks only at the stroke's far end (3, 3), every other query is local
    stroke = [1, 0, 0, 1,
              1, 0, 0, 0,
              1, 0, 0, 0,
              1, 1, 1, 1]
    maps = local_map(4, 4).clone()
    maps[0] = 0
    maps[0, 15] = 1.0
    layer = _layer(maps, stroke)
    q = layer.query(1, 0)  # pixel (1, 0) is cell (0, 0)
    assert q["distance_px"] == pytest.approx(2 * 3 * 2**0.5)  # the opposite corner, 3 cells down and across
    assert q["uniform_px"] == pytest.approx(float(torch.cdist(torch.zeros(1, 2), _grid()).mean() * 2))
    assert q["local_px"] == pytest.approx((2 + 2 + 2 * 2**0.5) / 4)
    # its own stroke is the L (7 cells), not the lone cell; over 4 px away: row 3 ((2, 0) is 4 px)
    assert q["far_stroke"] == 1.0 and q["far_stroke_share"] == 4 / 16
    assert layer.query(0, 7)["far_stroke"] == 0 and layer.query(0, 7)["far_stroke_share"] == 0  # the lone cell
    far = layer.farthest()
    assert (far["queries"], far["image"], far["cell"], far["pixel"]) == (8, 0, (0, 0), (0, 0))
    assert far["ratio"] == pytest.approx(q["distance_px"] / q["uniform_px"]) and far["beyond_uniform"] == 1 / 8
    # a uniform layer: nothing looks beyond a uniform map, every ratio is 1
    flat = _layer(uniform_map(4, 4), stroke).farthest()
    assert flat["beyond_uniform"] == 0 and flat["ratio"] == pytest.approx(1.0)


def _grid():
    rows, cols = torch.meshgrid(torch.arange(4.0), torch.arange(4.0), indexing="ij")
    return torch.stack([rows.flatten(), cols.flatten()], 1)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    t = Trainer(TrainConfig(**TINY, g_ema=0.9))
    t.train(2)
    return t, save(t, tmp_path_factory.mktemp("sagan") / "tiny")


def test_the_attention_command_prints_each_layers_gamma_and_map(checkpoint, capsys):
    t, path = checkpoint
    assert main(["attention", "--checkpoint", str(path), "--query", "5,9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    layers = {layer["name"]: layer for layer in out["layers"]}
    assert list(layers) == ["G_ema.ups.attention", "D.trunk.attention"]
    assert layers["D.trunk.attention"]["gamma"] == t.D.trunk.attention.gamma.item()
    assert layers["G_ema.ups.attention"]["gamma"] == t.G_ema.ups.attention.gamma.item()
    for layer in layers.values():
        m = torch.tensor(layer["map"])
        assert tuple(m.shape) == (8, 8) and layer["query"] == [2, 4]
        assert float(m.sum()) == pytest.approx(1.0, abs=1e-5)
        assert layer["kl_from_uniform"] == pytest.approx(float(kl_from_uniform(m.flatten())), abs=1e-5)
    # the fake image is the run's first evaluation sample: D's map of it, recomputed here
    t.G_ema.eval()
    t.D.eval()
    with torch.no_grad(), keeping_maps(t.D):
        t.D(t.G_ema(t.eval_z[:1]))
    want = query_map(t.D.trunk.attention, 5, 9, 16)[1]
    torch.testing.assert_close(torch.tensor(layers["D.trunk.attention"]["map"]), want)
    assert main(["attention", "--checkpoint", str(path), "--query", "0,0", "--image", "real", "--index", "3"]) == 0
    text = capsys.readouterr().out
    assert "D.trunk.attention" in text and "G_ema" not in text.split("\n", 1)[1]


@pytest.mark.parametrize("args,message", [
    (["--query", "16,0"], "outside the 16x16 image"),
    (["--query", "1,1", "--index", "32"], "not one of the run's 32 fake images"),
])
def test_the_attention_command_refuses_a_bad_query(checkpoint, capsys, args, message):
    assert main(["attention", "--checkpoint", str(checkpoint[1]), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_the_attention_command_refuses_a_missing_file_and_a_dcgan(tmp_path, capsys):
    assert main(["attention", "--checkpoint", str(tmp_path / "none.safetensors"), "--query", "1,1"]) == 2
    assert "no checkpoint at" in capsys.readouterr().err
    t = Trainer(TrainConfig(**{**TINY, "arch": "dcgan"}))
    path = save(t, tmp_path / "dcgan")
    assert main(["attention", "--checkpoint", str(path), "--query", "1,1"]) == 2
    err = capsys.readouterr().err
    assert "no attention layers (arch dcgan)" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as e:
        main(["attention", "--checkpoint", str(path), "--query", "1"])
    assert e.value.code == 2 and "expected ROW,COL" in capsys.readouterr().err
