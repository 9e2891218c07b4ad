"""Property tests: whatever the parameters, the state stays well-formed.

Random mechanism weights, rates, noise, event magnitudes and actor-set sizes (synthetic sets of
2 to 8 states written to a temporary YAML file); every step must keep alignment symmetric and
within [-1, 1], power shares non-negative and summing to 1, every recorded number finite, and
the recorded contributions adding up to the alignment change.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powershift.model.world import World, world_seed
from tests.conftest import history_arrays, make_scenario, write_synthetic

INTENT = ("threat", "economic", "balance", "rival", "hedging", "ties")
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def actor_sets(tmp_path_factory):
    directory = tmp_path_factory.mktemp("actor-sets")
    return {n: write_synthetic(n, directory, seed=n) for n in range(2, 9)}


def codes(n: int) -> list[str]:
    return [f"S{i:03d}" for i in range(n)]


@st.composite
def setups(draw):
    n = draw(st.integers(2, 8))
    weights = {m: draw(st.floats(0, 10)) for m in INTENT}
    mechanisms = {m: {"weight": w} for m, w in weights.items()}
    mechanisms["relaxation"] = {"rate": draw(st.floats(0, 10)), "enabled": draw(st.booleans())}
    mechanisms["noise"] = {
        "enabled": True,
        "sd": draw(st.floats(0, 1)),
        "instability_boost": draw(st.floats(0, 10)),
    }
    mechanisms["inertia"] = draw(st.booleans())
    rate = draw(st.floats(0, 10))
    c = codes(n)
    pair = c[:2]
    mag = st.floats(0, 1)
    events = [
        {"id": "crisis", "type": "crisis", "actors": pair, "hazard": 0.5, "duration": 1, "magnitude": draw(mag)},
        {"id": "summit", "type": "summit", "actors": pair, "every": 1, "magnitude": draw(mag)},
        {
            "id": "arms",
            "type": "arms_deal",
            "supplier": c[0],
            "recipient": c[-1],
            "value_bn": draw(st.floats(0.1, 50)),
            "at": "2024-04-01",
            "magnitude": draw(mag),
        },
        {
            "id": "sanctions",
            "type": "sanctions",
            "by": [c[-1]],
            "target": [c[0]],
            "secondary": draw(st.floats(0, 1)),
            "at": "2024-07-01",
            "magnitude": draw(mag),
        },
        {"id": "shock", "type": "economic_shock", "actor": c[-1], "hazard": 0.3, "magnitude": draw(mag)},
        {"id": "unrest", "type": "political_instability", "actor": c[0], "hazard": 0.3, "magnitude": draw(mag)},
    ]
    seed = draw(st.integers(0, 2**32 - 1))
    return n, mechanisms, rate, events, seed


@pytest.mark.slow(seconds=10)
@SETTINGS
@given(setup=setups())
def test_state_stays_well_formed(actor_sets, setup):
    n, mechanisms, rate, events, seed = setup
    scenario = make_scenario(
        events=events,
        mechanisms=mechanisms,
        noise=True,
        years=3,
        actor_set=actor_sets[n],
        alignment={"rate": rate},
    )
    world = World(scenario, [world_seed(seed, r) for r in range(2)])
    while world.t < world.horizon:
        world.step()
        a = world.alignment
        assert np.all(np.abs(a) <= 1.0)
        assert np.array_equal(a, a.transpose(0, 2, 1))
        assert np.all(np.diagonal(a, axis1=1, axis2=2) == 0)
    h = world.recording

    for name, values in history_arrays(h).items():
        assert np.all(np.isfinite(values)), f"{name} holds NaN or inf"
    assert np.all(np.abs(h.alignment) <= 1.0)
    shares = h.actors["power_share"]
    assert np.all(shares >= 0)
    assert np.allclose(shares.sum(axis=-1), 1.0)
    assert np.allclose(h.contributions[1:].sum(axis=-1), np.diff(h.alignment, axis=0), atol=1e-10)
    assert np.allclose(h.event_contributions.dense().sum(axis=-1), h.contributions[..., -1], atol=1e-12)
    assert np.all(h.actors["gdp"] > 0)
    assert np.all(h.actors["milex"] >= 0)
    assert np.all((h.actors["stability"] >= 0) & (h.actors["stability"] <= 1))
    assert set(np.unique(h.actors["bloc"])) <= {0, 1}


@pytest.mark.slow(seconds=10)
@SETTINGS
@given(
    n=st.integers(2, 8),
    weight=st.floats(0, 10),
    sd=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_per_world_parameter_values_keep_the_state_well_formed(actor_sets, n, weight, sd, seed):
    """Per-world values (as sweeps pass them) obey the same invariants as file values."""
    scenario = make_scenario(noise=True, years=2, actor_set=actor_sets[n])
    values = {
        "mechanisms.threat.weight": np.array([0.0, weight, 10.0]),
        "mechanisms.noise.sd": np.array([sd, 1.0, 0.0]),
    }
    h = World(scenario, [world_seed(seed, r) for r in range(3)], values=values).run()
    for name, arr in history_arrays(h).items():
        assert np.all(np.isfinite(arr)), f"{name} holds NaN or inf"
    assert np.all(np.abs(h.alignment) <= 1.0)
    assert np.allclose(h.actors["power_share"].sum(axis=-1), 1.0)
    assert np.allclose(h.contributions[1:].sum(axis=-1), np.diff(h.alignment, axis=0), atol=1e-10)
    assert np.all(h.contributions[..., 0][:, 0] == 0)  # world 0 has threat weight 0


def test_a_vanishing_relaxation_rate_keeps_every_number_finite():
    """Found by the property test above: a rate of 1e-313 once made the baseline overflow to infinity."""
    scenario = make_scenario(
        events=[{"id": "talks", "type": "summit", "actors": ["PAK", "RUS"], "every": 1}],
        mechanisms={"relaxation": {"rate": 2.2250738585e-313}, "hedging": {"weight": 1.0}},
        noise=True,
        years=3,
    )
    h = World(scenario, [world_seed(0, r) for r in range(2)]).run()
    for name, values in history_arrays(h).items():
        assert np.all(np.isfinite(values)), f"{name} holds NaN or inf"
