"""An ensemble written chunk by chunk (``write_ensemble``, ``analysis.results.appending``) is the ensemble
gathered whole (``run_ensemble``): the same tables, read back through the reader every tool uses, in Parquet
and CSV, for any chunk size, serially or on workers that finish out of order; chunks are made smaller where
worlds are large, and a run that fails half-way leaves nothing."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.analyze.headline import HEADLINE_COLUMNS, headline
from powershift.analysis.experiments import engine
from powershift.analysis.experiments.engine import CHUNK_BYTES, Chunk, fitting_chunk, world_bytes
from powershift.analysis.experiments.ensemble import in_order, run_ensemble, write_ensemble
from powershift.analysis.results import readers
from powershift.analysis.results.appending import TableFile
from powershift.analysis.results.storage import write_results, write_streamed
from powershift.analysis.results.tables import TABLES
from powershift.model.actors import synthetic_actor_set
from powershift.model.scenario import load_scenario
from tests.results.test_tables import HAZARDS

SCENARIO = load_scenario("seed-2024", years=2)


def streamed_folder(tmp_path: Path, fmt: str, **kwargs) -> tuple[dict, dict[str, pd.DataFrame]]:
    def produce(staging: Path):
        return write_ensemble(staging, fmt, SCENARIO, **kwargs)

    out = tmp_path / f"streamed-{fmt}"
    write_streamed(out, fmt, produce)
    return readers.read_ensemble(out)


def gathered_folder(tmp_path: Path, fmt: str, replicates: int, seed: int) -> tuple[dict, dict[str, pd.DataFrame]]:
    out = tmp_path / f"gathered-{fmt}"
    write_results(run_ensemble(SCENARIO, replicates, seed, chunk=replicates), out, fmt)
    return readers.read_ensemble(out)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_written_chunk_by_chunk_reads_back_as_gathered_whole(tmp_path: Path, fmt: str) -> None:
    meta, streamed = streamed_folder(tmp_path, fmt, replicates=11, seed=3, chunk=4)  # chunks of 4, 4 and 3
    reference_meta, gathered = gathered_folder(tmp_path, fmt, 11, 3)
    assert meta["rows"] == reference_meta["rows"]
    for name in TABLES:
        pd.testing.assert_frame_equal(streamed[name], gathered[name], check_exact=True)
    assert streamed["events"].shape[0] > 0 and streamed["event_contributions"].shape[0] > 0


@pytest.mark.slow(seconds=6)
def test_chunks_from_workers_are_written_in_replicate_order(tmp_path: Path) -> None:
    _, streamed = streamed_folder(tmp_path, "parquet", replicates=9, seed=5, chunk=2, workers=2)
    _, gathered = gathered_folder(tmp_path, "parquet", 9, 5)
    for name in TABLES:
        pd.testing.assert_frame_equal(streamed[name], gathered[name], check_exact=True)


def test_chunks_finishing_in_any_order_are_handed_on_in_order() -> None:
    chunks = [Chunk(k, SCENARIO, 0, np.arange(k, k + 1)) for k in range(12)]
    finished = [(c, {"k": c.index}) for c in chunks]
    random.Random(1).shuffle(finished)
    assert [t["k"] for t in in_order(finished)] == list(range(12))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_table_whose_first_chunks_are_empty(tmp_path: Path, fmt: str) -> None:
    """An empty chunk's text columns may have no type; the file still holds every later chunk's rows."""
    full = pd.DataFrame({"replicate": [3, 4], "event": ["a", "b"], "value": [0.5, -1.0]})
    empty = pd.DataFrame({"replicate": pd.Series([], dtype="int64"), "event": [], "value": pd.Series([], dtype=float)})
    file = TableFile(tmp_path / f"t.{fmt}", fmt)
    for frame in (empty, empty, full, empty, full):
        file.append(frame)
    file.close()
    back = pd.read_parquet(file.path) if fmt == "parquet" else pd.read_csv(file.path)
    assert file.rows == 4
    assert back["replicate"].tolist() == [3, 4, 3, 4] and back["value"].tolist() == [0.5, -1.0, 0.5, -1.0]


def test_a_table_no_chunk_had_rows_for_is_written_empty(tmp_path: Path) -> None:
    empty = pd.DataFrame({"replicate": pd.Series([], dtype="int64"), "value": pd.Series([], dtype=float)})
    file = TableFile(tmp_path / "t.parquet", "parquet")
    file.append(empty)
    file.close()
    assert list(pd.read_parquet(file.path).columns) == ["replicate", "value"] and file.rows == 0


def test_chunks_of_large_worlds_are_made_smaller() -> None:
    large = dataclasses.replace(SCENARIO, actors=synthetic_actor_set(200))
    assert fitting_chunk(SCENARIO, 500) == 500  # seed-2024's worlds are small: the chunk asked for
    assert (
        fitting_chunk(large, 500) * world_bytes(large)
        <= CHUNK_BYTES
        < (fitting_chunk(large, 500) + 1) * world_bytes(large)
    )
    assert fitting_chunk(large, 1) == 1


def test_smaller_chunks_give_the_same_worlds(monkeypatch) -> None:
    """The chunk size fitted to memory changes only where worlds are computed, not what they are."""
    scenario = load_scenario("seed-2024", years=1)
    whole = run_ensemble(scenario, 6, 2).tables
    monkeypatch.setattr(engine, "CHUNK_BYTES", 2 * world_bytes(scenario))
    assert fitting_chunk(scenario, 500) == 2
    split = run_ensemble(scenario, 6, 2).tables
    for name in TABLES:
        pd.testing.assert_frame_equal(split[name], whole[name], check_exact=True)


def test_a_run_that_fails_half_way_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    """The second chunk's worlds blow up: the first chunk's rows were on disk, in the staging folder only."""
    from powershift.model.scenario import scenario_from_text

    scenario = scenario_from_text(HAZARDS, "hazards")
    real = engine.simulate

    def second_fails(chunk: Chunk):
        if chunk.index == 1:
            raise RuntimeError("the second chunk failed")
        return real(chunk)

    monkeypatch.setattr(engine, "simulate", second_fails)
    with pytest.raises(RuntimeError, match="second chunk"):
        write_streamed(
            tmp_path / "out", "parquet", lambda staging: write_ensemble(staging, "parquet", scenario, 4, chunk=2)
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_reading_a_few_steps_gives_those_rows_of_the_whole_table_and_the_same_headline(
    tmp_path: Path, fmt: str
) -> None:
    """``run`` reads only the first and last step back for the line it prints: the same rows as the whole
    table's, and so the same headline."""
    meta, whole = streamed_folder(tmp_path, fmt, replicates=6, seed=2, chunk=4)
    ends = (0, meta["steps"])
    _, few = readers.read_ensemble(
        tmp_path / f"streamed-{fmt}", only=("trajectories",), columns=HEADLINE_COLUMNS, steps=ends
    )
    expected = whole["trajectories"][HEADLINE_COLUMNS]
    expected = expected[expected["step"].isin(ends)].reset_index(drop=True)
    pd.testing.assert_frame_equal(few["trajectories"], expected, check_exact=True)
    assert len(expected) == 2 * 6 * len(meta["actors"])
    assert headline(meta, few) == headline(meta, whole)
