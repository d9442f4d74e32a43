import json

import pytest
import torch

from ganviz.__main__ import main


def _run(capsys, *args):
    """Run the command line in this process (no new interpreter: fast on CI); (status, stdout, stderr)."""
    try:
        status = main(list(args))
    except SystemExit as e:  # argparse's own errors
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


TINY_SETS = ["--set", "latent_dim=4", "--set", "ae_code=4", "--set", "g_width=4", "--set", "d_width=4"]


def test_began_trains_saves_and_records_its_command(tmp_path, capsys):
    out = tmp_path / "began_gamma0.4"
    status, stdout, err = _run(capsys, "began", "--gamma", "0.4", "--steps", "3", *TINY_SETS,
                               "--set", "log_every=1", "--samples", "50", "--out", str(out), "--json", "--quiet")
    assert status == 0, err
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["steps"] == 3 and 0 <= summary["k_t"] <= 1 and "quality" in summary
    recipe = json.loads((tmp_path / "began_gamma0.4.json").read_text())
    assert recipe["command"] == f"python -m ganviz began --gamma 0.4 --steps 3 --set latent_dim=4 --set g_width=4 --set d_width=4 --set ae_code=4 --set log_every=1 --out {out}"


@pytest.mark.parametrize("args, words", [(["--gamma", "1.5"], "began_gamma must lie in"),
                                         (["--data", "/no/such/folder"], "no such folder"),
                                         (["--set", "gama=0.5"], "unknown config keys: gama"),
                                         (["--steps", "0"], "expected a whole number >= 1")])
def test_began_bad_input_exits_2_with_one_line(capsys, args, words):
    status, _, err = _run(capsys, "began", *(["--steps", "1"] if "--steps" not in args else []), *args)
    assert status == 2 and words in err and len(err.strip().splitlines()) == 1, err


def test_gamma_sweep_json_lists_the_shipped_gammas(capsys):
    status, stdout, err = _run(capsys, "gamma-sweep", "--json", "--samples", "200")
    assert status == 0, err
    rows = json.loads(stdout.strip().splitlines()[-1])
    assert [row["gamma"] for row in rows] == [0.3, 0.5, 0.7]
    for row in rows:
        assert {"gamma", "quality", "class_entropy", "pairwise_distance", "classes_present"} <= set(row)
        assert 0 <= row["quality"] <= 1 and 1 <= row["classes_present"] <= 10


def test_gamma_sweep_without_checkpoints_fails_clearly(tmp_path, capsys):
    status, _, err = _run(capsys, "gamma-sweep", "--checkpoints", str(tmp_path))
    assert status == 2 and "no began_gamma" in err
    (tmp_path / "began_gamma0.5.safetensors").write_bytes(b"\x80\x04 a pickle")
    status, _, err = _run(capsys, "gamma-sweep", "--checkpoints", str(tmp_path))
    assert status == 2 and "pickle" in err


def test_classifier_command(tmp_path, capsys):
    status, stdout, err = _run(capsys, "classifier", "--steps", "30", "--out", str(tmp_path / "clf"), "--json", "--quiet")
    assert status == 0, err
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert 0 <= summary["test_accuracy"] <= 1 and (tmp_path / "clf.safetensors").is_file()
    assert json.loads((tmp_path / "clf.json").read_text())["command"].startswith("python -m ganviz classifier --steps 30")
    assert _run(capsys, "classifier", "--size", "20")[0] == 2


def test_the_recorded_command_reproduces_the_weights(tmp_path, capsys):
    from safetensors.torch import load_file
    args = ["began", "--gamma", "0.3", "--steps", "4", *TINY_SETS, "--samples", "20", "--quiet"]
    for name in ("a", "b"):
        assert _run(capsys, *args, "--out", str(tmp_path / name))[0] == 0
    a, b = load_file(tmp_path / "a.safetensors"), load_file(tmp_path / "b.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
