"""Couplings between events, the economy and military power: each one's direction and size.

Every test runs the same scenario (noise off, same seeds) with and without a change and checks
the sign of the difference, or checks the economy against the figures it is built from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from powershift.model import economy
from powershift.model.actors import load_actor_set
from tests.conftest import FIVE, make_scenario, run

STEPS_PER_YEAR = 4
NO_DRAW = {"economy": {"growth_uncertainty": 0.0, "exchange_uncertainty": 0.0}}


def actor(h, series: str, code: str, step: int = -1) -> float:
    return float(h.actors[series][step, 0, FIVE.index(code)])


def both(events: list[dict[str, Any]], years: float = 6, **kwargs: Any):
    return run(make_scenario(years=years, **kwargs)), run(make_scenario(events=events, years=years, **kwargs))


def test_real_gdp_grows_at_the_april_weo_forecast_of_the_start_year():
    """With nothing happening and no per-world draw, a year of steps grows real GDP by the
    forecast for that year (trade adds nothing at rest)."""
    data = load_actor_set("five-2024")
    h = run(make_scenario(years=3, **NO_DRAW))
    for year in range(3):
        expected = data.growth_path(np.array([2024 + year]))[0]
        grown = h.actors["gdp"][4 * (year + 1), 0] / h.actors["gdp"][4 * year, 0] - 1
        np.testing.assert_allclose(grown, expected, atol=2e-4)
    ppp = h.actors["gdp_ppp"][:, 0] / h.actors["gdp"][:, 0]
    np.testing.assert_allclose(ppp, np.broadcast_to(data.gdp_ppp / data.gdp, ppp.shape), rtol=1e-12)


def test_growth_draws_differ_by_world_and_scale_with_the_forecast_error():
    h = run(make_scenario(years=5), worlds=400)
    growth = np.log(h.actors["gdp"][-1] / h.actors["gdp"][0]) / 5
    sd = growth.std(axis=0)
    data = load_actor_set("five-2024")
    assert np.all(sd > 0)
    # the per-world offset is the only source of spread here, so its s.d. follows the data's
    np.testing.assert_allclose(sd, data.growth_sd, rtol=0.2)
    assert np.argmax(sd) in (FIVE.index("RUS"), FIVE.index("IND"))


def test_population_follows_the_projection():
    data = load_actor_set("five-2024")
    h = run(make_scenario(years=10))
    ratio = h.actors["population"][-1, 0] / h.actors["population"][0, 0]
    np.testing.assert_allclose(ratio, data.population_path(np.array([2034.0]))[0], rtol=1e-9)
    assert actor(h, "population", "IND") > actor(h, "population", "IND", 0)
    assert actor(h, "population", "CHN") < actor(h, "population", "CHN", 0)  # WPP 2024: China shrinks


SANCTIONS = {"id": "s", "type": "sanctions", "by": ["IND", "CHN", "PAK"], "target": ["RUS"], "at": "2024-04-01"}


def test_sanctions_drag_the_targets_output_beyond_trade_inside_the_set():
    without, with_ = both([SANCTIONS], **NO_DRAW)
    _, trade_only = both([SANCTIONS], economy={**NO_DRAW["economy"], "sanctions_drag": 0.0})
    loss = 1 - actor(with_, "gdp", "RUS") / actor(without, "gdp", "RUS")
    trade_loss = 1 - actor(trade_only, "gdp", "RUS") / actor(without, "gdp", "RUS")
    assert loss > trade_loss + 0.05  # finance, technology and third markets cost far more than set trade
    assert actor(with_, "power_share", "RUS") < actor(without, "power_share", "RUS") - 0.003


def test_sanctions_in_force_at_the_start_do_not_drag_again():
    """The forecast already prices in the sanctions of the start year; without new ones the drag is nil."""
    on = run(make_scenario(years=3, **NO_DRAW))
    off = run(make_scenario(years=3, economy={**NO_DRAW["economy"], "sanctions_drag": 0.0}))
    np.testing.assert_allclose(on.actors["gdp"], off.actors["gdp"], rtol=1e-12)


def test_sanctions_relief_speeds_the_targets_growth():
    relief = {"id": "r", "type": "sanctions_relief", "by": ["USA"], "target": ["RUS"], "at": "2024-04-01"}
    without, with_ = both([relief], **NO_DRAW)
    assert actor(with_, "gdp", "RUS") > actor(without, "gdp", "RUS") * 1.05


def test_lower_usual_stability_slows_growth_in_absolute_terms():
    """A state whose usual stability is lower than in the data grows more slowly every year,
    not only while it is below its usual level."""
    calm = run(make_scenario(years=6, **NO_DRAW))
    fragile = run(make_scenario(years=6, actors={"PAK": {"stability": 0.25}}, **NO_DRAW))
    yearly = [actor(fragile, "gdp", "PAK", 4 * y) / actor(calm, "gdp", "PAK", 4 * y) for y in range(1, 7)]
    assert all(b < a for a, b in zip([1.0, *yearly], yearly, strict=False))


def test_instability_drag_is_zero_when_switched_off():
    ev = {"id": "u", "type": "political_instability", "actor": "PAK", "at": "2025-01-01"}
    without, with_ = both([ev], economy={**NO_DRAW["economy"], "instability_drag": 0.0})
    assert actor(with_, "stability", "PAK", 5) < actor(without, "stability", "PAK", 5)
    np.testing.assert_allclose(actor(with_, "gdp", "PAK"), actor(without, "gdp", "PAK"), rtol=1e-3)


RIVAL_CRISIS = {"id": "c", "type": "crisis", "actors": ["IND", "CHN"], "at": "2024-07-01", "duration": 1}


@pytest.mark.parametrize("fear", [0.1, 0.5])
def test_fear_makes_a_state_arm_when_its_rival_arms(fear: float):
    """Pakistan is no party to an India-China crisis; it arms only through fear of India's build-up."""

    def burden(h) -> float:
        return actor(h, "milex", "PAK", 8) / actor(h, "gdp", "PAK", 8)

    calm, crisis = both([RIVAL_CRISIS], military={"fear": fear})
    calm0, crisis0 = both([RIVAL_CRISIS], military={"fear": 0.0})
    assert burden(crisis) > burden(calm) * 1.001
    assert burden(crisis0) == pytest.approx(burden(calm0), rel=1e-12)
    assert actor(crisis0, "milex", "IND", 8) > actor(calm0, "milex", "IND", 8)  # India did arm


