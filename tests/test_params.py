"""An objective's settings (its ``Params``), the regularisers and the tricks are the one source of their
controls, link keys, --set keys and validation: what each field's metadata says is what the lab, a
link and the config do; outside the config every one is a flat key."""

import dataclasses
import json
import math
from pathlib import Path

import pytest

from ganviz.objectives import OBJECTIVES, PARAM_OWNERS
from ganviz.objectives.base import choice_values
from ganviz.training.config import FLAT_FIELDS, GROUP_OF, GROUPS, TrainConfig, field_help
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
    assert not (config_fields | set(FLAT_FIELDS)) & set(PARAM_OWNERS)
    assert len(set(FLAT_FIELDS)) == len(FLAT_FIELDS)  # a regulariser or trick is named once, beside the fields
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
        # the regularisers and tricks the lab offers, from their metadata; a score D's own only with one
        drawn = {w.key: w for w in [*at.slider, *at.toggle] if w.key}
        for name, f in tc.LAB_GROUP_FIELDS.items():
            offered = cls.discriminator == "score" or not f.metadata["score_only"]
            assert (f"a_{name}" in drawn) == offered, (objective, name)
            if offered:
                assert drawn[f"a_{name}"].label == f.metadata["label"] and f.metadata["help"] in drawn[f"a_{name}"].help


# --- the regularisers and the Improved-GAN tricks: nested inside, flat outside ------------------------
GROUP_FIELDS = [(group, f) for group, cls in GROUPS.items() for f in dataclasses.fields(cls)]
GROUP_IDS = [f"{g}.{f.name}" for g, f in GROUP_FIELDS]


def _other_value(f):
    """A valid value of field ``f`` other than its default: the other switch position, or the control's end."""
    return (not f.default) if isinstance(f.default, bool) else f.metadata["control"][1]


@pytest.mark.parametrize("group,f", GROUP_FIELDS, ids=GROUP_IDS)
def test_a_regulariser_or_trick_is_a_flat_key_outside_and_its_groups_field_inside(group, f):
    m = f.metadata
    assert m["label"] and m["help"] and m["paper"] and field_help(f.name) == m["help"]
    assert (m["control"] is None) != (m["choices"] is None)
    assert GROUP_OF[f.name] == group and f.name in FLAT_FIELDS
    value = _other_value(f)
    c = TrainConfig().replace(**{f.name: value}).validate()
    assert getattr(getattr(c, group), f.name) == value
    assert getattr(c, group) == GROUPS[group]().replace(**{f.name: value})  # only this field moved
    d = c.to_dict()
    assert d[f.name] == value and not set(d) & set(GROUPS)  # flat, never a nested dict
    back = TrainConfig.from_dict(json.loads(json.dumps(d)))  # through JSON, as a recipe or a checkpoint
    assert back == c and back.to_dict() == d
    assert TrainConfig.from_dict({"objective": "nsgan", f.name: value}) == TrainConfig().replace(**{f.name: value})


@pytest.mark.parametrize("group,f", GROUP_FIELDS, ids=GROUP_IDS)
def test_a_regulariser_or_trick_out_of_range_is_refused_naming_it_and_its_range(group, f):
    if isinstance(f.default, bool):
        bad, message = 1, f"{f.name} must be of type bool, got 1"
    else:
        lo, hi = f.metadata["bounds"]
        assert lo == 0 and math.isinf(hi)  # every one is 0 when off, with no upper bound on the command line
        bad, message = -0.5, f"{f.name} must lie in [0, inf), got -0.5"
        if type(f.default) is int:
            bad, message = -1, f"{f.name} must lie in [0, inf), got -1"
    for cfg in (TrainConfig().replace(**{f.name: bad}), TrainConfig.from_dict({f.name: bad})):
        with pytest.raises(ValueError) as e:
            cfg.validate()
        assert str(e.value) == message


CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"
SHIPPED = sorted(p for p in CHECKPOINTS.glob("*.json") if "config" in json.loads(p.read_text()))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_shipped_checkpoints_config_reads_into_the_groups_and_writes_back_identically(path):
    recipe = json.loads(path.read_text())["config"]
    c = TrainConfig.from_dict(recipe).validate()
    for name, group in GROUP_OF.items():
        assert getattr(getattr(c, group), name) == recipe[name], name
    assert c.to_dict() == recipe
    assert json.dumps(c.to_dict(), indent=2, sort_keys=True) == json.dumps(recipe, indent=2, sort_keys=True)


def test_the_shipped_biggan_run_reads_its_orthogonal_regularisation_into_reg():
    c = TrainConfig.from_dict(json.loads((CHECKPOINTS / "biggan_digits.json").read_text())["config"])
    assert c.reg.ortho_beta == 1e-4 and c.reg == type(c.reg)(ortho_beta=1e-4)  # BigGAN's beta, nothing else on
