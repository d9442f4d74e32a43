"""Your own data: a CSV's points or a drawing's, checked (every bad CSV refused with a message that
names what was wrong), carried in the config to the trainer (an empirical set: W1 and JS, no mode
count) and in a link (compact code, a bad code refused), held to a checkpoint's limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganviz.data import points as P
from ganviz.data.toy import OWN, get_dataset
from ganviz.training.config import STRUCTURAL, TrainConfig


def _blob(n: int, seed: int = 0) -> tuple[float, ...]:
    """n points rounded to hundredths, canonical (as a drawing makes them)."""
    return P.canonical(np.round(np.random.default_rng(seed).normal(size=(n, 2)), 2))


def _csv(rows) -> bytes:
    return "".join(f"{x},{y}\n" for x, y in rows).encode()


# --- CSV -----------------------------------------------------------------------------------------
def test_csv_with_and_without_header_reads_the_same_canonical_set():
    rows = [(i * 0.5, (-1) ** i * i) for i in range(12)][::-1]
    bare = P.read_csv(_csv(rows))
    headed = P.read_csv(b"\xef\xbb\xbf X , y\n" + _csv(rows) + b"\n\n")  # BOM, spaces, blank lines
    assert bare == headed and len(bare) == 24
    assert bare[:2] == (0.0, 0.0) and list(bare[::2]) == sorted(bare[::2])
    assert P.read_csv(P.to_csv(bare).encode()) == bare  # what we download reads back the same


@pytest.mark.parametrize("data, says", [
    (b"x,y,z\n" + b"1,2,3\n" * 20, "row 1: 3 columns"),
    (b"a,b\n" + b"1,2\n" * 20, "row 1: x is 'a', not a number"),
    (b"1;2\n" * 20, "columns are separated by commas"),
    (b"1,2\n" * 5 + b"nan,1\n" + b"1,2\n" * 10, "row 6: x is nan; every value must be a finite number"),
    (b"1,2\n" * 12 + b"3,inf\n", "row 13: y is inf"),
    (b"1,2\n" * 12 + b"3,1e300\n", "at most 1e+06 in size"),
    (b"1,2\n" * 9, "holds 9 points; at least 10 are needed"),
    (b"x,y\n", "holds 0 points"),
    (b"1,2\n" * 100_001, "more than 100,000 points"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not a CSV: it holds binary data"),
    ("1,2\n".encode("utf-16"), "not a CSV"),
    (b"\xff\xfe1,2\n" * 20, "not UTF-8 text"),
    (b"1,2\n" * (P.MAX_CSV_BYTES // 4 + 1), "a CSV of points is at most 8 MB"),
])
def test_bad_csv_says_what_was_wrong(data, says):
    with pytest.raises(P.PointsError) as e:
        P.read_csv(data, "pts.csv")
    assert says in str(e.value) and str(e.value).startswith("pts.csv")


def test_check_flat_bounds():
    P.check_flat((0.0, 1.0) * P.MIN_POINTS)
    P.check_flat((0.0, 1.0) * P.MAX_POINTS)
    for bad, says in [((0.0, 1.0) * 9, "at least 10"), ((0.0, 1.0) * (P.MAX_POINTS + 1), "at most 100,000"),
                      ((0.0,) * 21, "odd count"), ((math.nan, 0.0) * 10, "finite"), ((True, 0.0) * 10, "not a number"),
                      ("0,1", "must be a list")]:
        with pytest.raises(ValueError, match=says):
            P.check_flat(bad)


# --- the link code -------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [10, 300, 800])
def test_link_code_round_trips_exactly(n):
    pts = _blob(n, seed=n)
    code = P.encode_link(pts)
    assert P.decode_link(code) == pts
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")  # URL-safe as it is


def test_link_holds_a_drawing_of_several_hundred_points_and_says_when_it_cannot():
    """A drawn set (lasso strokes on the plane) of 600 points fits the link's budget; 5,000 do not;
    a coordinate that is not a hundredth cannot be carried exactly at all."""
    grid = P.candidate_grid()
    pts: tuple[float, ...] = ()
    rng = np.random.default_rng(1)
    while len(pts) // 2 < 5000:
        c, r = rng.uniform(-1.5, 1.5, 2), rng.uniform(0.15, 0.4)
        sel = np.flatnonzero(((grid - c) ** 2).sum(1) < r * r)
        pts = P.add_points(pts, P.brush(sel, len(pts) // 2))
    small = P.canonical(P.as_array(pts)[np.random.default_rng(2).choice(len(pts) // 2, 600, replace=False)])
    assert P.link_fits(P.encode_link(small))
    assert not P.link_fits(P.encode_link(pts))
    assert P.encode_link(P.canonical([[0.123, 0.0]] * 10)) is None and not P.link_fits(None)


@pytest.mark.parametrize("code, says", [
    ("", "not one this lab writes"),
    ("2abc", "not one this lab writes"),
    ("1!!!!", "damaged"),
    ("1abc", "damaged"),
    ("x" * 5000, "longer than any"),
])
def test_bad_link_code_is_refused_with_a_message(code, says):
    with pytest.raises(P.PointsError, match=says):
        P.decode_link(code)


def test_cut_or_altered_link_code_is_refused_or_still_a_valid_set():
    code = P.encode_link(_blob(50))
    for bad in (code[:-3], code[:10], code[:-1] + ("A" if code[-1] != "A" else "B"), code.replace(code[5], "_")):
        try:
            pts = P.decode_link(bad)
        except P.PointsError:
            continue
        P.check_flat(pts)  # zlib's checksum makes this rare; if it decodes, it is a valid set


def test_a_code_that_inflates_past_the_largest_set_is_refused():
    import base64
    import zlib

    bomb = P.LINK_VERSION + base64.urlsafe_b64encode(zlib.compress(b"\x80" * 2_000_000, 9)).decode().rstrip("=")
    assert len(bomb) < 2 * P.MAX_LINK_CHARS
    with pytest.raises(P.PointsError, match="damaged"):
        P.decode_link(bomb)


# --- drawing -------------------------------------------------------------------------------------
def test_brush_click_is_a_cloud_and_a_region_is_filled_not_a_lattice():
    grid = P.candidate_grid()
    centre = int(np.flatnonzero((np.abs(grid - [0.5, -0.5]) < 1e-9).all(1))[0])
    cloud = P.brush([centre], existing=0)
    assert cloud.shape == (P.BRUSH, 2)
    assert np.abs(cloud.mean(0) - [0.5, -0.5]).max() < 0.05 and (0.02 < cloud.std(0)).all() and (cloud.std(0) < 0.1).all()
    region = np.flatnonzero((np.abs(grid) <= 0.5 + 1e-9).all(1))  # 11 x 11 grid points
    fill = P.brush(region, existing=16)
    assert fill.shape == (P.PER_CELL * 121, 2) and np.abs(fill).max() <= 0.55 + 1e-9
    assert len(np.unique(fill, axis=0)) > 0.9 * len(fill)  # jittered: not repeated grid points
    assert np.array_equal(np.round(fill, 2), fill)  # in hundredths: a link carries it exactly
    # deterministic, and a second click at the same spot adds different points
    assert np.array_equal(P.brush([centre], 0), cloud) and not np.array_equal(P.brush([centre], 16), cloud)
    assert P.brush([-1, 10**6], 0).shape == (0, 2)  # indices off the grid are ignored


# --- config and trainer --------------------------------------------------------------------------
def test_config_carries_points_validated_hashable_and_structural():
    pts = _blob(40)
    cfg = TrainConfig(dataset=OWN, points=pts).validate()
    assert hash(cfg) == hash(TrainConfig(dataset=OWN, points=pts)) and "points" in STRUCTURAL
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg  # a recipe's JSON list comes back a tuple
    assert TrainConfig.from_dict({**cfg.to_dict(), "points": list(pts)}).points == pts
    assert "points" not in TrainConfig().to_dict()  # recipes of named data sets are unchanged
    with pytest.raises(ValueError, match="at least 10"):
        TrainConfig(dataset=OWN, points=pts[:18]).validate()
    with pytest.raises(ValueError, match="at least 10"):
        TrainConfig(dataset=OWN).validate()
    with pytest.raises(ValueError, match="this run trains on ring8"):
        TrainConfig(points=pts).validate()
    with pytest.raises(ValueError, match="finite"):
        TrainConfig(dataset=OWN, points=(math.inf,) + pts[1:]).validate()


def test_empirical_dataset_samples_its_points_with_replacement():
    pts = _blob(10)
    d = get_dataset(OWN, pts)
    x = d.sample(5000, torch.Generator().manual_seed(0))
    table = {tuple(p) for p in np.float32(P.as_array(pts)).tolist()}
    assert {tuple(p) for p in x.tolist()} == table  # every point drawn, nothing else
    counts = np.unique(x.numpy(), axis=0, return_counts=True)[1]
    assert counts.min() > 400 and counts.max() < 600  # about 1/N each
    assert d.modes is None and d.sigma is None and not d.has_density
    with pytest.raises(ValueError, match="needs points"):
        get_dataset(OWN)
    with pytest.raises(ValueError, match="own"):
        get_dataset("ring8", pts)


def test_trainer_trains_on_own_points_and_reports_w1_and_js_not_modes():
    from ganviz.training import snapshot
    from ganviz.training.trainer import Trainer

    pts = P.canonical(np.round(np.random.default_rng(0).normal([1.0, -1.0], 0.2, size=(200, 2)), 2))
    t = Trainer(TrainConfig(dataset=OWN, points=pts, eval_every=50, eval_samples=500, batch=64))
    real = t.eval_real.numpy()
    assert {tuple(p) for p in real.tolist()} <= {tuple(p) for p in np.float32(P.as_array(pts)).tolist()}
    t.train(100)
    s = snapshot.take(t)
    assert s.step == 100 and s.dataset == OWN and math.isfinite(s.last_eval["w1"]) and "js" in s.last_eval
    assert "modes" not in s.last_eval
    assert 0 < s.w1_floor < 0.2  # the floor of this set, not of another data set's name


def _rewrite_recipe(data: bytes, change) -> bytes:
    """A checkpoint's bytes with its JSON recipe changed by ``change(recipe)`` (the tensors kept)."""
    import json
    import struct

    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    recipe = json.loads(header["__metadata__"]["recipe"])
    change(recipe)
    header["__metadata__"]["recipe"] = json.dumps(recipe)
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data[8 + n:]


