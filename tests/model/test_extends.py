"""``extends:``: a scenario built on another, merged by the documented rules, and refused in one line when
the chain is broken."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario, scenario_from_text

DEAL = """
- id: my-deal
  type: energy_deal
  supplier: RUS
  buyer: PAK
  at: 2025-01-01
  volume_bn: 1.5
"""


def write(folder: Path, name: str, text: str) -> str:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return str(folder / name)


def test_a_child_without_changes_is_its_parent(tmp_path: Path) -> None:
    child = load_scenario(write(tmp_path, "same.yaml", "extends: seed-2024\n"))
    parent = load_scenario("seed-2024")
    assert child.spec == parent.spec and child.name == "same"
    assert child.sha256 != parent.sha256  # the digest covers both files
    a, b = run_ensemble(child, 3, 4).tables, run_ensemble(parent, 3, 4).tables
    pd.testing.assert_frame_equal(a["trajectories"], b["trajectories"])


def test_keys_merge_mappings_and_replace_the_rest(tmp_path: Path) -> None:
    text = "extends: seed-2024\ntitle: Mine\nfocus: [PAK-RUS]\nactors: {PAK: {policy: {hedging: 0.5}}}\n"
    child = load_scenario(write(tmp_path, "mine.yaml", text)).spec
    parent = load_scenario("seed-2024").spec
    assert child.title == "Mine" and child.description == parent.description and child.focus == ["PAK-RUS"]
    assert child.actors["PAK"].policy["hedging"] == 0.5
    for code, override in parent.actors.items():  # the parent's other overrides are kept
        for name, value in override.policy.items():
            if (code, name) != ("PAK", "hedging"):
                assert child.actors[code].policy[name] == value


def test_events_are_added_replaced_in_place_and_removed(tmp_path: Path) -> None:
    parent = [e.id for e in load_scenario("seed-2024").events]
    replaced = "- {id: russian-crude, type: energy_deal, supplier: RUS, buyer: PAK, at: 2024-07-01, volume_bn: 0.1}\n"
    text = f"extends: seed-2024\nremove_events: [{parent[1]}, {parent[2]}]\nevents:\n{replaced}{DEAL}"
    child = load_scenario(write(tmp_path, "mine.yaml", text))
    ids = [e.id for e in child.events]
    assert ids == [i for i in parent if i not in parent[1:3]] + ["my-deal"]
    crude = next(e for e in child.events if e.id == "russian-crude")
    assert crude.volume_bn == 0.1


def test_set_entries_reach_inherited_events_and_any_field(tmp_path: Path) -> None:
    text = "extends: baseline\nset:\n  events.ind-pak-crisis-hazard.magnitude: 0.2\n  mechanisms.threat.weight: 0.7\n"
    child = load_scenario(write(tmp_path, "mine.yaml", text))
    assert next(e for e in child.events if e.id == "ind-pak-crisis-hazard").magnitude == 0.2
    assert child.spec.mechanisms.threat.weight == 0.7


def test_chains_resolve_parents_first_and_paths_from_the_files_folder(tmp_path: Path) -> None:
    write(tmp_path, "studies/base.yaml", f"extends: seed-2024\nevents:{DEAL}")
    write(tmp_path, "studies/deeper/child.yaml", "extends: ../base.yaml\ndescription: second level\n")
    child = load_scenario(str(tmp_path / "studies" / "deeper" / "child.yaml"))
    assert child.spec.description == "second level" and child.events[-1].id == "my-deal"


def test_command_line_set_reaches_events_inherited_through_events_from() -> None:
    first = load_scenario("history-2019-2024").events[0].id
    scenario = load_scenario("history-2019-2024", [f"events.{first}.magnitude=0.3"])
    assert scenario.events[0].magnitude == 0.3


def test_a_parents_events_from_can_be_removed_from(tmp_path: Path) -> None:
    first = load_scenario("history-2019-2024").events[0].id
    child = load_scenario(write(tmp_path, "h.yaml", f"extends: history-2019-2024\nremove_events: [{first}]\n"))
    assert first not in [e.id for e in child.events]
    assert len(child.events) == len(load_scenario("history-2019-2024").events) - 1


@pytest.mark.parametrize(
    ("files", "start", "message"),
    [
        ({"a.yaml": "extends: b.yaml\n", "b.yaml": "extends: a.yaml\n"}, "a.yaml", "without a cycle, got a → b → a"),
        ({"a.yaml": "extends: a.yaml\n"}, "a.yaml", "without a cycle, got a → a"),
        ({"a.yaml": "extends: no-such\n"}, "a.yaml", "a.yaml: extends: the name of a scenario in scenarios/"),
        ({"a.yaml": "extends: basline\n"}, "a.yaml", "did you mean 'baseline'?"),
        ({"a.yaml": "extends: gone/x.yaml\n"}, "a.yaml", "a.yaml: extends: an existing scenario file"),
        ({"a.yaml": "extends: [1]\n"}, "a.yaml", "a.yaml: extends: a scenario name or a path"),
        ({"a.yaml": "extends: baseline\nremove_events: [nope]\n"}, "a.yaml", "remove_events.0: the id of an event"),
        ({"a.yaml": "extends: baseline\nremove_events: nope\n"}, "a.yaml", "remove_events: a list of event ids"),
        ({"a.yaml": "title: t\nremove_events: [x]\n"}, "a.yaml", "a.yaml: remove_events: a key of a scenario"),
        ({"a.yaml": "extends: baseline\nset: [x]\n"}, "a.yaml", "a.yaml: set: a mapping of dotted parameter paths"),
        ({"a.yaml": "extends: baseline\nset: {mechanisms.nope: 1}\n"}, "a.yaml", "set.mechanisms.nope: a known"),
        ({"a.yaml": "extends: baseline\nset: {events.nope.magnitude: 1}\n"}, "a.yaml", "set.events.nope.magnitude"),
        ({"a.yaml": "extends: baseline\nevents: {id: x}\n"}, "a.yaml", "a.yaml: events: a list of events"),
    ],
)
def test_a_broken_chain_is_refused_in_one_line(tmp_path: Path, files: dict[str, str], start: str, message: str) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        load_scenario(str(tmp_path / start))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_validation_error_in_the_merged_document_names_the_child(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", "extends: baseline\nset: {actors.PAK.policy.hedging: 9}\n")
    with pytest.raises(InputError, match=r"mine.yaml: actors.PAK.policy: policy hedging must be within"):
        load_scenario(path)


def test_text_scenarios_extend_too() -> None:
    scenario = scenario_from_text("extends: baseline\ntitle: From text\n", "t")
    assert scenario.spec.title == "From text" and len(scenario.events) == len(load_scenario("baseline").events)
