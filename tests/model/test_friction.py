"""Ties friction: the default may vary by world (a sweep or a posterior), a scenario's per-dyad values win."""

from __future__ import annotations

import numpy as np

from powershift.model.world import World, world_seed
from tests.conftest import make_scenario


def test_per_world_friction_reaches_each_world() -> None:
    scenario = make_scenario()
    values = {"mechanisms.ties.friction": np.array([0.1, 0.7])}
    world = World(scenario, [world_seed(0, r) for r in range(2)], values=values)
    off_diagonal = ~np.eye(world.n, dtype=bool)
    assert np.all(world.friction[0][off_diagonal] == 0.1)
    assert np.all(world.friction[1][off_diagonal] == 0.7)


def test_a_scenario_friction_for_one_dyad_wins_in_every_world() -> None:
    scenario = make_scenario(friction={"PAK-RUS": 0.25})
    values = {"mechanisms.ties.friction": np.array([0.1, 0.7])}
    world = World(scenario, [world_seed(0, r) for r in range(2)], values=values)
    pak, rus = (world.actor_set.index(c) for c in ("PAK", "RUS"))
    assert np.all(world.friction[:, pak, rus] == 0.25) and np.all(world.friction[:, rus, pak] == 0.25)
    others = [i for i in range(world.n) if i not in (pak, rus)]
    assert world.friction[1, others[0], others[1]] == 0.7
