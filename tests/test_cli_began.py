import json
import subprocess
import sys

import torch

from tests.conftest import ROOT


def _run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "ganviz", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_began_trains_saves_and_records_its_command(tmp_path):
    out = tmp_path / "began_gamma0.4"
    r = _run("began", "--gamma", "0.4", "--steps", "3", "--set", "n=4", "--set", "h=4", "--set", "log_every=1",
             "--samples", "50", "--out", str(out), "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 3 and 0 <= summary["k_t"] <= 1 and "quality" in summary
    recipe = json.loads((tmp_path / "began_gamma0.4.json").read_text())
    assert recipe["command"] == f"python -m ganviz began --gamma 0.4 --steps 3 --set h=4 --set n=4 --set log_every=1 --out {out}"


def test_began_bad_input_exits_2_with_one_line(tmp_path):
    for args, words in ((["--gamma", "1.5"], "began_gamma must lie in"),
                        (["--data", str(tmp_path / "nope")], "no such folder"),
                        (["--set", "gama=0.5"], "unknown BEGAN setting")):
        r = _run("began", "--steps", "1", *args)
        assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_gamma_sweep_json_lists_the_shipped_gammas():
    r = _run("gamma-sweep", "--json", "--samples", "200")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout.strip().splitlines()[-1])
    assert [row["gamma"] for row in rows] == [0.3, 0.5, 0.7]
    for row in rows:
        assert {"gamma", "quality", "class_entropy", "pairwise_distance", "classes_present"} <= set(row)


def test_gamma_sweep_without_checkpoints_fails_clearly(tmp_path):
    r = _run("gamma-sweep", "--checkpoints", str(tmp_path))
    assert r.returncode == 2 and "no began_gamma" in r.stderr


def test_classifier_command(tmp_path):
    r = _run("classifier", "--steps", "30", "--out", str(tmp_path / "clf"), "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert 0 <= summary["test_accuracy"] <= 1 and (tmp_path / "clf.safetensors").is_file()
    assert _run("classifier", "--size", "20").returncode == 2


def test_the_recorded_command_reproduces_the_weights(tmp_path):
    from safetensors.torch import load_file
    args = ["began", "--gamma", "0.3", "--steps", "4", "--set", "n=4", "--set", "h=4", "--samples", "20", "--quiet"]
    for name in ("a", "b"):
        assert _run(*args, "--out", str(tmp_path / name)).returncode == 0
    a, b = load_file(tmp_path / "a.safetensors"), load_file(tmp_path / "b.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
