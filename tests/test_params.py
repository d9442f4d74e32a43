"""An objective's settings (its ``Params``) are the one source of its controls, link keys, --set keys
and validation: what each field's metadata says is what the lab, a link and the config do."""

import dataclasses
import math

import pytest

from ganviz.objectives import OBJECTIVES, PARAM_OWNERS
from ganviz.objectives.base import choice_values
from ganviz.training.config import TrainConfig, field_help
from ganviz.ui import toy_controls as tc

SETTINGS = [(name, f) for name in OBJECTIVES for f in dataclasses.fields(OBJECTIVES[name].Params)]


@pytest.mark.parametrize("objective,f", SETTINGS, ids=[f"{o}.{f.name}" for o, f in SETTINGS])
def test_every_setting_declares_what_its_control_and_its_check_need(objective, f):
    m = f.metadata
    assert m["label"] and m["help"] and field_help(f.name) == m["help"]
    assert (m["control"] is None) != (m["choices"] is None), "a range or a list of choices, not both"
    OBJECTIVES[objective].Params().validate()  # the default is allowed
    if m["control"] is not None:
        lo, hi = m["control"]
        assert m["bounds"][0] <= lo <= f.default <= hi <= m["bounds"][1]
        past = hi * 10 + 1
        value, note = tc.link_value(f.name, str(past))  # a link past the control's end: the end, said
        assert value == hi and "outside the control's range" in note
        with pytest.raises(ValueError, match=f.name):
            TrainConfig(objective=objective).replace(**{f.name: m["bounds"][0] - 1}).validate()
        if math.isfinite(m["bounds"][1]):
            with pytest.raises(ValueError, match=f.name):
                TrainConfig(objective=objective).replace(**{f.name: m["bounds"][1] + 1}).validate()
    else:
        assert f.default in choice_values(f)
        with pytest.raises(ValueError, match=f.name):
            TrainConfig(objective=objective).replace(**{f.name: "no such choice"}).validate()


def test_settings_are_named_once_across_objectives_and_never_clash_with_config_fields():
    config_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert not config_fields & set(PARAM_OWNERS)
    assert set(PARAM_OWNERS) <= tc.LINKABLE  # every setting can be linked


def test_the_lab_draws_exactly_the_chosen_objectives_settings():
    from streamlit.testing.v1 import AppTest

    from tests.test_page_toy_lab import PAGE, _open

    at = _open(AppTest.from_file(PAGE))
    for objective, cls in OBJECTIVES.items():
        at = at.selectbox(key="a_objective").set_value(objective).run(timeout=60)
        assert not at.exception, objective
        shown = {w.key for w in [*at.slider, *at.selectbox] if w.key}
        for f in dataclasses.fields(cls.Params):
            assert f"a_{f.name}" in shown, (objective, f.name)
            widget = next(w for w in [*at.slider, *at.selectbox] if w.key == f"a_{f.name}")
            assert widget.label == f.metadata["label"]
        others = {f"a_{k}" for k, owners in PARAM_OWNERS.items() if objective not in owners}
        assert not shown & others, (objective, shown & others)
