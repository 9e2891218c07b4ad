"""Rolling hindcasts: what each origin may know, what is scored, and how the observation model links
alignment to UN distance."""

from __future__ import annotations

import numpy as np
import pytest

from powershift.analysis.validation import hindcast, scores
from powershift.analysis.validation.replay import TREND_YEARS, Index, read_record, reference_shares, yearly_record
from powershift.model.scenario import load_scenario

CODES = ["PAK", "RUS", "IND", "USA", "CHN"]
OBSERVATION = {hindcast.BETA: 1.5, hindcast.SIGMA: 0.1}


def values(replicates: int, **extra: float) -> dict[str, np.ndarray]:
    return {path: np.full(replicates, value) for path, value in {**OBSERVATION, **extra}.items()}


@pytest.fixture(scope="module", params=hindcast.ORIGINS, ids=lambda o: str(o.year))
def origin(request: pytest.FixtureRequest) -> hindcast.Origin:
    return request.param


def test_each_origin_starts_on_its_year_and_runs_five_years(origin: hindcast.Origin) -> None:
    scenario = load_scenario(origin.scenario)
    assert scenario.spec.start.year == origin.year
    assert scenario.spec.end.year >= origin.year + max(hindcast.HORIZONS)


def test_observed_changes_are_the_records_differences_from_the_origin_year(origin: hindcast.Origin) -> None:
    scenario = load_scenario(origin.scenario)
    index = Index.of(scenario)
    actual, _ = hindcast.observed(origin, CODES, index)
    record, checks = yearly_record(), read_record()
    for k, h in enumerate(hindcast.HORIZONS):
        year = origin.year + h
        distance = [record.un_distance(d, year) - record.un_distance(d, origin.year) for d in hindcast.dyads(CODES)]
        np.testing.assert_allclose(actual.values["UN distance"][k], distance)
        if all(record.has("gdp_bn", c, year) for c in CODES):
            shares = 100 * (
                reference_shares(checks, year, CODES, index) - reference_shares(checks, origin.year, CODES, index)
            )
            np.testing.assert_allclose(actual.values["power share"][k], shares)
        else:  # market-rate GDP ends in 2023: that horizon is not scored, not invented
            assert np.isnan(actual.values["power share"][k]).all()


def test_the_trend_uses_only_years_before_the_origin(origin: hindcast.Origin) -> None:
    """The baseline's slope ends with the last year known at the origin (the one before it)."""
    index = Index.of(load_scenario(origin.scenario))
    _, trend = hindcast.observed(origin, CODES, index)
    record = yearly_record()
    last = origin.year - 1
    first = max(record.first_year, last - TREND_YEARS)
    level = {y: np.array([record.un_distance(d, y) for d in hindcast.dyads(CODES)]) for y in (first, last)}
    slope = (level[last] - level[first]) / (last - first)
    for k, h in enumerate(hindcast.HORIZONS):
        np.testing.assert_allclose(trend.values["UN distance"][k], slope * h)


def test_warmer_alignment_means_a_smaller_un_distance() -> None:
    """The observation model's direction: with beta > 0 and no noise, distance moves against alignment."""
    scenario = load_scenario(hindcast.ORIGINS[0].scenario)
    out = hindcast.simulate(scenario, 0, np.arange(3), values(3, **{hindcast.SIGMA: 0.0}))
    again = hindcast.simulate(scenario, 0, np.arange(3), values(3, **{hindcast.SIGMA: 0.0, hindcast.BETA: 3.0}))
    ratio = again.values["UN distance"] / out.values["UN distance"]
    assert np.allclose(ratio[np.isfinite(ratio)], 2.0)
    assert not np.allclose(out.values["UN distance"], 0)


def test_a_world_forecasts_the_same_whatever_runs_beside_it() -> None:
    scenario = load_scenario(hindcast.ORIGINS[1].scenario)
    together = hindcast.simulate(scenario, 4, np.arange(4), values(4))
    alone = hindcast.simulate(scenario, 4, np.array([2]), values(1))
    for quantity in hindcast.QUANTITIES:
        np.testing.assert_array_equal(together.values[quantity][:, 2], alone.values[quantity][:, 0])


def test_without_an_observation_model_un_distance_is_not_scored() -> None:
    scenario = load_scenario(hindcast.ORIGINS[0].scenario)
    out = hindcast.simulate(scenario, 0, np.arange(2), {})
    assert "UN distance" not in out.values and set(out.values) == {"power share", "GDP share"}


def test_scores_set_the_ensemble_against_persistence_and_trend() -> None:
    """Persistence's CRPS is the mean absolute observed change; skill is 1 - CRPS / baseline CRPS."""
    origin = hindcast.ORIGINS[0]
    scenario = load_scenario(origin.scenario)
    simulated = hindcast.simulate(scenario, 0, np.arange(8), values(8))
    actual, trend = hindcast.observed(origin, CODES, Index.of(scenario))
    table, pits = hindcast.score_origin(origin, simulated, actual, trend, np.random.default_rng(0))
    assert set(table["quantity"]) == set(hindcast.QUANTITIES)
    assert list(table["horizon"].unique()) == list(hindcast.HORIZONS)
    row = table[(table["quantity"] == "UN distance") & (table["horizon"] == 3)].iloc[0]
    observed = actual.values["UN distance"][2]
    assert row["crps_persistence"] == pytest.approx(np.abs(observed).mean())
    ensemble = np.moveaxis(simulated.values["UN distance"], 1, -1)[2]
    assert row["crps"] == pytest.approx(scores.crps(ensemble, observed).mean())
    assert row["crps_skill_vs_persistence"] == pytest.approx(1 - row["crps"] / row["crps_persistence"])
    assert 0 <= row["coverage_50"] <= row["coverage_90"] <= 1
    assert ((pits["pit"] >= 0) & (pits["pit"] <= 1)).all()
    assert row["period"] == "calibration" and row["year"] == 2017


