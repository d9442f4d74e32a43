"""Sweeps on Ray: the grid, the results table, failures recorded, and resuming after an interruption
or a killed worker without running a finished run again or writing a row twice."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganviz.training.sweep import ResultsTable, Run, SweepSpec, groups_of, prepare, train_group, train_run
from tests.conftest import ROOT

TINY = {"g_width": 16, "d_width": 16, "batch": 64, "eval_samples": 500}
# SGD at lr 10 blows up within a few steps at the default width (tests/test_trainer.py)
DIVERGING = {"optimizer": "sgd", "lr_g": 10.0, "lr_d": 10.0, "eval_every": 10, "objective": "nsgan", "batch": 64,
             "eval_samples": 500}


def _rows(folder) -> list[dict]:
    with open(Path(folder) / "results.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_the_grid_is_the_product_of_its_values_times_the_trials():
    spec = SweepSpec(dataset="ring8", steps=10, trials=3, set={"g_width": 16},
                     grid={"objective": ["nsgan", "hinge"], "lr_d": [1e-3, 2e-3]})
    runs = spec.runs()
    assert len(runs) == 12 and len({r.id for r in runs}) == 12
    assert {(r.changes["objective"], r.changes["lr_d"], r.seed) for r in runs} == {
        (o, lr, s) for o in ("nsgan", "hinge") for lr in (1e-3, 2e-3) for s in range(3)}
    assert all(r.changes["g_width"] == 16 for r in runs)
    # the id is what defines the run, not where it sits in the grid
    assert Run("ring8", 10, {"b": 1, "a": 2}, 0).id == Run("ring8", 10, {"a": 2, "b": 1}, 0).id


@pytest.mark.parametrize("d, message", [
    (dict(dataset="moon"), "unknown toy dataset 'moon'"),
    (dict(dataset="ring8", grid={"objective": ["nsgan", "nogan"]}), "is not a valid config"),
    (dict(dataset="ring8", grid={"lr_d": []}), "non-empty list"),
    (dict(dataset="ring8", set={"seed": 3}), "seed is set by the sweep"),
    (dict(dataset="ring8", trials=0), "trials must be a whole number >= 1"),
])
def test_a_bad_spec_is_refused_before_anything_runs(d, message):
    with pytest.raises(ValueError, match=message):
        SweepSpec(**d).validate()
    with pytest.raises(ValueError, match="unknown sweep key"):
        SweepSpec.from_dict({"dataset": "ring8", "trails": 2})


def test_spec_files_toml_and_json(tmp_path):
    (tmp_path / "s.toml").write_text('dataset = "ring8"\nsteps = 10\n[grid]\nobjective = ["nsgan", "lsgan"]\n')
    (tmp_path / "s.json").write_text(json.dumps({"dataset": "ring8", "steps": 10, "grid": {"objective": ["nsgan", "lsgan"]}}))
    a = SweepSpec.from_dict(SweepSpec.from_file(tmp_path / "s.toml"))
    b = SweepSpec.from_dict(SweepSpec.from_file(tmp_path / "s.json"))
    assert a == b and len(a.runs()) == 2
    (tmp_path / "bad.toml").write_text("dataset = ")
    with pytest.raises(ValueError, match="not valid TOML"):
        SweepSpec.from_file(tmp_path / "bad.toml")


def test_a_diverging_run_records_its_reason():
    row = train_run(Run("ring8", 200, DIVERGING, 0))
    assert row["status"] == "failed" and "diverged" in row["reason"]
    ok = train_run(Run("ring8", 5, TINY, 0))
    assert ok["status"] == "done" and ok["objective"] == "nsgan (best recipe)" and 0 <= ok["modes_captured"] <= 8
    assert train_run(Run("ring8", 5, {**TINY, "objective": "lsgan"}, 0))["objective"] == "lsgan"


def test_the_table_holds_each_run_once_and_a_folder_of_another_sweep_is_refused(tmp_path):
    spec = SweepSpec(dataset="ring8", steps=5, trials=2, set=TINY)
    todo, table = prepare(spec, tmp_path)
    assert len(todo) == 2
    table.add({"run_id": todo[0].id, "status": "done", "w1": 0.5})
    table.add({"run_id": todo[0].id, "status": "done", "w1": 0.4})  # written again: replaced, not added
    assert [r["w1"] for r in _rows(tmp_path)] == ["0.4"]
    assert [r.id for r in prepare(spec, tmp_path)[0]] == [todo[1].id]  # resuming skips the finished run
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, renamed
    with pytest.raises(ValueError, match="holds the results of another sweep"):
        prepare(SweepSpec(dataset="ring8", steps=6, trials=2, set=TINY), tmp_path)
    assert ResultsTable(tmp_path).rows.keys() == {todo[0].id}


def test_more_trials_extend_a_sweep_and_keep_its_finished_seeds(tmp_path):
    spec = SweepSpec(dataset="ring8", steps=5, trials=2, set=TINY)
    todo, table = prepare(spec, tmp_path)
    table.add({"run_id": todo[0].id, "status": "done"})
    more, _ = prepare(SweepSpec(dataset="ring8", steps=5, trials=4, set=TINY), tmp_path)
    assert [r.seed for r in more] == [1, 2, 3]  # seed 0 is finished
    assert json.loads((tmp_path / "spec.json").read_text())["trials"] == 4
    with pytest.raises(ValueError, match="holds a sweep of 4 trials"):
        prepare(spec, tmp_path)


def _sweep_cmd(out, *extra, changes=TINY):
    return [sys.executable, "-m", "ganviz", "sweep", "--dataset", "ring8", "--out", str(out), "--max-parallel", "2",
            *[f"--set={k}={v}" for k, v in changes.items()], *extra]


def _wait_for(cond, timeout, what):
    deadline = time.time() + timeout
    while not cond():
        assert time.time() < deadline, what
        time.sleep(0.2)


def test_a_sweep_on_ray_interrupted_and_resumed_runs_each_run_once(tmp_path):
    """Ctrl-C after the first rows, then the same command: only the missing runs run."""
    out = tmp_path / "sweep"
    cmd = _sweep_cmd(out, "--grid", "objective=nsgan,lsgan,hinge", "--trials", "2", "--steps", "300")
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: (out / "results.csv").exists() or proc.poll() is not None, 240, "no row after 240 s")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    first = _rows(out)
    assert proc.returncode == 130 and "run the same command to resume" in err, err[-2000:]
    assert 1 <= len(first) < 6 and all(r["status"] == "done" for r in first)
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = _rows(out)
    assert len(rows) == 6 and len({r["run_id"] for r in rows}) == 6
    assert {(r["objective"], r["seed"]) for r in rows} == {(o, s) for o in ("nsgan", "lsgan", "hinge") for s in "01"}
    before = {r["run_id"]: r["seconds"] for r in first}
    assert all(r["seconds"] == before[r["run_id"]] for r in rows if r["run_id"] in before)  # not run again
    assert "runs 6/6" in done.stderr and "failed 0" in done.stderr


def _ray_workers(root: int) -> list[int]:
    """Ray worker processes running a sweep task among the descendants of process ``root``."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass

    def below(pid):
        while pid in parent and pid != root:
            pid = parent[pid]
        return pid == root

    pids = []
    for pid in parent:
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith((b"ray::train_run", b"ray::train_group")) and below(pid):
            pids.append(pid)
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_worker_is_retried(tmp_path):
    out = tmp_path / "sweep"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"grid": {"lr_d": [1e-3, 2e-3], "optimizer": ["adam"]}, "steps": 800}))
    cmd = _sweep_cmd(out, str(spec))
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: _ray_workers(proc.pid) or proc.poll() is not None, 240, "no Ray worker started")
    workers = _ray_workers(proc.pid)
    assert workers, "the sweep ended before a worker could be killed"
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    rows = _rows(out)
    assert len(rows) == 2 and all(r["status"] == "done" for r in rows), rows