def test_more_fear_means_a_larger_reaction():
    _, low = both([RIVAL_CRISIS], military={"fear": 0.1})
    _, high = both([RIVAL_CRISIS], military={"fear": 0.5})
    assert actor(high, "milex", "PAK", 8) > actor(low, "milex", "PAK", 8)


def test_military_stock_starts_at_its_steady_state_under_growth():
    """Under steady growth g, the stock keeps its ratio to spending: K / m = 1 / (delta + log(1 + g))."""
    h = run(make_scenario(years=4, actors={c: {"growth": 0.03} for c in FIVE}, **NO_DRAW))
    ratio = h.actors["military_stock"][:, 0] / h.actors["milex"][:, 0]
    np.testing.assert_allclose(ratio[-1], ratio[0], rtol=2e-3)
    f = 1.03**0.25  # a quarter's growth
    np.testing.assert_allclose(ratio[0], 0.25 * f / (f - 1 + 0.1 * 0.25), rtol=1e-12)
    np.testing.assert_allclose(ratio[0], 1 / (0.1 + np.log1p(0.03)), rtol=0.01)  # the continuous steady state


def test_arms_deliveries_add_their_value_to_the_recipients_stock():
    deal = {
        "id": "a",
        "type": "arms_deal",
        "supplier": "RUS",
        "recipient": "PAK",
        "value_bn": 4.0,
        "delivery_years": 2,
        "at": "2024-01-01",
    }
    without, with_ = both([deal], years=2, **NO_DRAW)
    added = actor(with_, "military_stock", "PAK") - actor(without, "military_stock", "PAK")
    assert 3.2 < added < 4.0  # 4 bn delivered over two years, less two years' depreciation at most


CUT = {"id": "cut", "type": "trade_cut", "by": ["IND"], "supplier": ["RUS"], "magnitude": 0.8, "at": "2025-01-01"}


def test_one_buyer_cutting_a_flow_cuts_only_that_flow():
    without, with_ = both([CUT], **NO_DRAW)
    i, j = FIVE.index("RUS"), FIVE.index("IND")
    from powershift.model.world import World, world_seed

    worlds = {}
    for name, events in (("without", []), ("with", [CUT])):
        world = World(make_scenario(years=6, events=events, **NO_DRAW), [world_seed(7, 0)])
        world.run()
        worlds[name] = world
    exports = worlds["with"].trade[0, i, j] / worlds["without"].trade[0, i, j]
    imports = worlds["with"].trade[0, j, i] / worlds["without"].trade[0, j, i]
    assert exports < 0.3  # Russia's exports to India mostly gone
    assert imports > 0.9  # India's exports to Russia barely touched
    assert actor(with_, "gdp", "RUS") < actor(without, "gdp", "RUS")


def test_a_falling_real_exchange_rate_shrinks_market_rate_gdp_not_ppp_or_real_growth():
    """The WEO assumes constant real exchange rates (drift 0); a scenario may let a currency slide."""
    steady = run(make_scenario(years=5, **NO_DRAW))
    sliding = run(make_scenario(years=5, actors={"RUS": {"exchange_drift": -0.05}}, **NO_DRAW))
    assert actor(sliding, "gdp", "RUS") == pytest.approx(actor(steady, "gdp", "RUS") * np.exp(-0.25), rel=1e-3)
    assert actor(sliding, "gdp_ppp", "RUS") == pytest.approx(actor(steady, "gdp_ppp", "RUS"), rel=1e-3)
    assert actor(sliding, "gdp_mer_share", "RUS") < actor(steady, "gdp_mer_share", "RUS")
    assert actor(sliding, "milex", "RUS") < actor(steady, "milex", "RUS")  # spending valued in dollars too
    assert actor(sliding, "power_share", "RUS") < actor(steady, "power_share", "RUS")


def test_sanctions_pressure_stays_finite_when_one_output_dwarfs_the_rest() -> None:
    """At 10^17 against 1, the others' output of the large state rounds to 0 (found by the extreme-scale
    property test, with exchange-rate walks of 5 a year): no one else's output counts there, so it is under
    no pressure, instead of 0 / 0."""
    gdp = np.array([[1e17, 1.0]])
    joined = np.array([[[0.0, 1.0], [1.0, 0.0]]])  # each state in a coalition against the other
    pressure = economy.sanctions_pressure(joined, gdp)
    assert np.all(np.isfinite(pressure))
    assert pressure[0, 0] == 0.0 and pressure[0, 1] == 1.0  # the small one is shut out by all the rest