def test_a_wider_ensemble_covers_more() -> None:
    """More observation noise widens the UN-distance bands: coverage of the 90 % band cannot fall."""
    origin = hindcast.ORIGINS[1]
    scenario = load_scenario(origin.scenario)
    actual, trend = hindcast.observed(origin, CODES, Index.of(scenario))
    covered = []
    for sigma in (0.01, 0.5):
        simulated = hindcast.simulate(scenario, 0, np.arange(40), values(40, **{hindcast.SIGMA: sigma}))
        table, _ = hindcast.score_origin(origin, simulated, actual, trend, np.random.default_rng(0))
        covered.append(table[table["quantity"] == "UN distance"]["coverage_90"].mean())
    assert covered[1] > covered[0]


def test_the_report_splits_calibration_and_held_back_years() -> None:
    result = hindcast.run_hindcast(None, 6, 0)
    report = hindcast.report(result)
    assert {o["period"] for o in report["origins"]} == {"calibration", "held-back"}
    assert set(report["summary"]) == {"calibration", "held-back"}
    for row in report["scores"]:
        for key in ("crps_skill_vs_persistence", "crps_skill_vs_trend", "brier_skill", "coverage_50", "coverage_90"):
            assert key in row
        assert row["period"] == ("calibration" if row["origin"] == 2014 else "held-back")
        assert row["year"] <= 2019 if row["period"] == "calibration" else row["year"] >= 2020
    assert report["parameters"] == "defaults"
    assert "UN distance" not in {row["quantity"] for row in report["scores"]}  # defaults have no observation model


def test_a_posterior_gives_each_world_its_draw_and_its_observation_model(tmp_path) -> None:
    """The hindcast's worlds take the draws `run` would give them, and the observation columns with them."""
    import pandas as pd

    from powershift.analysis.experiments.posterior import read_posterior, world_values, write_posterior

    table = pd.DataFrame(
        {
            "alignment.rate": np.linspace(0.1, 0.7, 9),
            hindcast.BETA: np.linspace(0.5, 4.5, 9),
            hindcast.SIGMA: np.linspace(0.05, 0.3, 9),
        }
    )
    meta = {"method": "t", "scenario": "history-2014-2024", "years": [2014, 2019], "seed": 0, "command": "t"}
    posterior = write_posterior(table, meta, tmp_path / "p")
    posterior = read_posterior(posterior.path)
    values = hindcast.draws(posterior, 3, np.arange(6))
    model = world_values(posterior, 3, np.arange(6))
    np.testing.assert_array_equal(values["alignment.rate"], model["alignment.rate"])
    rows = [int(np.flatnonzero(table["alignment.rate"].to_numpy() == v)[0]) for v in values["alignment.rate"]]
    np.testing.assert_array_equal(values[hindcast.BETA], table[hindcast.BETA].to_numpy()[rows])  # one draw, all columns
    result = hindcast.run_hindcast(posterior, 6, 3)
    assert "UN distance" in set(result.scores["quantity"])
    assert result.parameters == "posterior p (9 draws)"


def test_validation_document_shows_the_current_hindcast_scores() -> None:
    """docs/explanation/validation.md quotes `run.py history`'s hindcast (100 worlds per origin, seed 0, the
    committed posterior) exactly, and the committed posterior's summary."""
    from pathlib import Path

    from powershift.analysis.experiments.posterior import DEFAULT_POSTERIOR, read_posterior
    from powershift.analysis.validation.calibration import posterior_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "explanation" / "validation.md").read_text()
    posterior = read_posterior(DEFAULT_POSTERIOR)
    marker = (
        "<!-- hindcast: generated by analysis.validation.hindcast.markdown; "
        "tests/validation/test_hindcast.py keeps it current -->\n"
    )
    quoted = text.split(marker, 1)[1].split("<!-- /hindcast -->", 1)[0]
    assert quoted == hindcast.markdown(hindcast.run_hindcast(posterior, 100, 0))
    marker = (
        "<!-- posterior: generated by analysis.validation.calibration.posterior_table; "
        "tests/validation/test_hindcast.py keeps it"
    )
    quoted = text.split(marker + " current -->\n", 1)[1].split("<!-- /posterior -->", 1)[0]
    assert quoted == posterior_table(posterior)


def test_validation_document_shows_the_current_hindcast_variants() -> None:
    """docs/explanation/validation.md's "What was tried for the bands" table: hindcast_variants.py's output."""
    from tests.conftest import ROOT, experiment

    module = experiment("hindcast_variants")
    text = (ROOT / "docs" / "explanation" / "validation.md").read_text()
    marker = (
        "<!-- hindcast variants: generated by docs/experiments/hindcast_variants.py; "
        "tests/validation/test_hindcast.py keeps it"
    )
    quoted = text.split(marker + " current -->\n", 1)[1].split("<!-- /hindcast variants -->", 1)[0]
    assert quoted == module.table()
