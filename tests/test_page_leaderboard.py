"""The Leaderboard page: its bars and table are the shipped sweep's own numbers, beside the papers'."""

import csv
import statistics
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ganviz.metrics.leaderboard import mode_table, published
from tests.conftest import ROOT

PAGE = str(ROOT / "pages/6_Leaderboard.py")
SWEEPS = ROOT / "checkpoints" / "sweeps"


def _rows(dataset):
    with open(SWEEPS / f"modes_{dataset}" / "results.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("dataset", ["ring8", "grid25"])
def test_each_bar_is_the_mean_of_its_trials_and_the_papers_rows_are_beside_it(dataset):
    if not (SWEEPS / f"modes_{dataset}" / "results.csv").exists():
        pytest.skip(f"no shipped sweep of {dataset}")
    at = AppTest.from_file(PAGE)
    at.query_params["dataset"] = dataset
    at.run(timeout=60)
    assert not at.exception and not at.warning
    table = at.dataframe[0].value
    rows = _rows(dataset)
    objectives = list(dict.fromkeys(r["objective"] for r in rows))
    ours = table[table["source"] == "this sweep"]
    assert list(ours["objective or method"]) == objectives
    for obj in objectives:
        done = [float(r["modes_captured"]) for r in rows if r["objective"] == obj and r["status"] == "done"]
        shown = ours[ours["objective or method"] == obj].iloc[0]
        assert shown["modes (mean)"] == pytest.approx(statistics.mean(done), abs=0.005)
        assert shown["trials"] == len(done)
    theirs = table[table["source"] != "this sweep"]
    assert list(theirs["modes (mean)"]) == [p["modes"] for p in published(dataset)]
    assert "python -m ganviz sweep checkpoints/sweeps/modes_" in " ".join(c.value for c in at.caption)


def test_the_table_summarises_trials_with_their_standard_error():
    rows = [{"status": "done", "objective": "a", "modes_captured": m, "hq_fraction": "1", "kl_modes": "0",
             "seconds": "1"} for m in ("8", "6", "7")]
    rows.append({"status": "failed", "objective": "a", "reason": "diverged"})
    (a,) = mode_table(rows)
    assert (a["modes"], a["trials"], a["failed"]) == (7.0, 3, 1)
    assert a["modes_se"] == pytest.approx(statistics.stdev([8, 6, 7]) / 3 ** 0.5)


def test_a_missing_sweep_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CHECKPOINTS", str(tmp_path))
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception
    assert "python -m ganviz sweep --dataset ring8" in at.info[0].value
