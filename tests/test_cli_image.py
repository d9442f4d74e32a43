"""``python -m ganviz image``: every objective on digits, stacked digits or a folder from the command
line, stopping at the first of its step and time limits, with the verdict that fits the data; bad
values exit 2 in one line."""

import json
import math
import shlex

import numpy as np
import pytest
from PIL import Image

from ganviz.__main__ import build_parser, main
from ganviz.training.checkpoint import load
from tests.conftest import run_main

TINY = ["--set", "batch=16", "--set", "g_width=8", "--set", "d_width=8", "--set", "latent_dim=8"]


def _image(args, capsys) -> tuple[int, dict]:
    """Run ``image`` in-process: (exit status, the JSON summary)."""
    code = main(["image", "--quiet", *args, "--json"])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _pngs(folder, n, mode="L"):
    """n PNGs of one bright disc each, at random places and radii (20 x 20 px)."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    y, x = np.ogrid[:20, :20]
    for i in range(n):
        r, (cy, cx) = rng.integers(3, 8), rng.integers(8, 12, 2)
        disc = (((y - cy) ** 2 + (x - cx) ** 2) < r * r).astype(np.uint8) * 255
        Image.fromarray(disc).convert(mode).save(folder / f"{i}.png")
    return folder


def test_a_short_run_reports_its_steps_speed_and_verdict_and_saves_a_checkpoint(tmp_path, capsys):
    code, s = _image(["--steps", "10", *TINY, "--samples", "100", "--out", str(tmp_path / "run")], capsys)
    assert code == 0 and s["steps"] == 10 and s["objective"] == "nsgan" and s["steps_per_second"] > 0
    assert 0 <= s["quality"] <= 1 and 1 <= s["classes_present"] <= 10
    assert all(0 <= s[k] <= 1 for k in ("precision", "recall", "coverage"))
    assert s["digit_fid"] > s["digit_fid_real_floor"] > 0  # 10 steps are far from the real digits
    t = load(s["checkpoint"])
    assert t.step_count == 10 and tuple(t.sample(2).shape) == (2, 1, 16, 16)
    recipe = json.loads((tmp_path / "run.json").read_text())
    assert recipe["command"].startswith("python -m ganviz image --steps 10 --seed 0")


def test_a_folder_path_trains_is_judged_against_its_own_images_and_its_command_gives_the_same_config(
        tmp_path, capsys, monkeypatch):
    from ganviz.cli.image import config_for

    _pngs(tmp_path / "discs", 24)
    monkeypatch.chdir(tmp_path)  # a relative path: the recorded command must hold where it is
    code, s = _image(["--data", "discs", "--steps", "3", *TINY, "--set", "spectral_norm=true",
                      "--out", str(tmp_path / "run")], capsys)
    assert code == 0 and s["data"] == "folder" and s["source"] == str((tmp_path / "discs").resolve()) and s["channels"] == 1
    assert s["steps"] == 3 and "quality" not in s  # no labels: no class measures
    assert s["samples"] == 12 and s["judged_against"].startswith("12 of the folder's images")  # 24 images: halves of 12
    assert s["digit_fid"] > s["digit_fid_real_floor"] > 0 and all(0 <= s[k] <= 1 for k in ("precision", "recall"))
    t = load(s["checkpoint"])
    assert t.step_count == 3 and tuple(t.sample(2).shape) == (2, 1, 16, 16)

    command = json.loads((tmp_path / "run.json").read_text())["command"]
    monkeypatch.chdir("/")
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "ganviz"] and "--steps" in words
    again = config_for(build_parser().parse_args(words[3:]))
    assert again.resolved() == t.config and again.spectral_norm is True


def test_a_colour_folder_trains_three_channels_and_says_in_one_line_why_it_is_not_judged(tmp_path, capsys):
    folder = _pngs(tmp_path / "colour", 4, "RGB")
    code, s = _image(["--data", str(folder), "--channels", "3", "--steps", "2", *TINY, "--out",
                      str(tmp_path / "run")], capsys)
    assert code == 0 and s["channels"] == 3 and "digit_fid" not in s
    assert "grey" in s["not_judged"] and "\n" not in s["not_judged"]
    assert tuple(load(s["checkpoint"]).sample(2).shape) == (2, 3, 16, 16)
    assert "--channels 3" in json.loads((tmp_path / "run.json").read_text())["command"]


def test_stacked_digits_report_modes_of_1000_and_kl_not_the_digit_measures(capsys):
    from ganviz.metrics.stacked import perfect

    code, s = _image(["--data", "stacked", "--steps", "3", "--samples", "200", *TINY], capsys)
    assert code == 0 and s["data"] == "stacked" and s["samples"] == 200 and "quality" not in s
    a, b, c = s["channel_classes"]
    assert 1 <= s["modes"] <= min(200, a * b * c)  # a mode is a triple of the classes each channel shows
    assert 0 <= s["kl"] <= math.log(1000) and s["perfect"] == perfect(200)
    assert s["kl"] > s["perfect"]["kl"]  # 3 steps are far from uniform over the modes


def test_the_objective_help_names_what_each_arch_trains_without_objective(capsys):
    from ganviz.cli.image import config_for
    from ganviz.nets.factory import ARCHS

    with pytest.raises(SystemExit):
        main(["image", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for arch in ARCHS:
        try:
            objective = config_for(build_parser().parse_args(["image", "--arch", arch])).objective
        except ValueError:  # this arch has no default: the help names what it needs
            assert f"--arch {arch} needs one of" in help_text
        else:
            assert f"{objective} with --arch {arch}" in help_text
    with pytest.raises(SystemExit):
        main(["stacked", "--help"])
    assert "(default: nsgan)" in " ".join(capsys.readouterr().out.split())


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
    (("--data", "/no/such/folder"), "no such folder; give digits or stacked, or a folder"),
    (("--data", __file__), "a file, not a folder"),
    (("--data", "digits", "--channels", "3"), "--channels is a folder's"),
    (("--channels", "2"), "1, 3"),
    (("--samples", "3"), "6 to 898 samples"),
    (("--set", "source=x"), "use --data"),
])
def test_bad_values_exit_2_with_one_line_naming_what_is_allowed(args, names, capsys):
    code, _, err = run_main(capsys, "image", "--quiet", *args, "--steps", "1")
    assert code == 2 and names in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("files,names", [
    ({}, "no images in"),
    ({"a.png": b"not a png"}, "could be read"),
])
def test_a_folder_without_readable_images_exits_2_with_one_line(tmp_path, files, names, capsys):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    code = main(["image", "--quiet", "--data", str(tmp_path), "--steps", "1"])
    err = capsys.readouterr().err
    assert code == 2 and names in err and len(err.strip().splitlines()) == 1, err
