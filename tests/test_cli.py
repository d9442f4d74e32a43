import json
import subprocess
import sys

import pytest

from ganviz.__main__ import main
from tests.conftest import ROOT, run_main


def ganviz(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "ganviz", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def test_train_json_is_the_last_line_with_the_required_keys(tmp_path):
    r = ganviz("train", "--dataset", "ring8", "--steps", "60", "--seed", "1", "--json", "--out", str(tmp_path / "m"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    for key in ("dataset", "objective", "steps", "seconds", "steps_per_second", "modes_captured", "hq_fraction", "w1"):
        assert key in out
    assert out["steps"] == 60 and out["dataset"] == "ring8" and 0 <= out["hq_fraction"] <= 1
    assert "60/60" in r.stderr  # the progress bar
    recipe = json.loads((tmp_path / "m.json").read_text())
    assert recipe["command"].startswith("python -m ganviz train --dataset ring8")


def test_help_lists_datasets_and_objectives():
    r = ganviz("train", "--help")
    assert r.returncode == 0
    for name in ("ring8", "grid25", "swiss_roll", "parallel_lines", "wgan-gp", "began", "ebgan", "fgan"):
        assert name in r.stdout


@pytest.mark.parametrize("args,allowed", [
    (["--dataset", "ring9"], "ring8"),
    (["--dataset", "ring8", "--objective", "wgan-ggp"], "wgan-gp"),
    (["--dataset", "ring8", "--steps", "-3"], "whole number"),
    (["--dataset", "ring8", "--set", "lr_g=nan"], "finite"),
    (["--dataset", "ring8", "--set", "batch=0"], "batch"),
    (["--dataset", "ring8", "--set", "colour=red"], "unknown config keys"),
    (["--dataset", "ring8", "--set", "r1_gamma=-1"], "r1_gamma must lie in [0, inf), got -1"),  # a regulariser, flat
    (["--dataset", "ring8", "--set", "feature_matching=2"], "feature_matching must be of type bool"),
])
def test_bad_values_exit_2_with_one_line(args, allowed, capsys):
    # In this process (a fresh one per case cost 4-5 s of importing torch); test_modes_prints_the_protocol_row
    # checks a real process's exit status 2.
    try:
        code = main(["train", *args] + ([] if "--steps" in args else ["--steps", "5"]))
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and allowed in lines[0]


def test_default_recipe_covers_ring8(capsys):
    """The default recipe, seed 0: 8/8 modes with >= 50% HQ in 1,500 steps (its lr anneals over the
    run's own length; the 5,000-step run of the issues' must-show is measured in the closing notes)."""
    code, out, err = run_main(capsys, "train", "--dataset", "ring8", "--steps", "1500", "--seed", "0", "--json",
                              "--quiet")
    assert code == 0, err
    out = json.loads(out.strip().splitlines()[-1])
    assert out["modes_captured"] == 8 and out["hq_fraction"] >= 0.5


def test_modes_prints_the_protocol_row(capsys):
    code, out, err = run_main(capsys, "modes", "--dataset", "grid25", "--trials", "2", "--steps", "30", "--json",
                              "--quiet")
    assert code == 0, err
    out = json.loads(out.strip().splitlines()[-1])
    for key in ("modes_mean", "modes_se", "hq_mean", "hq_se", "kl_mean", "trials", "steps", "seconds"):
        assert key in out
    modes = [t["modes"] for t in out["per_trial"]]
    assert out["trials"] == 2 == len(modes) and out["modes_mean"] == sum(modes) / 2
    assert out["modes_se"] == abs(modes[0] - modes[1]) / 2  # s / sqrt(2) for two values
    assert run_main(capsys, "modes", "--dataset", "ring8", "--trials", "0")[0] == 2