def test_checkpoint_keeps_own_points_within_the_limit_and_refuses_more():
    from ganviz.training import checkpoint
    from ganviz.training.trainer import Trainer

    pts = _blob(30)
    t = Trainer(TrainConfig(dataset=OWN, points=pts, eval_samples=500, batch=32, g_width=16, d_width=16))
    t.train(3)
    data = checkpoint.to_bytes(t)
    back = checkpoint.from_bytes(data)
    assert back.config.points == pts and back.step_count == 3
    big = _rewrite_recipe(data, lambda r: r["config"].update(points=[0.5] * (2 * P.MAX_POINTS + 2)))
    with pytest.raises(checkpoint.CheckpointError, match="holds 100,001 points; this server takes at most 100,000"):
        checkpoint.from_bytes(big)
    few = _rewrite_recipe(data, lambda r: r["config"].update(points=[0.5] * 6))
    with pytest.raises(checkpoint.CheckpointError, match="at least 10"):
        checkpoint.from_bytes(few)


# --- the toy lab page (AppTest) --------------------------------------------------------------------
PAGE = "pages/2_Toy_GAN_Lab.py"
OWN_LABEL = "own (your points)"  # AppTest lists a selectbox's options as shown


def _page(params: dict | None = None, points=None):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=90)
    if points is not None:
        at.session_state["own_points"] = points
    if params:
        at.query_params.update(params)
    return at.run()


