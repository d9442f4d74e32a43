"""AppTest of pages/1_Divergences.py: every section, every slider at both ends, no exception."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "pages" / "1_Divergences.py")
SECTIONS = ["1D: JS vs W1", "Parallel lines", "Moving plans", "2D plans", "Objectives"]


@pytest.fixture(scope="module")
def at():
    return AppTest.from_file(PAGE, default_timeout=60).run()


def open_section(at, name):
    at.session_state["section"] = name
    at.run()
    assert not at.exception, at.exception
    return at


def text_of(at):
    return " ".join(m.value for m in [*at.markdown, *at.caption])


def widget(at, key):
    """The slider, select slider or number input with this key."""
    for kind in (at.slider, at.select_slider, at.number_input):
        found = [w for w in kind if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def ends(w):
    return (w.options[0], w.options[-1]) if getattr(w, "options", None) else (w.min, w.max)


def test_page_opens_with_its_frame_and_hints(at):
    assert not at.exception
    assert at.title[0].value == "Divergences"
    assert "Try this" in text_of(at)
    assert len(at.get("plotly_chart")) == 2 and len(at.dataframe) == 1


@pytest.mark.parametrize("section,keys", [
    ("1D: JS vs W1", ["shift1d", "scale1d", "n1d", "seed1d"]),
    ("Parallel lines", ["theta", "n_lines"]),
    ("2D plans", ["shift2d", "reg", "n2d"]),
])
def test_every_slider_at_both_ends(at, section, keys):
    open_section(at, section)
    if section == "2D plans":  # reg is disabled (a browser cannot move it) until Sinkhorn is chosen
        at.radio(key="plan2d").set_value("Sinkhorn").run()
    for key in keys:
        for v in ends(widget(at, key)):
            widget(at, key).set_value(v).run()
            assert not at.exception, (key, v, at.exception)
            assert not at.error, (key, v, [e.value for e in at.error])


def test_1d_exact_column_and_every_family(at):
    open_section(at, "1D: JS vs W1")
    at.slider(key="shift1d").set_value(6.0).run()
    at.slider(key="scale1d").set_value(1.0).run()
    at.select_slider(key="n1d").set_value(500).run()
    table = at.dataframe[0].value
    assert table.loc["W1", "exact"] == "6.0000" and 0.68 < float(table.loc["JS", "exact"]) < 0.6932
    for p in at.selectbox(key="p1d").options:
        for q in at.selectbox(key="q1d").options:
            at.selectbox(key="p1d").set_value(p)
            at.selectbox(key="q1d").set_value(q).run()
            assert not at.exception, (p, q, at.exception)


def test_parallel_lines_shows_the_papers_values(at):
    open_section(at, "Parallel lines")
    at.slider(key="theta").set_value(-0.5).run()
    table = at.dataframe[0].value
    assert list(table["exact"]) == ["0.6931", "∞", "∞", "1.0000", "0.5000"]
    at.slider(key="theta").set_value(0.0).run()
    assert list(at.dataframe[0].value["exact"]) == ["0.0000"] * 5


def test_moving_plans_every_plan_and_example(at):
    open_section(at, "Moving plans")
    for example in at.selectbox(key="plan_example").options:
        at.selectbox(key="plan_example").set_value(example)
        for kind in at.radio(key="plan_kind").options:
            at.radio(key="plan_kind").set_value(kind).run()
            assert not at.exception, (example, kind, at.exception)
            assert not at.error  # the corner rules and the unedited editor are feasible plans
            assert len(at.get("plotly_chart")) == 2
    at.selectbox(key="plan_example").set_value("pile to the right")
    at.radio(key="plan_kind").set_value("north-east corner rule").run()
    cost, best = (m.value for m in at.metric[:2])
    assert float(cost) > float(best) == 2.0


def test_2d_sinkhorn_and_the_sliced_approximation_are_labelled(at):
    open_section(at, "2D plans")
    at.select_slider(key="n2d").set_value(100)
    at.radio(key="plan2d").set_value("Sinkhorn").run()
    assert not at.exception
    assert "Sinkhorn" in at.metric[0].label and "approximation" in text_of(at)
    at.select_slider(key="n2d").set_value(2000).run()
    assert not at.exception
    assert "sliced W1 (approximation)" == at.metric[0].label and at.warning
    at.radio(key="plan2d").set_value("exact (EMD)").run()
    assert "sliced W1 (approximation)" == at.metric[0].label


def test_objectives_section_draws_three_charts(at):
    open_section(at, "Objectives")
    assert len(at.get("plotly_chart")) == 3
    assert "saturates" in text_of(at)


def test_each_tab_keeps_its_settings_across_tab_switches():
    """A closed tab's widgets are not drawn; their values must survive that run, in the widgets, in
    the URL and in what the table is computed from (the link ?shift=3.0 came back as shift 1)."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["shift"] = "3.0"
    at.run()
    at.selectbox(key="q1d").set_value("uniform")
    at.select_slider(key="n1d").set_value(100).run()
    table = at.dataframe[0].value
    open_section(at, "Parallel lines")
    at.slider(key="theta").set_value(-0.25).run()
    open_section(at, "2D plans")
    at.select_slider(key="n2d").set_value(100).run()
    for _ in range(2):
        open_section(at, "1D: JS vs W1")
        assert (at.slider(key="shift1d").value, at.selectbox(key="q1d").value, at.select_slider(key="n1d").value) \
            == (3.0, "uniform", 100)
        assert at.dataframe[0].value.equals(table) and "estimate (n = 100)" in table.columns
        assert dict(at.query_params) == {"shift": "3.0", "q": "uniform", "n": "100", "theta": "-0.25", "n2": "100"}
        open_section(at, "Parallel lines")
        assert at.slider(key="theta").value == -0.25 and at.dataframe[0].value.loc["W1", "exact"] == "0.2500"
        open_section(at, "2D plans")
        assert at.select_slider(key="n2d").value == 100


def test_formulas_beside_the_figures_and_wgan_figure1():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    latex = " ".join(m.value for m in at.latex)
    for piece in (r"\mathrm{JS}", r"\mathrm{KL}", r"\mathrm{TV}", r"\inf_{\gamma", r"\sup_{\|f\|_L \le 1}"):
        assert piece in latex, piece
    open_section(at, "Parallel lines")
    at.slider(key="theta").set_value(-0.35).run()
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    fig1 = [f for f in specs if "Figure 1" in f["layout"]["title"]["text"]]
    assert len(fig1) == 1
    now = [t for t in fig1[0]["data"] if t.get("legendgroup") == "now"]
    assert [(t["x"][0], t["y"][0]) for t in now] == [(-0.35, 0.35), (-0.35, pytest.approx(0.693147, abs=1e-6))]
    theta = np.frombuffer(base64.b64decode(fig1[0]["data"][0]["x"]["bdata"]), dtype="f8")
    assert theta.min() == -1 and theta.max() == 1 and 0.0 in theta
