import json
import pickle

import pytest
import torch
from safetensors.torch import save_file

from ganviz.__main__ import main
from ganviz.training import Trainer, TrainConfig
from ganviz.training.checkpoint import save


def _json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_spectra_of_a_ganviz_checkpoint_equal_svdvals(tmp_path, capsys):
    t = Trainer(TrainConfig(objective="hinge", spectral_norm=True, g_width=16, d_width=16, batch=32,
                            eval_every=10**6))
    t.train(5)
    path = save(t, tmp_path / "run")
    assert main(["spectra", "--checkpoint", str(path), "--json"]) == 0
    layers = _json(capsys)["layers"]
    sd = {f"G.{k}": v for k, v in t.G.state_dict().items()} | {f"D.{k}": v for k, v in t.D.state_dict().items()}
    matrices = {k: v for k, v in sd.items() if v.ndim >= 2}
    assert set(layers) == set(matrices)  # biases and SN's u, v vectors are skipped
    assert "D.body.2.parametrizations.weight.original" in layers
    for name, w in matrices.items():
        expect = torch.linalg.svdvals(w.reshape(w.shape[0], -1).float())
        got = torch.tensor(layers[name]["singular_values"])
        assert torch.allclose(got, expect, atol=1e-4), name
        assert torch.all(got[:-1] >= got[1:])  # largest first


def test_spectra_reads_any_safetensors_file_and_reshapes_convs(tmp_path, capsys):
    g = torch.Generator().manual_seed(0)
    conv = torch.randn(8, 3, 3, 3, generator=g)
    big = torch.randn(600, 600, generator=g)  # 360,000 entries: power iteration for sigma_0..2
    save_file({"conv.weight": conv, "conv.bias": torch.zeros(8), "big": big}, tmp_path / "foreign.safetensors")
    assert main(["spectra", "--checkpoint", str(tmp_path / "foreign.safetensors"), "--json"]) == 0
    layers = _json(capsys)["layers"]
    assert set(layers) == {"conv.weight", "big"}
    assert layers["conv.weight"]["shape"] == [8, 27] and len(layers["conv.weight"]["singular_values"]) == 8
    assert layers["big"]["method"] == "power_iteration" and len(layers["big"]["singular_values"]) == 3
    exact = torch.linalg.svdvals(big)[:3]
    assert torch.allclose(torch.tensor(layers["big"]["singular_values"]), exact, rtol=0.01)
    # Without --json: a readable table.
    assert main(["spectra", "--checkpoint", str(tmp_path / "foreign.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "conv.weight" in out and "8x27" in out


@pytest.mark.parametrize("make", ["missing", "truncated", "pickle", "text"])
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, make):
    path = tmp_path / "bad.safetensors"
    good = tmp_path / "good.safetensors"
    save_file({"w": torch.ones(3, 3)}, good)
    if make == "truncated":
        path.write_bytes(good.read_bytes()[:-10])
    elif make == "pickle":
        path.write_bytes(pickle.dumps({"w": [1, 2]}))
    elif make == "text":
        path.write_text("hello")
    assert main(["spectra", "--checkpoint", str(path), "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("python -m ganviz: error:") and "safetensors" in err[0]
