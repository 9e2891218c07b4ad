"""The 2019 hindcast origin: actor set five-2019 and scenario history-2019-2024.

The start state must be what the reference gives with the arithmetic its notes state, use only the
spring-2019 WEO for growth, and name no later vintage except the caveats it declares; the replay must
carry the 2014 replay's events from 2019 on unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.model.actors import load_actor_set
from powershift.model.files import InputError
from powershift.model.scenario import SCENARIO_DIR, load_scenario, read_mapping, scenario_from_text
from powershift.model.world import World, world_seed
from tests.conftest import REFERENCE, experiment, reference_rows

ROOT = Path(__file__).resolve().parents[2]
START = dt.date(2019, 1, 1)
NMC_FIELDS = {"milper_k": "milper", "urban_population_m": "upop", "energy_mtce": "pec", "iron_steel_mt": "irst"}
CONTINUATIONS = {"us-china-tariffs-2019", "cpec-investment-2019", "cpec-corridor-2019", "druzhba-2019-2021"}


def value(rows: dict, indicator: str, code: str, year: int) -> float:
    return float(rows[(indicator, code, year)]["value"])


@pytest.fixture(scope="module")
def spec():
    return load_actor_set("five-2019").spec


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("history-2019-2024")


def test_start_figures_are_the_reference_rows_with_the_stated_arithmetic(spec):
    facts, macro, weo = reference_rows("facts.csv"), reference_rows("macro.csv"), reference_rows("weo-vintages.csv")
    assert spec.year == 2019
    for code, actor in spec.actors.items():
        growth = 1 + value(weo, "real_gdp_growth_proj_IMF_WEO_Apr2019", code, 2019) / 100
        gdp = facts[("GDP_current_USD", code, 2018)]
        assert actor.gdp_bn.value == pytest.approx(float(gdp["value"]) / 1e9 * growth, abs=5e-4), code
        assert actor.gdp_bn.source == gdp["source"] and "computed here" in actor.gdp_bn.note
        ppp = macro[("gdp_ppp_IMF_WEO_Apr2024", code, 2018)]
        assert actor.gdp_ppp_bn.value == pytest.approx(float(ppp["value"]) * growth, abs=5e-4), code
        assert actor.gdp_ppp_bn.source == ppp["source"]
        milex = macro[("milex_SIPRI_constant2023USD", code, 2018)]
        assert actor.milex_bn.value == pytest.approx(float(milex["value"]) * 1e-9, abs=5e-5), code
        assert actor.milex_bn.source == milex["source"] and actor.milex_bn.year == 2018
        for name, indicator in NMC_FIELDS.items():
            row = facts[(f"COW_NMC_{indicator}", code, 2018)]
            scale = 1 if name == "milper_k" else 1e-3
            assert getattr(actor, name).value == pytest.approx(float(row["value"]) * scale, abs=5e-4), (code, name)
            assert getattr(actor, name).year == 2018
        assert actor.cinc.value == pytest.approx(value(facts, "COW_NMC_cinc", code, 2018), abs=1e-12)
        p2014, p2018 = (value(facts, "population", code, y) for y in (2014, 2018))
        rate = (p2018 / p2014) ** 0.25
        assert actor.population_m.value == pytest.approx(p2018 * rate / 1e6, abs=5e-4), code
        assert sorted(actor.population_projection.values) == list(range(2019, 2030))
        for year, projected in actor.population_projection.values.items():
            assert projected == pytest.approx(p2018 / 1e6 * rate ** (year - 2018), abs=1e-4), (code, year)
        assert actor.population_projection.source == facts[("population", code, 2018)]["source"]


def test_growth_forecast_is_the_april_2019_vintage_exactly(spec):
    weo = reference_rows("weo-vintages.csv")
    for code, actor in spec.actors.items():
        forecast = actor.growth_forecast
        assert forecast.vintage == "IMF WEO April 2019"
        assert sorted(forecast.values) == list(range(2019, 2025))
        for year, share in forecast.values.items():
            row = weo[("real_gdp_growth_proj_IMF_WEO_Apr2019", code, year)]
            assert share == pytest.approx(float(row["value"]) / 100, abs=1e-12), (code, year)
            assert forecast.source.startswith(row["source"])


def test_growth_uncertainty_is_the_experiment_for_2019_using_outturns_before_2019(spec):
    reference_rows("weo-vintages.csv")
    module = experiment("growth_uncertainty")
    assert 2019 in module.START_YEARS
    computed = module.growth_uncertainty(REFERENCE, 2019)
    for code, actor in spec.actors.items():
        assert actor.growth_uncertainty.value == pytest.approx(computed[code].value, abs=5e-7), code
        assert max(max(years) for years in computed[code].years.values()) == 2018


def test_start_sources_name_no_later_vintage_except_the_declared_caveats(spec):
    """A source naming a year after 2019 (or a release after spring 2019) is allowed only where the note says so."""
    later = re.compile(r"\b20(19|2\d)\b")
    caveated = 0
    for code, actor in spec.actors.items():
        for name in type(actor).model_fields:
            part = getattr(actor, name)
            source = getattr(part, "source", None)
            if source is None or name in ("nuclear", "stability"):
                continue
            # fiscal-year examples ("e.g. 2024 = Jul 2023-Jun 2024") and the spring-2019 WEO itself name no vintage
            plain = re.sub(r"\(e\.g\.[^)]*\)", "", source).replace("Spring/April 2019 WEO", "")
            dated = {m.group(0) for m in later.finditer(plain)}
            if name == "growth_forecast":
                assert dated == set(), (code, name, dated)
                continue
            if dated:
                assert "LATER VINTAGE" in (part.note or ""), (code, name, dated)
                caveated += 1
        assert "LATER VINTAGE" in actor.gdp_ppp_bn.note and "LATER VINTAGE" in actor.cinc.note
        assert "October 2019" in actor.growth_uncertainty.note  # the one outturn published after the start
    assert caveated >= 5 * 9
    for entry in spec.trade:
        assert not later.search(entry.source), entry.pair  # COW v4.0, published 2016


def test_actor_set_and_scenario_load_with_the_start_sanctions(spec, scenario):
    actors = scenario.actors
    assert actors.spec.name == "five-2019" and actors.codes == ["PAK", "RUS", "IND", "USA", "CHN"]
    assert scenario.spec.start == START and scenario.spec.end == dt.date(2024, 1, 1)
    assert len(scenario.spec.focus) == 10 and scenario.spec.friction == {"PAK-RUS": 0.5}
    usa, rus, chn = (actors.index(c) for c in ("USA", "RUS", "CHN"))
    assert actors.sanctions[usa, rus] == pytest.approx(0.05 + 0.1 + 0.05)  # the three pre-2019 US steps
    assert actors.sanctions[usa, chn] == pytest.approx(0.15 * 0.5 / 1.25)  # tariff ramp at the end of 2018
    assert len({frozenset(e.pair) for e in spec.alignments}) == 10


def test_inherited_events_equal_the_2014_replay_from_2019_on(scenario):
    raw_2014 = read_mapping(SCENARIO_DIR / "history-2014-2024.yaml")["events"]
    old = load_scenario("history-2014-2024")
    expected = [e for e in old.events if e.dates() and all(d >= START for _, d in e.dates())]
    inherited = [e for e in scenario.events if e.id not in CONTINUATIONS]
    assert [e.model_dump() for e in inherited] == [e.model_dump() for e in expected]
    assert [e["id"] for e in raw_2014 if e["id"] in {x.id for x in inherited}] == [e.id for e in expected]
    assert {e.id for e in scenario.events} - {e.id for e in inherited} == CONTINUATIONS
    assert "pulwama-balakot-2019" in {e.id for e in inherited} and "s400-contract-2018" not in {e.id for e in inherited}
    straddling = {e.id for e in old.events if any(d < START for _, d in e.dates()) and e.effective_ramp > 0}
    assert {"us-china-tariffs-2018", "cpec-investment-2015", "cpec-corridor-2015"} <= straddling


def test_the_replay_runs_from_2019_to_2024(scenario):
    results = run_ensemble(scenario, 2, 0)
    dates = pd.to_datetime(results.tables["alignment"]["date"])
    assert dates.min() == pd.Timestamp("2019-01-01") and dates.max() == pd.Timestamp("2024-01-01")
    assert set(results.tables["alignment"]["replicate"]) == {0, 1}
    world = World(scenario, [world_seed(0, 0)])
    shares = world.index_shares
    assert shares.sum() == pytest.approx(1.0)


def test_events_from_an_unknown_scenario_is_one_input_error():
    text = "title: t\ndescription: d\nstart: 2019-01-01\nyears: 1\nactor_set: five-2019\nevents_from: history-2041\n"
    with pytest.raises(InputError) as caught:
        scenario_from_text(text, "bad.yaml")
    assert caught.value.field == "events_from" and caught.value.source == "bad.yaml"
    assert "\n" not in str(caught.value)


def test_events_from_keeps_only_events_within_the_horizon_and_before_own_events():
    text = (
        "title: t\ndescription: d\nstart: 2020-01-01\nyears: 2\nactor_set: five-2019\nevents_from: history-2014-2024\n"
        "events:\n- {id: own, type: summit, actors: [PAK, RUS], at: 2020-06-01}\n"
    )
    scenario = scenario_from_text(text, "window.yaml")
    ids = [e.id for e in scenario.events]
    assert ids[-1] == "own" and "galwan-2020" in ids
    assert "pulwama-balakot-2019" not in ids and "us-swift-reserves-2022" not in ids  # 2022-02-26 is after 2022-01-01
    assert scenario.spec.events_from is None and [e["id"] for e in scenario.spec.events] == ids  # resolved spec