def test_trials_of_a_grid_point_train_batched_where_the_config_allows():
    runs = SweepSpec(dataset="ring8", steps=3, trials=4, set=TINY, grid={"objective": ["nsgan", "ebgan"]}).runs()
    groups = groups_of(runs, batch=True)
    assert [len(g) for g in groups] == [4, 4] and groups_of(runs, batch=False) == [[r] for r in runs]
    nsgan, ebgan = (train_group(g) for g in groups)
    assert [r["batched_trials"] for r in nsgan] == [4] * 4 and [r["seed"] for r in nsgan] == [0, 1, 2, 3]
    assert all("batched_trials" not in r and r["status"] == "done" for r in ebgan)  # an autoencoder D: one by one
    assert {r["run_id"] for r in nsgan} == {r.id for r in groups[0]}


SMALL_IMAGE = {"g_width": 8, "d_width": 8, "latent_dim": 8}


def test_an_image_run_is_the_command_lines_config_judged_as_the_began_page_judges():
    from ganviz.metrics.quality import judge_generator
    from ganviz.training.began import began_config
    from ganviz.training.recipes import image_recipe
    from ganviz.training.sweep import DIGIT_SAMPLES, _classifier, config_of
    from ganviz.training.trainer import Trainer

    began = Run("digits", 4, {"objective": "began", "began_gamma": 0.3, **SMALL_IMAGE, "ae_code": 8}, 2, "image")
    assert config_of(began) == began_config(began_gamma=0.3, seed=2, **SMALL_IMAGE, ae_code=8)
    nsgan = Run("digits", 4, {"objective": "nsgan", **SMALL_IMAGE}, 1, "image")
    assert config_of(nsgan) == image_recipe("digits", "nsgan", seed=1, **SMALL_IMAGE)
    assert nsgan.id != Run("digits", 4, {"objective": "nsgan", **SMALL_IMAGE}, 1).id  # the kind is in the id
    row = train_run(began)
    trainer = Trainer(config_of(began))
    trainer.train(4)
    judged = judge_generator(trainer, _classifier(), DIGIT_SAMPLES)
    assert row["status"] == "done" and row["objective"] == "began"
    for k in ("quality", "classes_present", "digit_fid", "precision", "recall"):
        assert row[k] == judged[k], k
    assert row["k_t"] == trainer.objective.k_t
    with pytest.raises(ValueError, match="unknown image dataset 'ring8'"):
        SweepSpec(dataset="ring8", kind="image").validate()
    with pytest.raises(ValueError, match="kind must be one of"):
        SweepSpec(dataset="digits", kind="video").validate()
