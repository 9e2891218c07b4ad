"""A run whose state goes NaN or infinite stops with one line naming the first variable, the step
and the world, and writes nothing (exit status 2 from the command line)."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

import run
from powershift.analysis.experiments.engine import Chunk, executor, simulate
from powershift.model import economy
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario
from powershift.model.world import NonFiniteState, World, world_seed

SCENARIO = "seed-2024"


def nan_output_at(monkeypatch: pytest.MonkeyPatch, step: int, world: int, actor: int = 0) -> None:
    """Make the economy's output NaN for one world and actor from the given step on (in this process)."""
    calls = {"n": 0}
    real = economy.output

    def output(*args: np.ndarray) -> np.ndarray:
        calls["n"] += 1  # called once a step, before the step counter moves on
        gdp = real(*args)
        if calls["n"] >= step:
            gdp = gdp.copy()
            gdp[world, actor] = np.nan
        return gdp

    monkeypatch.setattr(economy, "output", output)


def test_the_first_non_finite_variable_is_named_with_its_step_and_world(monkeypatch: pytest.MonkeyPatch) -> None:
    nan_output_at(monkeypatch, step=3, world=1)
    world = World(load_scenario(SCENARIO), [world_seed(0, r) for r in range(3)])
    with pytest.raises(NonFiniteState) as caught:
        world.run()
    exc = caught.value
    # milex, capability and power shares went NaN from it in the same step: the cause is named
    assert (exc.step, exc.world, exc.variable) == (3, 1, "gdp of PAK")
    assert str(exc) == "step 3, world 1: gdp of PAK is not finite (NaN or inf)"
    assert isinstance(exc, InputError) and isinstance(exc, ValueError)
    assert world.t == 3  # stopped at once


def test_a_state_that_overflows_stops_the_run_without_numpy_warnings() -> None:
    """No monkeypatching: growth of 1e300 a year makes GDP infinite within a few steps."""
    values = {"actors.IND.growth": np.array([0.03, 0.03, 1e300])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would fail here instead of the guard
        with pytest.raises(NonFiniteState, match=r"^step \d+, world 2: gdp of IND is not finite \(NaN or inf\)$"):
            World(load_scenario(SCENARIO), [world_seed(0, r) for r in range(3)], values).run()


def test_a_finite_run_passes_the_guard() -> None:
    world = World(load_scenario(SCENARIO), [world_seed(0, r) for r in range(2)])
    world.run()
    assert all(np.isfinite(v).all() for v in world.recording.actors.values())


def test_the_command_line_prints_one_line_exits_2_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # a default results/ folder would show up here too
    nan_output_at(monkeypatch, step=3, world=1)
    out = tmp_path / "out"
    assert run.main(["run", SCENARIO, "--replicates", "3", "--out", str(out), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert all(line.startswith("parameters: ") for line in captured.out.splitlines())  # only which set it used
    assert captured.err == "step 3, world 1: gdp of PAK is not finite (NaN or inf)\n"
    assert list(tmp_path.iterdir()) == []


def test_a_chunk_names_the_world_by_replicate_and_point(monkeypatch: pytest.MonkeyPatch) -> None:
    nan_output_at(monkeypatch, step=2, world=1, actor=4)
    chunk = Chunk(0, load_scenario(SCENARIO), 5, np.array([3, 4]), np.array([11, 12]))
    with pytest.raises(NonFiniteState, match=r"^step 2, world 4 \(point 12\): gdp of CHN is not finite"):
        simulate(chunk)


def test_the_error_crosses_to_the_parent_from_pool_workers() -> None:
    copy = pickle.loads(pickle.dumps(NonFiniteState(3, "4 (point 12)", "alignment of PAK-RUS")))
    assert str(copy) == "step 3, world 4 (point 12): alignment of PAK-RUS is not finite (NaN or inf)"

    scenario = load_scenario(SCENARIO)
    growth = {"actors.USA.growth": np.array([0.02, 1e300])}
    chunks = [Chunk(0, scenario, 1, np.array([0, 1])), Chunk(1, scenario, 1, np.array([2, 3]), values=growth)]
    with executor(workers=2, chunks=2) as pool, pytest.raises(NonFiniteState) as caught:
        list(pool.run(chunks, total_runs=4))
    assert caught.value.world == "3" and caught.value.variable == "gdp of USA"


def test_a_new_sweep_that_goes_non_finite_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    nan_output_at(monkeypatch, step=3, world=0)
    argv = ["sweep", SCENARIO, "--param", "alignment.rate=0.1:0.5", "--samples", "4", "--replicates", "1"]
    assert run.main([*argv, "--workers", "1", "--out", str(tmp_path / "sweep"), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1 and "is not finite" in captured.err
    assert list(tmp_path.iterdir()) == []
