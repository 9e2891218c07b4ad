"""The posterior fit: it recovers known parameters from data simulated with them, and it reads
nothing but the calibration years."""

from __future__ import annotations

import numpy as np
import pytest

from powershift.analysis.validation import calibration, hindcast

pytest.importorskip("pyabc")

TRUTH = {
    "alignment.rate": 0.4,
    "mechanisms.relaxation.rate": 0.8,
    "mechanisms.relaxation.anchor_rate": 0.2,
    hindcast.BETA: 2.0,
    hindcast.SIGMA: 0.15,
}
CI_BUDGET = calibration.Budget(population=100, generations=6, simulations=4000, minutes=4, draws=400)
"""Small enough for CI (about a minute on one core); the posterior is then tempered (wider), never narrower."""


@pytest.fixture(scope="module")
def synthetic() -> tuple[dict, object]:
    scenario = calibration.calibration_scenario()
    values = {path: np.array([value]) for path, value in TRUTH.items()}
    data = calibration.summaries(hindcast.simulate(scenario, 20141, np.array([0]), values))
    draws, facts = calibration.fit(data, scenario, CI_BUDGET, seed=3)
    return draws, facts


@pytest.mark.slow(seconds=60)  # the ABC-SMC fit of the synthetic fixture, about a minute
def test_synthetic_truth_lies_inside_the_posteriors_95_percent_intervals(synthetic) -> None:
    draws, _ = synthetic
    for path, value in TRUTH.items():
        low, high = calibration.credible_interval(draws[path], 0.95)
        assert low <= value <= high, (path, value, low, high)


@pytest.mark.slow(seconds=60)
def test_the_data_narrow_the_observation_noise(synthetic) -> None:
    """sigma is identified: its posterior interval is much narrower than its prior range."""
    draws, _ = synthetic
    low, high = calibration.credible_interval(draws[hindcast.SIGMA], 0.9)
    prior_low, prior_high = calibration.PRIOR[hindcast.SIGMA]
    assert high - low < 0.5 * (prior_high - prior_low)


@pytest.mark.slow(seconds=60)
def test_the_fit_reports_its_run(synthetic) -> None:
    draws, facts = synthetic
    assert list(draws.columns) == list(calibration.PRIOR)
    assert len(draws) == CI_BUDGET.draws
    assert facts["simulations"] >= CI_BUDGET.population
    assert 1 <= facts["generations"] <= CI_BUDGET.generations
    for path, (low, high) in calibration.PRIOR.items():
        assert draws[path].between(low, high).all(), path


def test_the_calibration_window_ends_with_the_calibration_years() -> None:
    scenario = calibration.calibration_scenario()
    assert scenario.spec.start.year == calibration.ORIGIN.year == 2014
    assert scenario.spec.end.year == 2014 + max(hindcast.HORIZONS) == 2019
    data = calibration.observed_summaries(scenario)
    assert set(data) == set(calibration.STATISTICS)
    assert all(np.isfinite(v).all() for v in data.values())


@pytest.mark.slow
def test_the_same_seed_gives_the_same_posterior_on_one_core() -> None:
    scenario = calibration.calibration_scenario()
    data = calibration.observed_summaries(scenario)
    budget = calibration.Budget(population=20, generations=2, simulations=200, minutes=1, draws=50)
    first, _ = calibration.fit(data, scenario, budget, seed=11)
    second, _ = calibration.fit(data, scenario, budget, seed=11)
    assert first.equals(second)


@pytest.mark.slow
def test_history_calibrate_writes_a_posterior_run_can_use(tmp_path, monkeypatch, capsys) -> None:
    """The documented command end to end (on a tiny budget): a new posterior, its manifest naming the
    command and the fit, refused over an existing one, and usable by run."""
    import run
    from powershift.analysis.experiments.posterior import read_posterior

    monkeypatch.setattr(
        calibration, "FULL", calibration.Budget(population=12, generations=2, simulations=100, draws=30)
    )
    out = tmp_path / "post"
    assert run.main(["history", "--calibrate", "--seed", "5", "--out", str(out)]) == 0
    assert "30 draws" in capsys.readouterr().out
    posterior = read_posterior(tmp_path / "post.yaml")
    manifest = posterior.manifest
    assert manifest["command"] == f"run.py history --calibrate --seed 5 --workers 1 --out {out}"
    assert manifest["years"] == [2014, 2019] and manifest["scenario"] == "history-2014-2024"
    assert manifest["details"]["prior"] == {p: {"uniform": list(r)} for p, r in calibration.PRIOR.items()}
    assert list(posterior.draws.columns) == list(calibration.PRIOR)
    assert run.main(["history", "--calibrate", "--seed", "5", "--out", str(out)]) == 2  # never over an existing one
    assert "does not exist yet" in capsys.readouterr().err
    status = run.main(
        [
            "run",
            "baseline",
            "--replicates",
            "3",
            "--years",
            "1",
            "--no-charts",
            "--quiet",
            "--posterior",
            str(tmp_path / "post.yaml"),
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert status == 0 and "parameters: posterior post (30 draws)" in capsys.readouterr().out
