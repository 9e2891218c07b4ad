"""The plain Mesa way: one world per model, usable with mesa.batch_run, equal to ensemble worlds."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from powershift.model.dyads import Dyad
from powershift.model.scenario import load_scenario
from powershift.model.single import SingleWorld
from powershift.model.world import World, world_seed


def test_single_world_equals_the_same_world_of_a_batch() -> None:
    single = SingleWorld("seed-2024", rng=4, replicate=2)
    while single.running:
        single.step()
    batch = World(load_scenario("seed-2024"), [world_seed(4, r) for r in range(5)])
    batch.run()
    assert np.array_equal(single.recording.alignment[:, 0], batch.recording.alignment[:, 2])
    assert np.array_equal(single.recording.actors["power_share"][:, 0], batch.recording.actors["power_share"][:, 2])
    frame = single.datacollector.get_model_vars_dataframe()
    assert len(frame) == single.horizon + 1
    assert frame["polarity"].iloc[-1] == batch.recording.metrics["polarity"][-1, 2]
    dyads = [c for c in frame.columns if c.startswith("alignment_")]
    assert len(dyads) == 10 and "alignment_PAK-RUS" in dyads
    for k, dyad in enumerate(Dyad.of_pairs(batch.actor_set.codes)):
        assert np.array_equal(frame[f"alignment_{dyad.canonical()}"].to_numpy(), batch.recording.alignment[:, 2, k])


def test_batch_run_runs_one_model_per_combination() -> None:
    mesa = pytest.importorskip("mesa")
    if not hasattr(mesa, "batch_run"):
        pytest.skip("this Mesa has no batch_run")
    parameters = {"scenario": "baseline", "mechanisms.threat.weight": [0.0, 1.0]}
    options = {"number_processes": 1, "data_collection_period": -1, "max_steps": 100, "display_progress": False}
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa >= 3.4 takes the seeds as an argument
        rows = mesa.batch_run(SingleWorld, parameters, rng=[1, 2], **options)
    else:
        rows = mesa.batch_run(SingleWorld, {**parameters, "rng": [1, 2]}, **options)
    runs = {(r["rng"], r["mechanisms.threat.weight"]) for r in rows}
    assert runs == {(1, 0.0), (1, 1.0), (2, 0.0), (2, 1.0)}
    assert {r["actor"] for r in rows} == {"PAK", "RUS", "IND", "USA", "CHN"}
    shares = [sum(r["power_share"] for r in rows if r["RunId"] == run) for run in {r["RunId"] for r in rows}]
    assert np.allclose(shares, 1.0)
