import json
import math
import subprocess
import sys
import types

import pytest

from tests.conftest import ROOT


def ganviz(*args):
    """The command as a user runs it, in a fresh interpreter (slow: used once)."""
    return subprocess.run([sys.executable, "-m", "ganviz", "divergence", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def in_process(capsys, *args):
    """The same command through ganviz.__main__.main in this interpreter: (status, stdout, stderr)."""
    from ganviz.__main__ import main

    try:
        code = main(["divergence", *args])
    except SystemExit as e:  # argparse errors
        code = e.code
    out = capsys.readouterr()
    return types.SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)


def last_json(r):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_parallel_lines_json_has_the_papers_values():
    out = last_json(ganviz("--example", "parallel-lines", "--theta", "0.7", "--json"))
    assert out["js"] == pytest.approx(math.log(2)) and out["tv"] == 1.0 and out["w1"] == pytest.approx(0.7)
    assert out["kl_pq"] == math.inf and out["kl_qp"] == math.inf  # printed as Infinity
    assert out["estimate"]["w1"] == pytest.approx(0.7, abs=0.03) and out["estimate"]["js"] == pytest.approx(math.log(2))
    assert set(out["noise_floor"]) == {"js", "kl_pq", "kl_qp", "tv", "w1"}


def test_gaussians_json_matches_closed_forms(capsys):
    out = last_json(in_process(capsys, "--example", "gaussians", "--shift", "2", "--scale", "0.5", "--json", "--n", "300"))
    # KL(N(0,1) || N(2, 0.25)) = log 0.5 + (1 + 4) / 0.5 - 1/2; KL the other way = -log 0.5 + (0.25 + 4) / 2 - 1/2
    assert out["kl_pq"] == pytest.approx(math.log(0.5) + 10 - 0.5, abs=1e-3)
    assert out["kl_qp"] == pytest.approx(-math.log(0.5) + 2.125 - 0.5, abs=1e-3)
    assert out["w1"] == pytest.approx(2.0, abs=1e-3) and out["estimate"]["w1"] == pytest.approx(2.0, abs=0.2)
    assert out["n"] == 300 and out["shift"] == 2 and out["scale"] == 0.5


def test_plain_output_is_a_table(capsys):
    r = in_process(capsys, "--example", "gaussians", "--shift", "0")
    assert r.returncode == 0 and "w1" in r.stdout and "estimate" in r.stdout


@pytest.mark.parametrize("args,allowed", [
    (["--example", "lines"], "parallel-lines"),
    (["--example", "gaussians", "--scale", "0"], "positive"),
    (["--example", "gaussians", "--shift", "inf"], "finite"),
    (["--example", "gaussians", "--n", "1"], "at least 2"),
])
def test_bad_values_exit_2_with_one_line(capsys, args, allowed):
    r = in_process(capsys, *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and allowed in lines[0]
