"""The tidy tables, built from the recording's arrays (``analysis.results.tables``), equal the same tables
built the straightforward way: the reference below, one dict of columns per table, sorted by pandas, which is
how they were made before they were made fast. It is the specification: same columns, order, dtypes, index and
values, and byte-identical Parquet and CSV files, for a chunk and for an ensemble of chunks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.results.storage import write_table
from powershift.analysis.results.tables import TABLES, dyad_names, recording_tables
from powershift.model.scenario import Scenario, load_scenario, scenario_from_text
from powershift.model.world import ACTOR_SERIES, CONTRIBUTIONS, METRIC_SERIES, World, world_seed
from tests.conftest import make_scenario

HAZARDS = """title: t
description: d
start: 2024-01-01
years: 3
events:
  - {id: unrest, type: political_instability, actor: PAK, hazard: 0.4, max_occurrences: 5}
  - {id: clash, type: crisis, actors: [IND, PAK], hazard: 0.3, duration: 0.5}
  - {id: another, type: summit, actors: [PAK, RUS], hazard: 0.5}
  - {id: talks, type: summit, actors: [USA, CHN], hazard: 0.5}
"""


# --- the reference: the tables as they were built before ------------------------------------------------


def reference_tables(
    world: World, replicates: np.ndarray | None = None, points: np.ndarray | None = None
) -> dict[str, pd.DataFrame]:
    steps, worlds = world.recording.alignment.shape[:2]
    dates = pd.to_datetime([world.date_of(s) for s in range(steps)])
    replicate = np.arange(worlds) if replicates is None else np.asarray(replicates)
    a, b = dyad_names(world)
    return {
        "trajectories": reference_trajectories(world, dates, replicate, points),
        "alignment": reference_alignment(world, dates, replicate, points, a, b),
        "metrics": reference_metrics(world, dates, replicate, points),
        "events": reference_events(world, dates, replicate, points),
        "event_contributions": reference_event_contributions(world, dates, replicate, points, a, b),
    }


def reference_frame(
    index: dict[str, np.ndarray], columns: dict[str, np.ndarray], points: np.ndarray | None
) -> pd.DataFrame:
    table = pd.DataFrame({**index, **columns})
    if points is not None:
        table.insert(0, "point", np.asarray(points)[table.pop("world")])
    else:
        table.pop("world")
    return table


def reference_keys(grid_w: np.ndarray, grid_s: np.ndarray, replicate: np.ndarray, dates: pd.DatetimeIndex) -> dict:
    return {
        "world": grid_w.ravel(),
        "replicate": replicate[grid_w.ravel()],
        "step": grid_s.ravel(),
        "date": dates[grid_s.ravel()],
    }


def reference_trajectories(
    world: World, dates: pd.DatetimeIndex, replicate: np.ndarray, points: np.ndarray | None
) -> pd.DataFrame:
    h = world.recording
    steps, worlds = h.alignment.shape[:2]
    grid_w, grid_s, grid_a = np.meshgrid(np.arange(worlds), np.arange(steps), np.arange(world.n), indexing="ij")
    trajectories = reference_frame(
        {**reference_keys(grid_w, grid_s, replicate, dates), "actor": np.array(world.codes)[grid_a.ravel()]},
        {k: np.moveaxis(h.actors[k], 1, 0).ravel() for k in ACTOR_SERIES},
        points,
    )
    trajectories["bloc"] = trajectories["bloc"].astype(int)
    return trajectories


def reference_alignment(
    world: World,
    dates: pd.DatetimeIndex,
    replicate: np.ndarray,
    points: np.ndarray | None,
    a: np.ndarray,
    b: np.ndarray,
) -> pd.DataFrame:
    h = world.recording
    steps, worlds = h.alignment.shape[:2]
    grid_w, grid_s, grid_p = np.meshgrid(np.arange(worlds), np.arange(steps), np.arange(len(a)), indexing="ij")
    contrib = np.moveaxis(h.contributions, 1, 0).reshape(-1, len(CONTRIBUTIONS))
    keys = reference_keys(grid_w, grid_s, replicate, dates)
    return reference_frame(
        {**keys, "actor_a": a[grid_p.ravel()], "actor_b": b[grid_p.ravel()]},
        {
            "alignment": np.moveaxis(h.alignment, 1, 0).ravel(),
            "trade": np.moveaxis(h.trade, 1, 0).ravel(),
            **{f"contrib_{name}": contrib[:, k] for k, name in enumerate(CONTRIBUTIONS)},
        },
        points,
    )


def reference_metrics(
    world: World, dates: pd.DatetimeIndex, replicate: np.ndarray, points: np.ndarray | None
) -> pd.DataFrame:
    h = world.recording
    steps, worlds = h.alignment.shape[:2]
    grid_w, grid_s = np.meshgrid(np.arange(worlds), np.arange(steps), indexing="ij")
    return reference_frame(
        reference_keys(grid_w, grid_s, replicate, dates),
        {k: np.moveaxis(h.metrics[k], 1, 0).ravel() for k in METRIC_SERIES},
        points,
    )


def reference_events(
    world: World, dates: pd.DatetimeIndex, replicate: np.ndarray, points: np.ndarray | None
) -> pd.DataFrame:
    fired = world.recording.fired
    counts = [len(worlds_fired) for _, worlds_fired, _ in fired]
    steps = np.repeat(np.array([step for step, _, _ in fired], dtype=np.int64), counts)
    kinds = np.repeat(np.array([k for _, _, k in fired], dtype=np.int64), counts)
    worlds_fired = np.concatenate([np.asarray(w, dtype=np.int64) for _, w, _ in fired]) if fired else np.empty(0, int)
    declared = world.events
    firings = reference_frame(
        {
            "world": worlds_fired,
            "replicate": replicate[worlds_fired],
            "step": steps,
            "date": dates[steps],
            "event": np.array([e.id for e in declared], dtype=object)[kinds],
            "type": np.array([e.kind for e in declared], dtype=object)[kinds],
            "actors": np.array([",".join(e.parties()) for e in declared], dtype=object)[kinds],
        },
        {"hypothetical": np.array([e.hypothetical for e in declared], dtype=bool)[kinds]},
        points,
    )
    columns = ["replicate", "step", "date", "event", "type", "actors", "hypothetical"]
    columns = ["point"] * (points is not None) + columns
    events = firings if fired else pd.DataFrame(columns=columns)
    events = events.astype({"replicate": "int64", "step": "int64", "date": "datetime64[ns]", "hypothetical": bool})
    order = ["point"] * (points is not None) + ["replicate", "step", "event"]
    return events.sort_values(order, kind="stable").reset_index(drop=True)


def reference_event_contributions(
    world: World,
    dates: pd.DatetimeIndex,
    replicate: np.ndarray,
    points: np.ndarray | None,
    actor_a: np.ndarray,
    actor_b: np.ndarray,
) -> pd.DataFrame:
    split = world.recording.event_contributions.dense()  # (S+1, W, P, E), as the recording once held it
    steps, worlds, pairs, events = np.nonzero(split)
    table = pd.DataFrame(
        {
            "replicate": replicate[worlds].astype("int64"),
            "step": steps.astype("int64"),
            "date": dates[steps],
            "actor_a": actor_a[pairs],
            "actor_b": actor_b[pairs],
            "event": np.array([e.id for e in world.events], dtype=object)[events],
            "contribution": split[steps, worlds, pairs, events],
        }
    )
    table = table.astype({"actor_a": "str", "actor_b": "str", "event": "str"})
    if points is not None:
        table.insert(0, "point", np.asarray(points)[worlds])
    order = ["point"] * (points is not None) + ["replicate", "step", "actor_a", "actor_b", "event"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


# --- the comparison -------------------------------------------------------------------------------------


def assert_identical(tables: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame], folder: Path) -> None:
    """Same frames (columns, dtypes, index, every value) and the same bytes once written, in both formats."""
    assert list(tables) == list(reference) == list(TABLES)
    for name in TABLES:
        pd.testing.assert_frame_equal(
            tables[name], reference[name], check_exact=True, check_index_type=True, check_column_type=True
        )
        for fmt in ("parquet", "csv"):
            files = []
            for which, table in (("new", tables[name]), ("reference", reference[name])):
                path = folder / f"{name}-{which}.{fmt}"
                write_table(table, path, fmt)
                files.append(hashlib.sha256(path.read_bytes()).hexdigest())
            assert files[0] == files[1], f"{name}.{fmt} differs"


def seed_2024() -> Scenario:
    return load_scenario("seed-2024", years=2)


CASES = {
    # many events; the actors are not in alphabetical order, so dyads are renamed and re-sorted
    "seed-2024": (seed_2024, None, None),
    "seed-2024, replicates out of order, sweep points": (
        seed_2024,
        np.array([7, 2, 11, 0, 5, 4]),
        np.array([2, 0, 2, 1, 0, 1]),
    ),
    # hazards: events fire in some worlds and steps, not others; IND-PAK and CHN-USA in one step sort
    # differently by actor_a than by actor_b
    "hazards": (lambda: scenario_from_text(HAZARDS), np.array([3, 1, 4, 1, 5, 9]), None),
    "hazards, sweep points": (lambda: scenario_from_text(HAZARDS), None, np.array([5, 5, 3, 3, 0, 0])),
    # no event at all: empty events and event_contributions tables, typed as when something fired
    "no events": (make_scenario, None, None),
    "no events, sweep points": (make_scenario, np.arange(6), np.arange(6)),
}


@pytest.mark.parametrize("case", CASES)
def test_tables_equal_the_reference(case: str, tmp_path: Path) -> None:
    scenario, replicates, points = CASES[case]
    world = World(scenario(), [world_seed(3, r) for r in range(6)])
    world.run()
    tables = recording_tables(world, replicates, points)
    assert_identical(tables, reference_tables(world, replicates, points), tmp_path)
    assert tables["events"].empty == tables["event_contributions"].empty == case.startswith("no events")


def test_ensemble_tables_equal_the_reference_chunk_by_chunk(tmp_path: Path) -> None:
    """What ``run`` writes: chunks' tables concatenated, here three chunks of 3, 3 and 1 worlds."""
    scenario = seed_2024()
    tables = run_ensemble(scenario, replicates=7, seed=4, chunk=3).tables
    parts = []
    for first, last in ((0, 3), (3, 6), (6, 7)):
        world = World(scenario, [world_seed(4, r) for r in range(first, last)])
        world.run()
        parts.append(reference_tables(world, np.arange(first, last)))
    reference = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in TABLES}
    assert_identical(tables, reference, tmp_path)
