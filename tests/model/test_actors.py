"""Actor sets: the sourced five-state 2024 set and synthetic sets of any size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from powershift.model.actors import Figure, Flag, load_actor_set, synthetic_actor_set
from powershift.model.files import InputError
from powershift.model.world import World, world_seed
from tests.conftest import FIVE, REFERENCE, experiment, history_arrays, make_scenario, reference_rows, write_synthetic

ROOT = Path(__file__).resolve().parents[2]
SOURCED_SETS = ("five-2024", "five-2014")


@pytest.fixture(scope="module")
def five():
    return load_actor_set("five-2024")


def test_five_state_set_loads(five):
    assert five.codes == FIVE
    assert five.n == 5
    assert five.alignment.shape == (5, 5)
    assert np.array_equal(five.alignment, five.alignment.T)
    assert np.all(np.diagonal(five.alignment) == 0)
    assert np.all(np.abs(five.alignment) <= 1)
    assert np.all(five.gdp > 0) and np.all(five.milex > 0)
    assert not np.isnan(five.cinc).any(), "every state of the five carries a CINC figure"


def test_every_figure_has_a_source(five):
    spec = five.spec
    checked = 0
    for code, actor in spec.actors.items():
        for name in type(actor).model_fields:
            value = getattr(actor, name)
            if isinstance(value, Figure | Flag):
                assert value.source.strip(), f"{code}.{name} has no source"
                checked += 1
        for name in type(actor.policy).model_fields:
            judgement = getattr(actor.policy, name)
            assert judgement.note.strip(), f"{code}.policy.{name} has no reasoning"
    assert checked >= 5 * 11
    for entry in spec.alignments:
        assert entry.sources and all(s.strip() for s in entry.sources), entry.pair
        assert entry.justification.strip()
    assert spec.trade, "the five-state set carries trade data"
    for entry in spec.trade:
        assert entry.source.strip(), entry.pair


def test_every_pair_has_trade_and_alignment(five):
    pairs = {frozenset(e.pair) for e in five.spec.trade}
    assert len(pairs) == 10
    off_diagonal = ~np.eye(5, dtype=bool)
    assert np.all(five.trade[off_diagonal] >= 0)


@pytest.mark.slow(seconds=6)
def test_synthetic_set_of_30_loads_and_runs(tmp_path):
    path = write_synthetic(30, tmp_path)
    loaded = load_actor_set(path)
    assert loaded.n == 30
    direct = synthetic_actor_set(30)
    assert np.array_equal(loaded.alignment, direct.alignment)
    assert np.array_equal(loaded.gdp, direct.gdp)
    scenario = make_scenario(years=1, noise=True, actor_set=path)
    world = World(scenario, [world_seed(3, r) for r in range(2)])
    for _ in range(3):
        world.step()
    h = world.recording
    assert h.alignment.shape == (world.horizon + 1, 2, 30 * 29 // 2)
    for name, arr in history_arrays(h).items():
        assert np.all(np.isfinite(arr[: world.t + 1])), name
    assert np.allclose(h.actors["power_share"][: world.t + 1].sum(axis=-1), 1.0)


def test_synthetic_set_is_reproducible_and_seeded():
    a, b, c = synthetic_actor_set(6, seed=1), synthetic_actor_set(6, seed=1), synthetic_actor_set(6, seed=2)
    assert np.array_equal(a.alignment, b.alignment)
    assert not np.array_equal(a.alignment, c.alignment)


def test_synthetic_set_needs_two_actors():
    with pytest.raises(InputError):
        synthetic_actor_set(1)


def test_actor_set_missing_an_alignment_is_rejected(tmp_path):
    doc = synthetic_actor_set(3).spec.model_dump(mode="json")
    doc["alignments"] = doc["alignments"][:-1]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError, match="alignments"):
        load_actor_set(str(path))


def test_actor_set_figure_without_source_is_rejected(tmp_path):
    doc = synthetic_actor_set(3).spec.model_dump(mode="json")
    del doc["actors"]["S000"]["gdp_bn"]["source"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError, match=r"actors\.S000\.gdp_bn\.source"):
        load_actor_set(str(path))


# --- the real economy: PPP, growth forecasts, growth uncertainty, population paths -------------


@pytest.fixture(scope="module", params=SOURCED_SETS)
def sourced(request):
    return load_actor_set(request.param)


def test_new_figures_are_sourced_and_growth_is_a_yearly_fraction(sourced):
    for code, actor in sourced.spec.actors.items():
        for part in (actor.gdp_ppp_bn, actor.growth_forecast, actor.growth_uncertainty, actor.population_projection):
            assert part.source.strip(), f"{code}: {type(part).__name__} has no source"
            assert part.note and part.note.strip(), f"{code}: {type(part).__name__} has no note"
        forecast = actor.growth_forecast.values
        assert forecast, code
        assert all(-0.2 <= v <= 0.3 for v in forecast.values()), code
        assert min(forecast) == sourced.spec.year, "the forecast starts in the set's start year"
        assert min(actor.population_projection.values) == sourced.spec.year
        assert 0 < actor.growth_uncertainty.value < 0.05, code
    years = np.arange(sourced.spec.year - 3, sourced.spec.year + 30)
    path = sourced.growth_path(years)
    assert path.shape == (len(years), sourced.n)
    assert np.all((path >= -0.2) & (path <= 0.3))
    assert np.all(sourced.gdp_ppp > 0) and np.all(sourced.growth_sd > 0)
    assert np.all(np.abs(sourced.growth) < 0.1), "trend growth is a yearly fraction, not percent"


def test_trend_growth_is_the_mean_of_the_first_five_forecast_years(sourced):
    for i, code in enumerate(sourced.codes):
        values = list(sourced.spec.actors[code].growth_forecast.values.values())
        assert sourced.growth[i] == pytest.approx(np.mean(values[:5]))


def test_growth_path_is_exact_inside_and_held_outside(sourced):
    for i, code in enumerate(sourced.codes):
        forecast = sourced.spec.actors[code].growth_forecast.values
        years = np.array(sorted(forecast))
        inside = sourced.growth_path(years)[:, i]
        assert inside.tolist() == [forecast[y] for y in years]
        assert np.array_equal(sourced.growth_path(years + 0.75)[:, i], inside), "fractional years floor"
        first, last = forecast[years[0]], forecast[years[-1]]
        assert np.all(sourced.growth_path(np.array([years[0] - 10, years[0] - 0.5]))[:, i] == first)
        assert np.all(sourced.growth_path(np.array([years[-1] + 1, years[-1] + 50.3]))[:, i] == last)


def test_population_path_is_ratios_and_extrapolates_geometrically(sourced):
    for i, code in enumerate(sourced.codes):
        values = sourced.spec.actors[code].population_projection.values
        years = np.array(sorted(values))
        given = np.array([values[y] for y in years])
        path = sourced.population_path(years)[:, i]
        assert path[0] == 1.0
        assert path == pytest.approx(given / given[0], rel=1e-12)
        quarter = sourced.population_path(np.array([years[0] + 0.25]))[0, i]
        assert quarter == pytest.approx((0.75 * given[0] + 0.25 * given[1]) / given[0], rel=1e-12)
        after = sourced.population_path(years[-1] + np.array([0.0, 1.0, 5.0, 12.5]))[:, i]
        rate = given[-1] / given[-2]
        assert after == pytest.approx(after[0] * rate ** np.array([0.0, 1.0, 5.0, 12.5]), rel=1e-12)
        before = sourced.population_path(years[0] - np.array([1.0, 4.0]))[:, i]
        assert before == pytest.approx((given[1] / given[0]) ** -np.array([1.0, 4.0]), rel=1e-12)


def test_five_2024_real_economy_equals_the_reference_rows(five):
    macro = reference_rows("macro.csv")
    for code, actor in five.spec.actors.items():
        ppp = macro[("gdp_ppp_IMF_WEO_Apr2024", code, actor.gdp_bn.year)]
        assert actor.gdp_ppp_bn.year == actor.gdp_bn.year == 2023
        assert actor.gdp_ppp_bn.value == pytest.approx(float(ppp["value"]), abs=1e-9)
        assert actor.gdp_ppp_bn.source == ppp["source"]
        milex = macro[("milex_SIPRI_constant2023USD", code, 2024)]
        assert actor.milex_bn.value == pytest.approx(float(milex["value"]) * 1e-9, rel=1e-12)
        assert actor.milex_bn.source == milex["source"]
        forecast = actor.growth_forecast
        assert sorted(forecast.values) == list(range(2024, 2030))
        for year, value in forecast.values.items():
            row = macro[("real_gdp_growth_proj_IMF_WEO_Apr2024", code, year)]
            assert value == pytest.approx(float(row["value"]) / 100, abs=1e-12), (code, year)
            assert forecast.source == row["source"]
        population = actor.population_projection
        assert sorted(population.values) == list(range(2024, 2035))
        for year, value in population.values.items():
            row = macro[("population_WPP2024_medium", code, year)]
            assert value == pytest.approx(float(row["value"]) / 1000, abs=1e-9), (code, year)
            assert population.source == row["source"]


def test_five_2014_real_economy_equals_the_reference_rows():
    macro, facts = reference_rows("macro.csv"), reference_rows("facts.csv")
    for code, actor in load_actor_set("five-2014").spec.actors.items():
        ppp = macro[("gdp_ppp_IMF_WEO_Apr2024", code, 2014)]
        assert actor.gdp_ppp_bn.value == pytest.approx(float(ppp["value"]), abs=1e-9)
        assert actor.gdp_ppp_bn.source == ppp["source"]
        for year, value in actor.growth_forecast.values.items():
            row = macro[("real_gdp_growth_proj_IMF_WEO_Apr2014", code, year)]
            assert value == pytest.approx(float(row["value"]) / 100, abs=1e-12), (code, year)
        assert sorted(actor.growth_forecast.values) == list(range(2014, 2020))
        p2010, p2014 = (float(facts[("population", code, y)]["value"]) for y in (2010, 2014))
        rate = (p2014 / p2010) ** 0.25
        for year, value in actor.population_projection.values.items():
            assert value == pytest.approx(p2014 / 1e6 * rate ** (year - 2014), abs=1e-4), (code, year)
        assert sorted(actor.population_projection.values) == list(range(2014, 2025))


def test_growth_uncertainty_is_what_the_experiment_computes(sourced):
    reference_rows("weo-vintages.csv")  # skips without the reference data
    computed = experiment("growth_uncertainty").growth_uncertainty(REFERENCE, sourced.spec.year)
    for code, actor in sourced.spec.actors.items():
        assert actor.growth_uncertainty.value == pytest.approx(computed[code].value, abs=5e-7), code
        assert all(max(years) <= sourced.spec.year - 1 for years in computed[code].years.values())


@pytest.mark.parametrize("name", ["five-2014", "five-2019", "five-2024"])
def test_exchange_uncertainty_is_what_the_experiment_computes(name):
    data = load_actor_set(name)
    year = data.spec.year
    computed = experiment("exchange_uncertainty").exchange_uncertainty(year)
    for code, actor in data.spec.actors.items():
        figure = actor.exchange_uncertainty
        assert figure.value == pytest.approx(computed[code].value, abs=5e-7), code
        assert max(computed[code].changes) + 1 == year - 1, "changes up to (Y-2) -> (Y-1) only"
        assert figure.year == f"2010-{year - 1}"
        assert "LATER VINTAGE" in figure.note and "October 2025" in figure.note, code
    assert data.exchange_sd[data.index("USA")] == 0, "exchange rates are against the dollar"
    assert np.all(np.delete(data.exchange_sd, data.index("USA")) > 0.03)


def test_exchange_uncertainty_reads_the_reference_rows_the_record_copies():
    """The experiment reads the record; computed from facts.csv and macro.csv directly it is the same."""
    facts, macro = reference_rows("facts.csv"), reference_rows("macro.csv")  # skips without the reference data
    module = experiment("exchange_uncertainty")
    for year in module.START_YEARS:
        years = range(module.FIRST_YEAR, year)
        level = {
            c: np.log(
                [
                    float(facts[("GDP_current_USD", c, y)]["value"])
                    / 1e9
                    / float(macro[("gdp_ppp_IMF_WEO_Oct2025", c, y)]["value"])
                    for y in years
                ]
            )
            for c in module.CODES
        }
        for code, u in module.exchange_uncertainty(year).items():
            changes = np.diff(level[code] - level["USA"])
            assert u.value == pytest.approx(float(np.sqrt(np.mean(changes**2))), abs=1e-12), (year, code)


def test_synthetic_set_has_the_real_economy_fields_and_is_seeded():
    a, b, c = synthetic_actor_set(8, seed=4), synthetic_actor_set(8, seed=4), synthetic_actor_set(8, seed=5)
    years = np.array([2023.0, 2024.0, 2024.5, 2025.0, 2040.0])
    assert np.all((a.gdp_ppp >= a.gdp) & (a.gdp_ppp <= 3 * a.gdp))
    assert np.all(a.growth_sd == 0.01)
    assert np.all(a.exchange_sd == 0), "no exchange-rate walk: synthetic runs are as before it"
    for actor in a.spec.actors.values():
        assert len(actor.growth_forecast.values) in (1, 2)
    assert np.all(np.abs(a.population_path(np.array([2034.0])) - 1) < 0.2), "flat-ish population"
    for name in ("gdp_ppp", "growth", "growth_sd"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.growth_path(years), b.growth_path(years))
    assert np.array_equal(a.population_path(years), b.population_path(years))
    assert not np.array_equal(a.gdp_ppp, c.gdp_ppp)


@pytest.mark.parametrize("values", [{}, {2024: 0.35}, {2024: 0.02, 2025: -0.25}])
def test_growth_forecast_outside_bounds_or_empty_is_rejected(tmp_path, values):
    doc = synthetic_actor_set(3).spec.model_dump(mode="json")
    doc["actors"]["S001"]["growth_forecast"]["values"] = values
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError, match=r"actors\.S001\.growth_forecast"):
        load_actor_set(str(path))
