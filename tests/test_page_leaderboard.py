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


def _shipped(name):
    path = SWEEPS / name / "results.csv"
    if not path.exists():
        pytest.skip(f"no shipped sweep {name}")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _board(board):
    at = AppTest.from_file(PAGE)
    at.query_params["board"] = board
    at.run(timeout=60)
    assert not at.exception and not at.error
    return at


def test_the_gamma_board_is_the_shipped_gamma_sweep_mean_per_gamma():
    rows = _shipped("began_gamma")
    table = _board("gamma").dataframe[0].value
    gammas = sorted({float(r["began_gamma"]) for r in rows})
    assert list(table["γ"]) == gammas
    for g in gammas:
        done = [r for r in rows if float(r["began_gamma"]) == g and r["status"] == "done"]
        shown = table[table["γ"] == g].iloc[0]
        assert shown["seeds"] == len(done)
        for col, name in (("precision", "precision"), ("recall", "recall"), ("quality", "confidence")):
            assert shown[name] == pytest.approx(statistics.mean(float(r[col]) for r in done), abs=6e-4)


def test_the_stacked_board_is_the_shipped_stacked_sweep_beside_the_papers():
    rows = _shipped("stacked")
    at = _board("stacked")
    table = at.dataframe[0].value
    ours = table[table["source"] == "this sweep"]
    for obj in dict.fromkeys(r["objective"] for r in rows):
        done = [float(r["modes"]) for r in rows if r["objective"] == obj and r["status"] == "done"]
        assert ours[ours["objective or method"] == obj].iloc[0]["modes (mean)"] == pytest.approx(
            statistics.mean(done), abs=0.05)
    assert "PacDCGAN2" in list(table["objective or method"])


MODES_CSV = ("run_id,status,seed,objective,modes_captured,n_modes,hq_fraction,kl_modes,seconds,reason\n"
             "a,done,0,hinge,8,8,0.9,0.01,3,\nb,done,1,hinge,6,8,0.7,0.2,3,\nc,failed,2,hinge,,,,,,diverged\n")


def test_a_sweep_the_user_uploads_is_summarised_and_bad_files_are_refused():
    at = _board("yours")
    assert "No results.csv yet" in at.info[0].value
    up = at.file_uploader(key="lb_upload")
    up.upload("results.csv", MODES_CSV.encode(), "text/csv").run(timeout=60)
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    hinge = table[table["objective or method"] == "hinge"].iloc[0]
    assert (hinge["modes (mean)"], hinge["trials"], hinge["failed"]) == (7.0, 2, 1)
    at = _board("yours")
    at.file_uploader(key="lb_upload").upload("results.csv", b"\xff\xfe\x00binary", "text/csv").run(timeout=60)
    assert not at.exception and "not a text file" in at.error[0].value and not at.dataframe
    # a table of another sweep's columns: one row per setting, each measure's mean
    at = _board("yours")
    generic = "run_id,status,seed,lr_d,w1,reason\na,done,0,0.001,0.5,\nb,done,1,0.001,0.3,\nc,done,0,0.002,0.9,\n"
    at.file_uploader(key="lb_upload").upload("mine.csv", generic.encode(), "text/csv").run(timeout=60)
    table = at.dataframe[0].value
    assert list(table["lr_d"]) == ["0.001", "0.002"] and list(table["w1"]) == [pytest.approx(0.4), pytest.approx(0.9)]


def test_the_stacked_sentence_is_what_the_shipped_sweep_and_real_stacked_digits_measure():
    import re

    import torch

    from ganviz.data.stacked import load_stacked
    from ganviz.metrics.leaderboard import stacked_table
    from ganviz.metrics.stacked import SAMPLES, stacked_coverage
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import classifier_path

    rows = _shipped("stacked")
    at = _board("stacked")
    says = next(i.value for i in at.info if "1,000 modes" in i.value)
    table = {r["objective"]: r for r in stacked_table(rows)}
    assert all(r["modes"] > 990 for r in table.values())
    kls = [float(k) for k in re.findall(r"KL to uniform ([\d.]+) for hinge.*?, ([\d.]+) for WGAN-GP and ([\d.]+) for our",
                                        says)[0]]
    assert kls == [round(table[o]["kl"], 2) for o in ("hinge", "wgan-gp", "nsgan (best recipe)")]
    pool = load_stacked(16)
    drawn = pool.images[torch.randint(len(pool.images), (SAMPLES,), generator=torch.Generator().manual_seed(1))]
    real = stacked_coverage(drawn, load_classifier(classifier_path()))
    assert f"the {real.kl_to_uniform:.2f} that 26,000 real stacked digits score" in says


def test_the_gamma_sentence_is_what_the_shipped_gamma_sweep_measures():
    import re

    from ganviz.metrics.leaderboard import gamma_table

    rows = _shipped("began_gamma")
    says = next(i.value for i in _board("gamma").info if "γ ≤ 0.3" in i.value)
    low = [r for r in rows if float(r["began_gamma"]) <= 0.3]
    assert low and all(int(r["classes_present"]) <= 2 and float(r["precision"]) == float(r["recall"]) == 0 for r in low)
    up = [r for r in gamma_table(rows) if r["gamma"] >= 0.5]
    recall = [r["recall"] for r in up]
    assert all(a < b for a, b in zip(recall, recall[1:]))  # climbs at every step
    r05, r09 = re.search(r"recall climbs at every step of γ \(([\d.]+) at 0.5, ([\d.]+) at 0.9\)", says).groups()
    assert (r05, r09) == (f"{up[0]['recall']:.3f}", f"{up[-1]['recall']:.2f}")
    c05, c09 = map(int, re.search(r"classes present go from (\d+) to (\d+)", says).groups())
    assert (c05, c09) == (round(up[0]["classes_present"]), round(up[-1]["classes_present"]))
    precision = [r["precision"] for r in up]
    assert precision.index(max(precision)) == 0 and precision.index(min(precision)) == len(up) - 1
    p05, p09 = re.search(r"precision is highest at γ = 0.5 \(([\d.]+)\) and lowest at 0.9 \(([\d.]+)\)", says).groups()
    assert (p05, p09) == (f"{up[0]['precision']:.2f}", f"{up[-1]['precision']:.2f}")