def _notes(at) -> str:
    return " ".join(w.value for w in at.warning)


def test_page_offers_own_once_points_exist_and_its_link_reopens_the_same_set():
    assert OWN_LABEL not in _page().selectbox(key="a_dataset").options
    few = _page(points=_blob(5))  # a drawing just begun: too few to train on, and the page stays whole
    assert OWN_LABEL not in few.selectbox(key="a_dataset").options and not few.exception and not few.error
    pts = _blob(120, seed=3)
    at = _page(points=pts)
    at.selectbox(key="a_dataset").select("own").run()
    assert not at.exception
    assert any(m.value.startswith("**A: nsgan** on own") for m in at.markdown)
    link = {k: v for k, v in at.query_params.items()}
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in link.items()}
    assert link["dataset"] == "own" and P.decode_link(link["points"]) == pts
    assert any("link carries these 120 points" in c.value for c in at.caption)
    fresh = _page(link)  # a new session: the set comes from the link alone
    assert not fresh.exception and not _notes(fresh)
    assert fresh.session_state["own_points"] == pts and fresh.selectbox(key="a_dataset").value == "own"


def test_page_says_when_the_link_cannot_carry_the_set_and_leaves_it_out():
    pts = _blob(3000, seed=4)
    at = _page(points=pts)
    at.selectbox(key="a_dataset").select("own").run()
    assert "points" not in at.query_params and at.query_params["dataset"] in ("own", ["own"])
    assert any("The link cannot carry these 3,000 points" in w.value and "download the points as CSV" in w.value
               for w in at.warning)
    fresh = _page({"dataset": "own"})  # that link reopened: the default data, and a note saying why
    assert "the link carries no points" in _notes(fresh) and fresh.selectbox(key="a_dataset").value == "ring8"
    assert not fresh.exception


@pytest.mark.parametrize("code", ["1abc", "2" + "A" * 40, "x" * 4000])
def test_page_bad_link_points_get_a_note_and_the_default_data(code):
    at = _page({"dataset": "own", "points": code})
    assert not at.exception
    assert "points=" in _notes(at) and at.selectbox(key="a_dataset").value == "ring8"
    assert "own_points" not in at.session_state or not at.session_state["own_points"]


def test_page_points_without_dataset_own_are_ignored_with_a_note():
    at = _page({"points": P.encode_link(_blob(20))})
    assert "the link's dataset is not own" in _notes(at) and not at.exception


def test_page_clear_returns_to_the_default_data_and_undo_brings_the_set_back():
    pts = _blob(40, seed=5)
    at = _page(points=pts)
    at.selectbox(key="a_dataset").select("own").run()
    at.button(key="own_clear").click().run()
    assert at.selectbox(key="a_dataset").value == "ring8" and at.session_state["own_points"] == ()
    assert OWN_LABEL not in at.selectbox(key="a_dataset").options
    at.button(key="own_undo").click().run()
    assert at.session_state["own_points"] == pts and OWN_LABEL in at.selectbox(key="a_dataset").options
    assert not at.exception
