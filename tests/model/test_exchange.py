"""The random walk of real exchange rates: market-rate GDP swings with currencies, PPP GDP does not.

Each world's log real exchange rate against the dollar adds exchange_sd · scale · sqrt(dt) · z a
step (z from the stream ``exchange:<code>``, counter = step); scale 0 is the model without it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powershift.model.actors import load_actor_set, resolve_actor_set_path, synthetic_actor_set
from powershift.model.world import World, world_seed
from tests.conftest import FIVE, history_arrays, make_scenario

SEED = 2024
USA = FIVE.index("USA")
RUS = FIVE.index("RUS")
EVENTS = [
    {"id": "crisis", "type": "crisis", "actors": ["IND", "PAK"], "hazard": 0.4, "duration": 1, "magnitude": 0.8},
    {"id": "shock", "type": "economic_shock", "actor": "PAK", "hazard": 0.2, "max_occurrences": 2},
    {"id": "sanctions", "type": "sanctions", "by": ["USA"], "target": ["CHN"], "at": "2025-01-01"},
]


def walk(scale: float, years: float = 5, noise: bool = False, **kwargs):
    return make_scenario(years=years, noise=noise, economy={"exchange_uncertainty": scale}, **kwargs)


def run_batch(scenario, replicates, seed: int = SEED, values=None) -> World:
    world = World(scenario, [world_seed(seed, r) for r in replicates], values=values)
    world.run()
    return world


def spread(x: np.ndarray) -> np.ndarray:
    """The 5-95 % range across worlds, per actor."""
    low, high = np.percentile(x, [5, 95], axis=0)
    return high - low


def without_walk_data(tmp_path: Path) -> str:
    """five-2024 with every exchange_uncertainty set to 0 (the data-side way to switch the walk off)."""
    doc = yaml.safe_load(resolve_actor_set_path("five-2024").read_text())
    for actor in doc["actors"].values():
        actor["exchange_uncertainty"]["value"] = 0.0
    path = tmp_path / "five-2024-no-walk.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def test_the_walk_widens_market_rate_gdp_shares_and_leaves_ppp_shares_alone():
    worlds = range(200)
    calm, wild = (run_batch(walk(s), worlds).recording for s in (0.5, 2.0))
    mer_calm, mer_wild = spread(calm.actors["gdp_mer_share"][-1]), spread(wild.actors["gdp_mer_share"][-1])
    for i, code in enumerate(FIVE):
        assert mer_wild[i] > 1.5 * mer_calm[i], code  # every share moves with the currencies
    # PPP GDP is real GDP at constant PPP ratios: the walk reaches it only through alignment and trade
    np.testing.assert_allclose(
        spread(wild.actors["gdp_ppp_share"][-1]), spread(calm.actors["gdp_ppp_share"][-1]), rtol=0.02
    )
    # market-rate GDP moves against real GDP by the walk; the recorded PPP / market ratio shows it
    ratio = wild.actors["gdp_ppp"][-1] / wild.actors["gdp"][-1]
    assert ratio[:, RUS].std() > 0 and np.ptp(ratio[:, USA]) < 1e-9 * ratio[0, USA]


def test_the_walk_has_the_data_s_yearly_sd():
    data = load_actor_set("five-2024")
    world = run_batch(walk(1.0, years=4), range(400))
    level = np.log(world.gdp_mer / world.gdp)  # drift 0: all of it is the walk
    np.testing.assert_allclose(
        level.std(axis=0)[data.exchange_sd > 0] / 2, data.exchange_sd[data.exchange_sd > 0], rtol=0.1
    )
    np.testing.assert_allclose(world.exchange_level, level, atol=1e-12)


def test_scale_zero_is_the_model_without_the_walk(tmp_path: Path):
    """Scale 0 and exchange_uncertainty 0 in the data give the same arrays bit for bit, with noise and
    events on; market-rate GDP is real GDP times the drift alone."""
    replicates = range(4)
    off = run_batch(walk(0.0, years=3, noise=True, events=EVENTS), replicates)
    no_data = run_batch(
        walk(1.0, years=3, noise=True, events=EVENTS, actor_set=without_walk_data(tmp_path)), replicates
    )
    on = run_batch(walk(1.0, years=3, noise=True, events=EVENTS), replicates)
    a, b = history_arrays(off.recording), history_arrays(no_data.recording)
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    assert np.array_equal(off.gdp_mer, off.gdp) and not np.any(off.exchange_steps)
    assert not np.array_equal(on.recording.actors["gdp"], off.recording.actors["gdp"])
    ratio = off.recording.actors["gdp_ppp"] / off.recording.actors["gdp"]
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[0], ratio.shape), rtol=1e-12)


def test_scale_zero_keeps_a_drift_exact():
    quiet = {"growth_uncertainty": 0.0, "exchange_uncertainty": 0.0}
    steady = run_batch(make_scenario(years=5, economy=quiet), [0])
    sliding = run_batch(make_scenario(years=5, actors={"RUS": {"exchange_drift": -0.05}}, economy=quiet), [0])
    assert np.array_equal(steady.gdp_mer, steady.gdp)
    assert sliding.gdp_mer[0, RUS] == pytest.approx(sliding.gdp[0, RUS] * np.exp(-0.25), rel=1e-15)


def test_the_usa_never_moves_even_at_the_largest_scale():
    world = run_batch(walk(10.0, years=5, noise=True), range(20))
    assert np.all(world.exchange_level[:, USA] == 0) and np.all(world.exchange_steps[..., USA] == 0)
    assert np.array_equal(world.gdp_mer[:, USA], world.gdp[:, USA])
    assert np.all(np.abs(world.exchange_level[:, RUS]) > 0)


def test_a_world_s_walk_does_not_depend_on_its_batch():
    scenario = walk(1.0, years=3, noise=True, events=EVENTS)
    batch = run_batch(scenario, range(6))
    chunks = [run_batch(scenario, c) for c in ([0, 1], [2, 3, 4], [5])]
    single = run_batch(scenario, [4])
    joined = {
        name: np.concatenate([history_arrays(c.recording)[name] for c in chunks], axis=1)
        for name in history_arrays(batch.recording)
    }
    for name, values in history_arrays(batch.recording).items():
        assert np.array_equal(values, joined[name]), name
        assert np.array_equal(values[:, 4:5], history_arrays(single.recording)[name]), name
    assert np.array_equal(batch.exchange_steps[4:5], single.exchange_steps)


def test_per_world_scales_are_each_world_s_own():
    scenario = walk(1.0, years=2)
    values = {"economy.exchange_uncertainty": np.array([0.0, 1.0, 3.0])}
    mixed = run_batch(scenario, range(3), values=values)
    for r, scale in enumerate((0.0, 1.0, 3.0)):
        alone = run_batch(walk(scale, years=2), [r])
        assert np.array_equal(mixed.exchange_level[r], alone.exchange_level[0])
        assert np.array_equal(mixed.recording.actors["gdp"][:, r], alone.recording.actors["gdp"][:, 0])


def test_actor_data_outside_its_range_is_refused(tmp_path: Path):
    doc = synthetic_actor_set(3).spec.model_dump(mode="json")
    doc["actors"]["S000"]["exchange_uncertainty"]["value"] = 0.6
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(Exception, match="exchange_uncertainty"):
        load_actor_set(str(path))


@pytest.fixture(scope="module")
def volatile_sets(tmp_path_factory):
    """Synthetic sets of 2 to 6 states with the largest exchange_uncertainty the data may hold."""
    directory = tmp_path_factory.mktemp("volatile")
    paths = {}
    for n in range(2, 7):
        doc = synthetic_actor_set(n, seed=n).spec.model_dump(mode="json")
        for actor in doc["actors"].values():
            actor["exchange_uncertainty"]["value"] = 0.5
        paths[n] = directory / f"volatile-{n}.yaml"
        paths[n].write_text(yaml.safe_dump(doc, sort_keys=False))
    return {n: str(p) for n, p in paths.items()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 6), scale=st.floats(0, 10), seed=st.integers(0, 2**32 - 1))
def test_shares_stay_finite_and_sum_to_one_at_extreme_scales(volatile_sets, n, scale, seed):
    scenario = make_scenario(noise=True, years=5, actor_set=volatile_sets[n])
    values = {"economy.exchange_uncertainty": np.array([scale, 10.0])}
    h = run_batch(scenario, range(2), seed=seed, values=values).recording
    for name, arr in history_arrays(h).items():
        assert np.all(np.isfinite(arr)), f"{name} holds NaN or inf"
    for series in ("power_share", "gdp_mer_share", "gdp_ppp_share"):
        shares = h.actors[series]
        assert np.all(shares >= 0) and np.allclose(shares.sum(axis=-1), 1.0), series
    assert np.all(h.actors["gdp"] > 0) and np.all(h.actors["milex"] >= 0)
