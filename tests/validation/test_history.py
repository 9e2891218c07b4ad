"""The 2014-2024 replay: its record file, its scoring rules, calibration and the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.experiments.posterior import NEW_FILE
from powershift.analysis.validation import calibration
from powershift.analysis.validation import replay as history
from powershift.model.actors import load_actor_set
from powershift.model.scenario import load_scenario
from powershift.model.world import World, world_seed
from tests.cli.test_cli import files_under
from tests.conftest import cli_at as cli

CODES = ["PAK", "RUS", "IND", "USA", "CHN"]


def test_record_is_complete_and_sourced() -> None:
    record = history.read_record()
    assert set(record.periods) == {"calibration", "validation"}
    assert record.periods["calibration"].end == record.periods["validation"].start
    assert sorted(record.capability.years)[0] == 2014
    for year, rows in record.capability.years.items():
        assert set(rows) == set(CODES), year
        for code, values in rows.items():
            assert set(values) == set(history.COMPONENT_FIELDS.values()), (year, code)
    assert set(record.capability.sources) == set(history.COMPONENT_FIELDS.values())
    kinds = {c.kind for c in record.checks}
    assert kinds == {"alignment_change", "alignment_sign", "trade_change"}
    for check in record.checks:
        a, b = check.dyad.split("-")
        assert {a, b} <= set(CODES) and a != b, check.name
        assert check.source.strip() and check.evidence.strip(), check.name
        assert dt.date(2014, 1, 1) <= check.start < check.end <= dt.date(2024, 1, 1), check.name
    periods = {history.period_of(c, record) for c in record.checks}
    assert periods == {"calibration", "validation", "whole"}


def test_the_replay_starts_from_2014_data() -> None:
    scenario = load_scenario(history.SCENARIO)
    assert scenario.spec.start == dt.date(2014, 1, 1) and scenario.spec.years == 10
    assert scenario.actors.spec.name == "five-2014"
    assert load_actor_set("five-2014").spec.year == 2014


def test_reference_shares_use_the_models_composite() -> None:
    record = history.read_record()
    index = history.Index.of(load_scenario(history.SCENARIO))
    assert index.name == "economic_military"
    years = history.reference_years(record, index)
    assert years[0] == 2010 and years[-1] == 2023  # World Bank GDP ends in 2023
    for year in years:
        shares = history.reference_shares(record, year, CODES, index)
        assert shares.sum() == pytest.approx(1.0) and (shares > 0).all()
    world = World(load_scenario(history.SCENARIO), [world_seed(0, 0)], record_contributions=False)
    modelled = np.array([world.shares[0, world.codes.index(c)] for c in CODES])
    observed = history.reference_shares(record, 2014, CODES, index)
    # Levels differ by up to ~6 pp (USA): the record values 2014 spending in constant 2023 dollars and
    # its stock carries 2010-13 spending, while the start knows 2014 dollars and a steady state.
    # Scores compare changes, not levels.
    assert np.abs(modelled - observed).max() < 0.07


def test_trend_baseline_carries_on_the_years_known_before_the_start() -> None:
    """From 2019 the slope is 2014->2018 (the last year known then); from 2014 the record allows 2010->2013."""
    record = history.read_record()
    index = history.Index.of(load_scenario(history.SCENARIO))
    assert history.trend_window(2019) == (2014, 2018) and history.trend_window(2014) == (2010, 2013)
    before, last = (history.reference_shares(record, y, CODES, index) for y in (2014, 2018))
    trend = history.trend_change(record, 2019, 2023, CODES, index)
    np.testing.assert_allclose(trend, 100 * (last - before), rtol=1e-12)  # four years on at the same pace
    before, last = (history.reference_shares(record, y, CODES, index) for y in (2010, 2013))
    trend = history.trend_change(record, 2014, 2019, CODES, index)
    np.testing.assert_allclose(trend, 100 * (last - before) / 3 * 5, rtol=1e-12)


def test_cinc_scoring_uses_the_nmc_record() -> None:
    record = history.read_record()
    index = history.Index.of(load_scenario(history.SCENARIO, ("power.index=cinc",)))
    assert history.reference_years(record, index) == sorted(record.capability.years)
    shares = history.reference_shares(record, 2014, CODES, index)
    assert shares[CODES.index("CHN")] > shares[CODES.index("USA")]


def table(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    """An alignment table for dyad PAK-RUS: (date, replicate, alignment, trade)."""
    frame = pd.DataFrame(rows, columns=["date", "replicate", "alignment", "trade"])
    return frame.assign(date=pd.to_datetime(frame["date"]), actor_a="PAK", actor_b="RUS")


ALIGNMENT = table(
    [
        ("2014-01-01", 0, 0.10, 1.0),
        ("2014-01-01", 1, 0.10, 1.0),
        ("2014-01-01", 2, 0.10, 1.0),
        ("2019-01-01", 0, 0.30, 3.0),
        ("2019-01-01", 1, 0.05, 0.9),
        ("2019-01-01", 2, 0.20, 2.5),
    ]
)


def check(kind: str, expected: str, threshold: float = 0.0) -> history.Check:
    return history.Check.model_validate(
        {
            "name": "n",
            "kind": kind,
            "dyad": "RUS-PAK",
            "from": "2014-01-01",
            "to": "2019-01-01",
            "expected": expected,
            "threshold": threshold,
            "evidence": "e",
            "source": "s",
        }
    )


@pytest.mark.parametrize(
    ("kind", "expected", "threshold", "simulated", "ok", "baseline_ok", "agreeing"),
    [
        ("alignment_change", "warmer", 0.02, 0.10, True, False, 2 / 3),
        ("alignment_change", "cooler", 0.02, 0.10, False, False, 1 / 3),
        ("alignment_change", "warmer", 0.15, 0.10, False, False, 1 / 3),
        ("alignment_sign", "friendly", 0.0, 0.20, True, True, 1.0),
        ("alignment_sign", "hostile", 0.0, 0.20, False, False, 0.0),
        ("trade_change", "up", 2.0, 2.5, True, False, 2 / 3),
        ("trade_change", "down", 2.0, 2.5, False, False, 0.0),
    ],
)
def test_a_check_passes_when_the_median_world_meets_it(kind, expected, threshold, simulated, ok, baseline_ok, agreeing):
    scored = history.score_check(check(kind, expected, threshold), ALIGNMENT)
    assert scored["simulated"] == pytest.approx(simulated)
    assert scored["ok"] is ok and scored["baseline_ok"] is baseline_ok
    assert scored["worlds_agreeing"] == pytest.approx(agreeing, abs=1e-3)


def test_capability_error_compares_changes_with_the_record() -> None:
    record = history.read_record()
    index = history.Index.of(load_scenario(history.SCENARIO))
    ref = {y: history.reference_shares(record, y, CODES, index) for y in (2014, 2019)}
    rows = []
    for year, shares in ref.items():  # a "model" that reproduces the record exactly, in two worlds
        for r in range(2):
            rows += [(pd.Timestamp(year, 1, 1), r, c, s) for c, s in zip(CODES, shares, strict=True)]
    perfect = pd.DataFrame(rows, columns=["date", "replicate", "actor", "power_share"])
    errors = history.capability_errors(record, perfect, CODES, index, (2014, 2019))
    assert errors["capability_share_mae"] == pytest.approx(0.0, abs=1e-9)
    expected = 100 * np.abs(ref[2019] - ref[2014]).mean()
    assert errors["baseline_capability_share_mae"] == pytest.approx(expected, abs=1e-4)
    trend = history.trend_change(record, 2014, 2019, CODES, index)
    assert errors["trend_capability_share_mae"] == pytest.approx(
        np.abs(trend - 100 * (ref[2019] - ref[2014])).mean(), abs=1e-4
    )


@pytest.fixture(scope="module")
def scorecard(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("history")
    done = cli("history", "--json", "--replicates", "6", "--out", "replay", cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), root / "replay"


@pytest.mark.slow  # with the next: the scorecard fixture runs `run.py history`
def test_history_json_has_the_scorecard_keys(scorecard: tuple[dict, Path]) -> None:
    card, _ = scorecard
    for key in (
        "hit_rate",
        "baseline_hit_rate",
        "capability_share_mae",
        "baseline_capability_share_mae",
        "trend_capability_share_mae",
        "checks",
    ):
        assert key in card
    assert set(card["periods"]) == {"calibration", "validation", "whole"}
    assert len(card["checks"]) == len(history.read_record().checks)
    for item in card["checks"]:
        assert {"name", "expected", "simulated", "ok", "source"} <= set(item)
    rates = [c["ok"] for c in card["checks"]]
    assert card["hit_rate"] == pytest.approx(sum(rates) / len(rates), abs=1e-4)
    assert card["parameters"].startswith("posterior posterior-2014-2019")
    forecasts = card["hindcast"]
    assert {row["period"] for row in forecasts["scores"]} == {"calibration", "held-back"}
    for row in forecasts["scores"]:
        assert {"origin", "horizon", "quantity", "crps_skill_vs_persistence", "crps_skill_vs_trend"} <= set(row)
        assert {"brier_skill", "coverage_50", "coverage_90"} <= set(row)


@pytest.mark.slow
def test_history_out_keeps_the_replay_and_its_scorecard(scorecard: tuple[dict, Path]) -> None:
    card, out = scorecard
    assert json.loads((out / "scorecard.json").read_text()) == card
    assert (out / "charts" / "focus_alignment.png").is_file()
    for chart in ("hindcast_skill.png", "hindcast_coverage.png"):
        assert (out / "charts" / chart).stat().st_size > 10_000
    scores = pd.read_csv(out / "hindcast-scores.csv")
    assert len(scores) == len(card["hindcast"]["scores"])
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["scenario"] == "history-2014-2024" and meta["parameter_set"]["set"] == "posterior"


def test_history_text_names_every_check_and_period(tmp_path: Path) -> None:
    done = cli("history", "--replicates", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "calibration" in done.stdout and "validation" in done.stdout and "persistence" in done.stdout
    assert files_under(tmp_path) == []  # printing writes nothing


def test_bad_posterior_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "post.yaml").write_text("name: 3\n")
    done = cli("history", "--posterior", "post.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "post.yaml:" in done.stderr
    assert files_under(tmp_path) == [tmp_path / "post.yaml"]


def test_calibrate_refuses_replicates_and_writes_nothing(tmp_path: Path) -> None:
    done = cli("history", "--calibrate", "--replicates", "3", "--out", "post", cwd=tmp_path)
    assert done.returncode == 2 and "--replicates" in done.stderr
    assert files_under(tmp_path) == []


def test_calibrate_refuses_an_existing_posterior_or_a_missing_folder_before_fitting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before the fit starts (it takes minutes, and its result could not be written)."""

    def no_fit(*args: object, **kwargs: object) -> None:
        raise AssertionError("the fit started")

    monkeypatch.setattr(calibration, "fit", no_fit)
    (tmp_path / "post.csv").write_text("kept\n")
    done = cli("history", "--calibrate", "--out", "post", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == f"post.csv: (file): {NEW_FILE}"
    missing = cli("history", "--calibrate", "--out", "nowhere/post", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.strip() == "nowhere: (folder): an existing folder"
    assert files_under(tmp_path) == [tmp_path / "post.csv"] and (tmp_path / "post.csv").read_text() == "kept\n"


def test_validation_document_shows_the_current_scorecard() -> None:
    """docs/explanation/validation.md quotes the scorecard of `run.py history` (100 replicates, seed 0) exactly."""
    from powershift.analysis.experiments.posterior import DEFAULT_POSTERIOR, read_posterior

    text = (Path(__file__).resolve().parents[2] / "docs" / "explanation" / "validation.md").read_text()
    marker = "tests/validation/test_history.py keeps it current -->\n"
    quoted = text.split(marker, 1)[1].split("<!-- /scorecard -->", 1)[0]
    card = history.score(history.replay(read_posterior(DEFAULT_POSTERIOR), 100, 0))
    assert quoted == history.markdown(card)


def test_validation_document_shows_the_current_robustness_table() -> None:
    """docs/explanation/validation.md's robustness table is docs/experiments/history_variants.py's output."""
    from tests.conftest import ROOT, experiment

    module = experiment("history_variants")
    text = (ROOT / "docs" / "explanation" / "validation.md").read_text()
    quoted = text.split("tests/validation/test_history.py keeps it current -->\n")[2].split("<!-- /variants -->", 1)[0]
    assert quoted == module.table()
