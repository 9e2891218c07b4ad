"""Ensembles, tables and results folders: batch independence, paired randomness, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.results.storage import read_results, write_results
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario, scenario_from_text
from powershift.model.world import World, world_seed

HEADER = "title: t\ndescription: d\nstart: 2024-01-01\nyears: 3\n"
HAZARDS = (
    HEADER
    + """events:
  - {id: unrest, type: political_instability, actor: PAK, hazard: 0.4, max_occurrences: 5}
  - {id: clash, type: crisis, actors: [IND, PAK], hazard: 0.3, duration: 0.5}
"""
)


@pytest.mark.parametrize("batch", [1, 4, 7])
def test_ensemble_is_identical_whatever_the_batch_size(batch: int) -> None:
    scenario = scenario_from_text(HAZARDS)
    whole = run_ensemble(scenario, replicates=9, seed=5, chunk=500).tables
    split = run_ensemble(scenario, replicates=9, seed=5, chunk=batch).tables
    for name, table in whole.items():
        pd.testing.assert_frame_equal(table, split[name], check_exact=True)


def test_event_lottery_is_shared_by_scenarios_that_contain_the_event() -> None:
    alone = scenario_from_text(HAZARDS)
    extra = scenario_from_text(
        HAZARDS.replace("events:\n", "events:\n  - {id: talks, type: summit, actors: [PAK, RUS], hazard: 0.5}\n")
    )
    fired = {}
    for name, scenario in (("alone", alone), ("extra", extra)):
        events = run_ensemble(scenario, replicates=20, seed=3).tables["events"]
        fired[name] = events[events.event != "talks"].reset_index(drop=True)
    assert len(fired["alone"]) > 0
    pd.testing.assert_frame_equal(fired["alone"], fired["extra"])


def test_contributions_in_the_table_add_up_to_alignment_changes() -> None:
    table = run_ensemble(scenario_from_text(HAZARDS), replicates=3, seed=2).tables["alignment"]
    table = table.sort_values(["replicate", "actor_a", "actor_b", "step"])
    change = table.groupby(["replicate", "actor_a", "actor_b"]).alignment.diff().dropna()
    contrib = table.filter(like="contrib_").sum(axis=1).loc[change.index]
    np.testing.assert_allclose(change, contrib, atol=1e-12)


def test_event_contributions_split_the_events_column_event_by_event() -> None:
    tables = run_ensemble(load_scenario("seed-2024", years=3), replicates=3, seed=2).tables
    split = tables["event_contributions"]
    assert split.event.nunique() > 5 and (split.contribution != 0).all()
    keys = ["replicate", "step", "actor_a", "actor_b"]
    summed = split.groupby(keys).contribution.sum()
    events = tables["alignment"].set_index(keys).contrib_events
    np.testing.assert_allclose(events.loc[summed.index], summed, atol=1e-12)
    assert (events.drop(summed.index) == 0).all()  # no events column without an event behind it
    one = split[(split.event == "igc-commission") & (split.actor_a == "PAK") & (split.actor_b == "RUS")]
    assert one.contribution.sum() > 0 and one.replicate.nunique() == 3


def pair_index(world: World, a: str, b: str) -> int:
    i, j = world.pairs
    return next(k for k in range(len(i)) if {world.codes[i[k]], world.codes[j[k]]} == {a, b})


def test_sanctions_in_force_keep_the_start_at_rest_and_relief_reopens_trade() -> None:
    quiet = HEADER + "mechanisms: {noise: {enabled: false}}\n"
    relief = quiet + "events:\n  - {id: relief, type: sanctions_relief, by: [USA], target: [RUS], at: 2024-04-01}\n"
    runs = {}
    for name, text in (("quiet", quiet), ("relief", relief)):
        world = World(scenario_from_text(text), [world_seed(0, 0)])
        world.run()
        runs[name] = world.recording.trade[:, 0, pair_index(world, "RUS", "USA")]
    start = runs["quiet"][0]
    assert runs["quiet"][1] == pytest.approx(start, rel=0.02)  # no jump at the start
    assert runs["relief"][-1] > 3 * start  # lifting 0.9-level sanctions restores most trade


def test_per_world_values_with_unknown_paths_are_refused() -> None:
    scenario = scenario_from_text(HAZARDS)
    seeds = [world_seed(0, r) for r in range(2)]
    for path in ("mechanisms.thret.weight", "actors.XYZ.policy.hedging", "events.nope.magnitude", "title"):
        with pytest.raises(InputError, match="values"):
            World(scenario, seeds, values={path: np.zeros(2)})
    world = World(
        scenario,
        seeds,
        values={"mechanisms.threat.weight": np.array([0.0, 2.0]), "actors.PAK.policy.hedging": np.array([0.1, 1.9])},
    )
    assert world.mechanism_weight["threat"].tolist() == [0.0, 2.0]


def test_absurd_replicate_counts_are_refused_with_a_memory_estimate() -> None:
    with pytest.raises(InputError, match="GiB"):
        run_ensemble(load_scenario("baseline"), replicates=900_000)


def test_results_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    results = run_ensemble(scenario_from_text(HAZARDS), replicates=2, seed=0)

    def failing_charts(folder: Path, meta: dict, tables: dict) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_results(results, tmp_path / "out", "csv", failing_charts)
    assert list(tmp_path.iterdir()) == []
    write_results(results, tmp_path / "out", "csv")
    meta, tables = read_results(tmp_path / "out")
    assert meta["replicates"] == 2
    pd.testing.assert_frame_equal(tables["metrics"], results.tables["metrics"], check_dtype=False)


@pytest.mark.parametrize("name", ["seed-2024", "pakistan-instability", "sanctions-relief"])
def test_named_scenarios_are_batch_independent(name: str) -> None:
    scenario = load_scenario(name)
    whole = run_ensemble(scenario, replicates=5, seed=9, chunk=500).tables
    single = run_ensemble(scenario, replicates=5, seed=9, chunk=1).tables
    for table, frame in whole.items():
        pd.testing.assert_frame_equal(frame, single[table], check_exact=True)


@pytest.mark.slow(seconds=10)
def test_every_named_scenario_runs_with_twenty_replicates() -> None:
    from powershift.model.scenario import scenario_names

    names = scenario_names()
    assert len(names) >= 11
    for name in names:
        tables = run_ensemble(load_scenario(name), replicates=20, seed=0).tables
        assert tables["trajectories"].replicate.nunique() == 20
        assert np.isfinite(tables["alignment"].select_dtypes("number").to_numpy()).all()
