"""Every bad input becomes one InputError naming the file and the field, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from powershift.model.files import InputError
from powershift.model.scenario import load_scenario, scenario_from_text
from tests.conftest import scenario_dict

HEAD = "title: t\ndescription: d\nstart: 2024-01-01\nyears: 5\n"
SUMMIT = {"id": "x", "type": "summit", "actors": ["PAK", "RUS"], "at": "2025-01-01"}


def rejects(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        scenario_from_text(text, name="bad.yaml")
    err = info.value
    assert str(err).startswith("bad.yaml: "), str(err)
    assert str(err) == f"{err.source}: {err.field}: {err.expected}"
    return err


def doc_text(**changes: Any) -> str:
    doc = scenario_dict()
    doc.update(changes)
    return yaml.safe_dump(doc, sort_keys=False)


def with_event(**fields: Any) -> str:
    event = {**SUMMIT, **fields}
    return doc_text(events=[{k: v for k, v in event.items() if v is not None}])


def test_minimal_scenario_is_valid():
    scenario = scenario_from_text(HEAD)
    assert scenario.steps == 20
    assert scenario.actors.codes == ["PAK", "RUS", "IND", "USA", "CHN"]


def test_malformed_yaml():
    err = rejects(HEAD + "events: [unclosed\n")
    assert err.field.startswith("line ")
    assert "YAML" in err.expected


def test_top_level_list():
    err = rejects("- title: t\n- description: d\n")
    assert err.field == "(top level)"
    assert "list" in err.expected


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_file(text):
    err = rejects(text)
    assert err.field == "(file)"


def test_unknown_actor_in_an_event():
    err = rejects(with_event(actors=["PAK", "XYZ"]))
    assert err.field == "events.x.actors"
    assert "XYZ" in err.expected


def test_unknown_actor_in_a_single_actor_field():
    err = rejects(doc_text(events=[{"id": "u", "type": "political_instability", "actor": "ZZZ", "hazard": 0.1}]))
    assert err.field == "events.u.actor"
    assert "ZZZ" in err.expected


def test_unknown_event_type_suggests_the_closest():
    err = rejects(
        doc_text(events=[{"id": "s", "type": "sanction", "by": ["USA"], "target": ["RUS"], "at": "2025-01-01"}])
    )
    assert err.field == "events.s.type"
    assert "'sanctions'" in err.expected


def test_unknown_event_type_without_a_close_match_lists_the_known():
    err = rejects(with_event(type="zzzzzz"))
    assert err.field == "events.x.type"
    assert "summit" in err.expected


def test_unknown_top_level_field():
    err = rejects(HEAD + "titel: typo\n")
    assert err.field == "titel"
    assert "no such field" in err.expected


def test_unknown_event_field():
    err = rejects(with_event(magnitud=0.5))
    assert err.field == "events.x.magnitud"


def test_unknown_mechanism_field():
    err = rejects(doc_text(mechanisms={"threat": {"wieght": 1}}))
    assert err.field == "mechanisms.threat.wieght"


@pytest.mark.parametrize("missing", ["title", "description", "start", "years"])
def test_missing_required_field(missing):
    doc = scenario_dict()
    del doc[missing]
    err = rejects(yaml.safe_dump(doc))
    assert err.field == missing
    assert "required" in err.expected


def test_event_without_id():
    err = rejects(doc_text(events=[{"type": "summit", "actors": ["PAK", "RUS"], "at": "2025-01-01"}]))
    assert err.field == "events.0.id"


@pytest.mark.parametrize(("field", "date"), [("at", "2035-01-01"), ("at", "2023-12-31"), ("start", "2030-06-01")])
def test_event_date_outside_the_horizon(field, date):
    if field == "start":
        text = doc_text(events=[{"id": "x", "type": "summit", "actors": ["PAK", "RUS"], "every": 1, "start": date}])
    else:
        text = with_event(at=date)
    err = rejects(text)
    assert err.field == f"events.x.{field}"
    assert "horizon" in err.expected


@pytest.mark.parametrize("duration", [0, -1])
def test_zero_or_negative_duration(duration):
    err = rejects(with_event(duration=duration))
    assert err.field == "events.x.duration"


@pytest.mark.parametrize("magnitude", [1.5, -0.1])
def test_magnitude_out_of_range(magnitude):
    err = rejects(with_event(magnitude=magnitude))
    assert err.field == "events.x.magnitude"


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
@pytest.mark.parametrize(
    ("template", "field"),
    [
        (HEAD.replace("years: 5", "years: {v}"), "years"),
        (HEAD + "mechanisms:\n  threat:\n    weight: {v}\n", "mechanisms.threat.weight"),
        (HEAD + "alignment:\n  trend_half_life: {v}\n", "alignment.trend_half_life"),
        (
            HEAD + "events:\n  - {{id: x, type: summit, actors: [PAK, RUS], at: 2025-01-01, magnitude: {v}}}\n",
            "events.x.magnitude",
        ),
        (
            HEAD + "events:\n  - {{id: x, type: crisis, actors: [IND, PAK], hazard: {v}}}\n",
            "events.x.hazard",
        ),
        (HEAD + "actors:\n  PAK:\n    policy:\n      hedging: {v}\n", "actors.PAK.policy"),
    ],
    ids=["years", "weight", "half_life", "magnitude", "hazard", "policy"],
)
def test_nan_and_infinity_are_rejected(template, field, value):
    err = rejects(template.format(v=value))
    assert err.field == field or err.field.startswith(field + ".")


def test_duplicate_event_ids():
    err = rejects(doc_text(events=[SUMMIT, {**SUMMIT, "at": "2026-01-01"}]))
    assert err.field == "events.x.id"
    assert "unique" in err.expected


def test_alias_bomb_is_refused():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 9):
        prev, cur = chr(ord("a") + k - 1), chr(ord("a") + k)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    err = rejects(HEAD + "\n".join(lines) + "\n")
    assert err.field == "(file)"
    assert "alias" in err.expected


@pytest.mark.parametrize(
    "timing",
    [
        {"every": 1},
        {"hazard": 0.2},
        {"when": {"metric": "alignment", "actors": ["PAK", "RUS"], "above": 0.3}},
    ],
)
def test_two_timings_on_one_event(timing):
    err = rejects(with_event(**timing))
    assert err.field.startswith("events.x")
    assert "timing" in err.expected


def test_no_timing_on_an_event():
    err = rejects(with_event(at=None))
    assert err.field.startswith("events.x")
    assert "timing" in err.expected


def test_condition_with_both_bounds():
    when = {"metric": "alignment", "actors": ["PAK", "RUS"], "above": 0.3, "below": 0.5}
    err = rejects(with_event(at=None, when=when))
    assert err.field.startswith("events.x.when")


def test_condition_on_unknown_actor():
    when = {"metric": "alignment", "actors": ["PAK", "XYZ"], "above": 0.3}
    err = rejects(with_event(at=None, when=when))
    assert err.field.startswith("events.x.when")
    assert "XYZ" in err.expected


def test_until_before_start():
    text = doc_text(
        events=[
            {
                "id": "x",
                "type": "summit",
                "actors": ["PAK", "RUS"],
                "every": 1,
                "start": "2026-01-01",
                "until": "2025-01-01",
            }
        ]
    )
    err = rejects(text)
    assert err.field.startswith("events.x")


def test_event_that_is_not_a_mapping():
    err = rejects(HEAD + "events:\n  - just a string\n")
    assert err.field == "events.0"


def test_unknown_actor_override():
    err = rejects(doc_text(actors={"XYZ": {"growth": 0.02}}))
    assert err.field == "actors.XYZ"


def test_policy_override_out_of_bounds():
    err = rejects(doc_text(actors={"PAK": {"policy": {"sanctions_compliance": 1.5}}}))
    assert err.field.startswith("actors.PAK.policy")


def test_unknown_policy_name():
    err = rejects(doc_text(actors={"PAK": {"policy": {"hedgeing": 0.5}}}))
    assert err.field.startswith("actors.PAK.policy")
    assert "hedgeing" in err.expected


def test_bad_focus_pair():
    err = rejects(doc_text(focus=["PAK-XYZ"]))
    assert err.field == "focus.0"


def test_mechanism_weight_out_of_range():
    err = rejects(doc_text(mechanisms={"threat": {"weight": 11}}))
    assert err.field == "mechanisms.threat.weight"


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(doc_text(events=[SUMMIT]))
    return path


def test_unknown_set_path(scenario_file):
    with pytest.raises(InputError) as info:
        load_scenario(str(scenario_file), overrides=["mechanisms.nope.weight=1"])
    assert info.value.field == "mechanisms.nope.weight"
    assert info.value.source == "--set"


@pytest.mark.parametrize(
    ("assignment", "field"),
    [
        ("mechanisms.threat.weigth=1", "mechanisms.threat.weigth"),
        ("nonsense=1", "nonsense"),
        ("events.nope.magnitude=0.5", "events.nope.magnitude"),
    ],
)
def test_other_bad_set_paths(scenario_file, assignment, field):
    with pytest.raises(InputError) as info:
        load_scenario(str(scenario_file), overrides=[assignment])
    assert info.value.field == field


def test_set_without_equals(scenario_file):
    with pytest.raises(InputError):
        load_scenario(str(scenario_file), overrides=["mechanisms.threat.weight"])


def test_set_value_is_validated(scenario_file):
    with pytest.raises(InputError) as info:
        load_scenario(str(scenario_file), overrides=["mechanisms.threat.weight=.nan"])
    assert info.value.field == "mechanisms.threat.weight"


def test_good_set_paths_apply(scenario_file):
    scenario = load_scenario(
        str(scenario_file), overrides=["mechanisms.threat.weight=2.5", "events.x.magnitude=0.4", "years=3"]
    )
    assert scenario.spec.mechanisms.threat.weight == 2.5
    assert scenario.events[0].magnitude == 0.4
    assert scenario.spec.years == 3


def test_missing_scenario_file(tmp_path):
    with pytest.raises(InputError):
        load_scenario(str(tmp_path / "absent.yaml"))


def test_trade_cut_buyer_cannot_also_be_a_supplier():
    cut = {"id": "x", "type": "trade_cut", "by": ["IND", "RUS"], "supplier": ["RUS"], "at": "2025-01-01"}
    err = rejects(doc_text(events=[cut]))
    assert err.field.startswith("events.x")
    assert "RUS" in err.expected
