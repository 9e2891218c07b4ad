"""The mechanism registry: the one place that says which mechanisms exist, in what order, scaled by what.

The order is a contract with every results folder (``contrib_<name>`` columns), the policies
and parameter paths must be real ones, and an entry's weight must really switch its
contribution off: these tests check the registry against the schema and the running model.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from powershift.model import mechanisms
from powershift.model.actors import POLICY_NAMES
from powershift.model.mechanisms import INTENT_MECHANISMS, MECHANISMS, REGISTRY, Mechanism, check_registry
from powershift.model.parameters import Mechanisms, Parameters
from powershift.model.world import CONTRIBUTIONS, World, world_seed
from tests.conftest import column, make_scenario, run

BUSY = [
    {"id": "arms", "type": "arms_deal", "supplier": "RUS", "recipient": "PAK", "value_bn": 2.0, "at": "2024-04-01"},
    {"id": "ex", "type": "joint_exercise", "actors": ["PAK", "RUS"], "every": 1},
    {"id": "c", "type": "crisis", "actors": ["IND", "PAK"], "at": "2025-01-01", "duration": 1},
    {"id": "fta", "type": "trade_agreement", "actors": ["PAK", "CHN"], "at": "2024-07-01"},
]


def schema_node(path: str) -> Any:
    node: Any = Parameters()
    for part in path.split("."):
        assert hasattr(node, part), f"{path}: no {part!r} in the parameter schema"
        node = getattr(node, part)
    return node


def test_registry_order_is_the_contribution_columns() -> None:
    names = tuple(m.name for m in REGISTRY)
    assert names == MECHANISMS
    assert (*names, "events") == CONTRIBUTIONS
    # the columns results folders already carry; reordering them would silently relabel old results
    assert MECHANISMS == ("threat", "economic", "balance", "rival", "hedging", "ties", "relaxation", "noise")
    assert INTENT_MECHANISMS == tuple(m.name for m in REGISTRY if m.intent) == MECHANISMS[:6]


def test_registry_covers_every_mechanism_of_the_schema() -> None:
    switches = {"inertia"}  # a global switch on how states weigh forces, not a mechanism of its own
    assert set(MECHANISMS) == set(Mechanisms.model_fields) - switches


def test_every_entry_has_a_label_and_a_known_policy_or_none() -> None:
    labels = [m.label for m in REGISTRY]
    assert all(labels) and len(set(labels)) == len(labels)
    for m in REGISTRY:
        assert m.policy is None or m.policy in POLICY_NAMES, m.name
    assert {m.name: m.policy for m in REGISTRY if m.policy} == {
        "threat": "threat_sensitivity",
        "economic": "economic_pragmatism",
        "rival": "rival_reactivity",
        "hedging": "hedging",
    }


@pytest.mark.parametrize("entry", REGISTRY, ids=MECHANISMS)
def test_every_parameter_path_an_entry_names_exists_in_the_schema(entry: Mechanism) -> None:
    assert entry.weight, "a mechanism needs a weight to be switched off by"
    for path in entry.paths:
        assert path.startswith(f"mechanisms.{entry.name}."), path
        assert isinstance(schema_node(path), (int, float)), f"{path} is not a number"
    assert any(path.endswith(".enabled") for path in entry.weight), "its enabled switch must scale it"


def test_the_world_resolves_every_path_the_registry_names() -> None:
    world = World(make_scenario(years=1), [world_seed(0, 0)])
    assert set(mechanisms.READS) <= set(world.p)
    assert set(world.mechanism_weight) == set(MECHANISMS)


@pytest.mark.parametrize("entry", REGISTRY, ids=MECHANISMS)
def test_a_mechanism_contributes_nothing_in_a_world_where_its_weight_is_zero(entry: Mechanism) -> None:
    """World 0 keeps the default weight, world 1 has it at 0, in the same batch."""
    path = entry.weight[0]
    default = float(schema_node(path))
    h = run(make_scenario(events=BUSY, noise=True), worlds=2, values={path: np.array([default, 0.0])})
    contribution = h.contributions[..., column(entry.name)]
    assert np.abs(contribution[:, 0]).max() > 0, "the mechanism should act at its default weight"
    assert np.all(contribution[:, 1] == 0)


@pytest.mark.parametrize("entry", [m for m in REGISTRY if m.policy], ids=lambda m: m.name)
def test_a_state_weighs_a_mechanism_by_the_policy_its_entry_names(entry: Mechanism) -> None:
    values = {f"actors.PAK.policy.{entry.policy}": np.array([1.0, 0.0])}
    world = World(make_scenario(events=BUSY, noise=True), [world_seed(0, r) for r in range(2)], values=values)
    pak, ind = (next(a for a in world.agents if a.code == code) for code in ("PAK", "IND"))
    k = INTENT_MECHANISMS.index(entry.name)
    assert pak.weights()[k, 0] > 0
    assert pak.weights()[k, 1] == 0
    others = [m for m in range(len(INTENT_MECHANISMS)) if m != k]
    assert np.array_equal(pak.weights()[others, 0], pak.weights()[others, 1])
    assert np.array_equal(ind.weights()[:, 0], ind.weights()[:, 1])


def test_the_registry_refuses_duplicates_and_direct_entries_before_intent_ones() -> None:
    threat, noise = mechanisms.BY_NAME["threat"], mechanisms.BY_NAME["noise"]
    with pytest.raises(ValueError, match="unique"):
        check_registry((threat, dataclasses.replace(threat, label="again")))
    with pytest.raises(ValueError, match="before direct"):
        check_registry((noise, threat))
