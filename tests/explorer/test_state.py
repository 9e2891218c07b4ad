"""The explorer's state becomes the scenario file the command line would run, and the page says what it says.

These tests hold the page to the command line without a browser: the edited document validates as
a file, its download reproduces the page's worlds, a bad edit gets the command line's message word
for word, and a link restores the state it was copied from.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.explorer.state import (
    EventEdit,
    Exploration,
    build,
    edited_document,
    event_rows,
    from_link,
    policies,
    scenario_yaml,
    source_document,
    to_link,
)
from powershift.model.actors import POLICY_BOUNDS, POLICY_NAMES
from powershift.model.files import MAX_FILE_BYTES, InputError, file_text, read_mapping
from powershift.model.scenario import load_scenario, with_horizon
from tests.conftest import ROOT

BASELINE_EVENTS = ["ind-pak-crisis-hazard", "pak-economic-shock-hazard", "pak-political-instability-hazard"]


def test_an_unedited_state_is_the_named_scenario() -> None:
    state = Exploration(scenario="baseline")
    scenario = build(state)
    assert not state.edited and state.label == "baseline"
    assert scenario.spec == load_scenario("baseline").spec
    assert [e.id for e in scenario.events] == BASELINE_EVENTS


def test_policy_event_index_and_horizon_edits_reach_the_scenario() -> None:
    state = (
        Exploration(scenario="baseline", years=5, index="cinc")
        .with_policy("PAK", "hedging", 1.7)
        .with_event("pak-economic-shock-hazard", on=False)
        .with_event("ind-pak-crisis-hazard", magnitude=0.25, date="2025-06-01")
    )
    scenario = build(state)
    assert state.edited and state.label == "baseline-explored"
    assert scenario.spec.actors["PAK"].policy["hedging"] == 1.7
    assert scenario.spec.years == 5 and scenario.spec.power.index == "cinc"
    events = {e.id: e for e in scenario.events}
    assert "pak-economic-shock-hazard" not in events
    assert events["ind-pak-crisis-hazard"].magnitude == 0.25
    assert events["ind-pak-crisis-hazard"].start == dt.date(2025, 6, 1)  # a hazard's date is its first day
    assert policies(scenario)["PAK"]["hedging"] == 1.7


def test_sliders_start_at_the_scenarios_own_policies() -> None:
    """An actor set's judgement, then the file's override (seed-2024 sets none; a file with one shows it)."""
    scenario = load_scenario("seed-2024")
    values = policies(scenario)
    assert set(values) == set(scenario.actors.codes)
    for i, code in enumerate(scenario.actors.codes):
        for name in POLICY_NAMES:
            low, high = POLICY_BOUNDS[name]
            assert low <= values[code][name] <= high
            expected = scenario.spec.actors[code].policy.get(name) if code in scenario.spec.actors else None
            assert values[code][name] == (expected if expected is not None else scenario.actors.policy[name][i])


def test_the_download_runs_to_the_same_worlds(tmp_path) -> None:
    """The file the page offers is what the page ran: `powershift run` on it draws identical tables."""
    state = (
        Exploration(scenario="seed-2024", worlds=6, seed=3)
        .with_policy("PAK", "hedging", 1.9)
        .with_event(event_rows(Exploration(scenario="seed-2024"))[0]["id"], on=False)
    )
    path = tmp_path / f"{state.label}.yaml"
    path.write_text(scenario_yaml(state))
    from_file, in_page = load_scenario(str(path)), build(state)
    assert from_file.sha256 == in_page.sha256 and from_file.name == in_page.name
    a = run_ensemble(from_file, state.worlds, state.seed).tables
    b = run_ensemble(in_page, state.worlds, state.seed).tables
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_a_shorter_horizon_changes_nothing_the_run_sees(tmp_path) -> None:
    """Events that could only fire after the new end are dropped (and an `until` past it lifted) so the file
    validates; its worlds are those of the full scenario cut to the horizon (``--years``)."""
    state = Exploration(scenario="seed-2024", years=2, worlds=4, seed=1)
    full = source_document(Exploration(scenario="seed-2024"))["events"]
    kept = edited_document(state)["events"]
    assert 0 < len(kept) < len(full)
    cut = with_horizon(load_scenario("seed-2024"), 2)
    a = run_ensemble(build(state), 4, 1).tables
    b = run_ensemble(cut, 4, 1).tables
    for name in ("trajectories", "alignment", "metrics"):
        pd.testing.assert_frame_equal(a[name], b[name])
    pd.testing.assert_frame_equal(a["events"], b["events"])


def test_inherited_events_are_copied_in_so_each_can_be_switched() -> None:
    raw = read_mapping(ROOT / "scenarios" / "history-2019-2024.yaml")
    assert raw.get("events_from")
    document = source_document(Exploration(scenario="history-2019-2024"))
    assert "events_from" not in document
    assert len(document["events"]) == len(load_scenario("history-2019-2024").events)
    first = document["events"][0]["id"]
    off = build(Exploration(scenario="history-2019-2024").with_event(first, on=False))
    assert first not in [e.id for e in off.events]


@pytest.mark.parametrize(
    ("edit", "assignment"),
    [
        (lambda s: s.with_policy("PAK", "hedging", 5.0), "actors.PAK.policy.hedging=5"),
        (lambda s: s.with_policy("PAK", "inertia", -0.1), "actors.PAK.policy.inertia=-0.1"),
        (lambda s: s.with_event("ind-pak-crisis-hazard", magnitude=1.5), "events.ind-pak-crisis-hazard.magnitude=1.5"),
        (
            lambda s: s.with_event("ind-pak-crisis-hazard", date="2050-01-01"),
            "events.ind-pak-crisis-hazard.start=2050-01-01",
        ),
    ],
)
def test_a_bad_edit_gets_the_command_lines_message(edit, assignment) -> None:
    with pytest.raises(InputError) as page:
        build(edit(Exploration(scenario="baseline")))
    with pytest.raises(InputError) as cli:
        load_scenario("baseline", [assignment])
    assert str(page.value) == str(cli.value)


def test_a_bad_file_gets_the_command_lines_message(tmp_path) -> None:
    bad = "title: t\ndescription: d\nstart: 2024-01-01\nyears: -3\n"
    with pytest.raises(InputError) as page:
        build(Exploration(scenario="bad", text=bad))
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    with pytest.raises(InputError) as cli:
        load_scenario(str(path))
    assert str(page.value).replace("bad.yaml", "X") == str(cli.value).replace(str(path), "X")
    assert "years" in str(page.value)


def test_file_text_refuses_as_a_file_on_disk_is_refused(tmp_path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError) as disk:
        read_mapping(path)
    with pytest.raises(InputError) as dropped:
        file_text(path.read_bytes(), path)
    assert str(disk.value) == str(dropped.value)
    with pytest.raises(InputError, match="smaller than"):
        file_text(b"x" * (MAX_FILE_BYTES + 1), "big.yaml")


policy_values = st.dictionaries(
    st.sampled_from(["PAK", "IND", "USA"]),
    st.dictionaries(st.sampled_from(POLICY_NAMES), st.floats(0, 2, allow_nan=False), min_size=1),
    max_size=3,
)


@settings(max_examples=40, deadline=None)
@given(
    policy=policy_values,
    worlds=st.integers(1, 2000),
    seed=st.integers(0, 2**32 - 1),
    years=st.none() | st.floats(0.25, 30, allow_nan=False),
    off=st.booleans(),
    magnitude=st.none() | st.floats(0, 1, allow_nan=False),
)
def test_a_link_restores_the_state_it_was_copied_from(policy, worlds, seed, years, off, magnitude) -> None:
    state = Exploration(
        scenario="baseline",
        years=years,
        worlds=worlds,
        seed=seed,
        policy=policy,
        events={"ind-pak-crisis-hazard": EventEdit(on=not off, magnitude=magnitude)},
    )
    assert from_link(to_link(state)) == state
    assert from_link("?" + to_link(state)) == state


def test_a_link_carries_a_dropped_file() -> None:
    text = "# a file the user dropped\n" + (ROOT / "scenarios" / "baseline.yaml").read_text()
    state = Exploration(scenario="mine", text=text)
    assert from_link(to_link(state)) == state


@pytest.mark.parametrize("query", ["state=abc", "state=", "state=" + "A" * 40, "other=1&state=%%%"])
def test_a_damaged_link_is_refused_in_one_line(query) -> None:
    with pytest.raises(InputError) as err:
        from_link(query)
    assert str(err.value).startswith("link: state: a link copied from the explorer")


def test_no_link_is_the_default_page() -> None:
    assert from_link("") == Exploration() and from_link("?x=1") == Exploration()


def test_states_are_equal_by_value() -> None:
    """The baseline cache and the rerun trigger compare states by value: editing back undoes an edit."""
    a = Exploration().with_policy("PAK", "hedging", 1.0)
    b = Exploration().with_policy("PAK", "hedging", 1.0)
    assert a == b and a.key() == b.key() and a.baseline() == Exploration()
    assert a.with_policy("PAK", "hedging", 0.5) != a
    assert np.isclose(a.policy["PAK"]["hedging"], 1.0)
