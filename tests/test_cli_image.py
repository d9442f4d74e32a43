"""``python -m ganviz image``: every objective on digits from the command line, stopping at the
first of its step and time limits, with the classifier's verdict; bad values exit 2 in one line."""

import json
import subprocess
import sys

import pytest

from ganviz.training.checkpoint import load


def _run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "ganviz", "image", "--quiet", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_a_short_run_reports_its_steps_speed_and_verdict_and_saves_a_checkpoint(tmp_path):
    out = _run("--steps", "10", "--set", "batch=16", "--json", "--out", str(tmp_path / "run"))
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout.strip().splitlines()[-1])
    assert s["steps"] == 10 and s["objective"] == "nsgan" and s["steps_per_second"] > 0
    assert 0 <= s["quality"] <= 1 and 1 <= s["classes_present"] <= 10
    assert all(0 <= s[k] <= 1 for k in ("precision", "recall", "coverage"))
    assert s["digit_fid"] > s["digit_fid_real_floor"] > 0  # 10 steps are far from the real digits
    t = load(s["checkpoint"])
    assert t.step_count == 10 and tuple(t.sample(2).shape) == (2, 1, 16, 16)
    recipe = json.loads((tmp_path / "run.json").read_text())
    assert recipe["command"].startswith("python -m ganviz image --steps 10 --seed 0")


def test_it_stops_at_the_time_limit_before_the_step_limit():
    from ganviz.cli.common import train_until
    from ganviz.training import TrainConfig, Trainer

    t = Trainer(TrainConfig(dataset="digits", g_width=8, d_width=8, latent_dim=8, batch=16, eval_samples=32))
    seen = []
    train_until(t, 100_000, 0.5, lambda done, total: seen.append(done), chunk=5)
    assert 0 < t.step_count < 100_000 and seen[-1] == t.step_count and t.train_seconds < 5
    train_until(t, 7, None, lambda done, total: None, chunk=5)  # no time limit: exactly the steps asked
    assert t.step_count == seen[-1] + 7


@pytest.mark.parametrize("args,names", [
    (("--objective", "nope"), "nsgan"),
    (("--size", "20"), "16, 32"),
    (("--arch", "began"), "energy objective"),
    (("--set", "gp_lambda=5"), "gp_lambda is a setting of wgan-gp"),
])
def test_bad_values_exit_2_with_one_line_naming_what_is_allowed(args, names, capsys):
    from ganviz.__main__ import main

    try:
        code = main(["image", "--quiet", *args, "--steps", "1"])
    except SystemExit as e:  # argparse's refusals
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and names in err and len(err.strip().splitlines()) == 1, err
