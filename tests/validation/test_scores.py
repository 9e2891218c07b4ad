"""Scores of ensemble forecasts: known values, properties over random ensembles, and calibration checks.

The calibration tests draw observations from the same distribution as the members (a calibrated
ensemble) with a fixed seed, and allow for sampling error by the binomial standard deviation of a
share (coverage) or a chi-square test (PIT uniformity), not by a tuned tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
import scoringrules as sr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from powershift.analysis.validation import scores

SETTINGS = settings(max_examples=50, deadline=None)
FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
OUTCOMES, MEMBERS = 4000, 39  # 39 members: the 5/25/75/95 % Weibull positions fall on whole order statistics


@st.composite
def forecasts(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """An ensemble of shape (outcomes, members) and its observations, both finite."""
    outcomes, members = draw(st.integers(1, 6)), draw(st.integers(1, 12))
    ensemble = draw(hnp.arrays(float, (outcomes, members), elements=FINITE))
    observed = draw(hnp.arrays(float, (outcomes,), elements=FINITE))
    return ensemble, observed


def calibrated(rng: np.random.Generator, sd: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Members with spread ``sd`` around a per-outcome centre; the truth drawn with spread 1 around it."""
    centre = rng.normal(0, 5, size=OUTCOMES)
    ensemble = centre[:, None] + rng.normal(0, sd, size=(OUTCOMES, MEMBERS))
    return ensemble, centre + rng.normal(0, 1, size=OUTCOMES)


def binomial_sd(p: float, n: int) -> float:
    return float(np.sqrt(p * (1 - p) / n))


# CRPS


@SETTINGS
@given(forecasts())
def test_crps_is_never_negative(case: tuple[np.ndarray, np.ndarray]) -> None:
    ensemble, observed = case
    assert (scores.crps(ensemble, observed) >= -1e-9).all()


@SETTINGS
@given(hnp.arrays(float, st.tuples(st.integers(1, 5), st.integers(1, 4)), elements=FINITE), st.integers(1, 20))
def test_a_perfect_degenerate_ensemble_scores_zero(observed: np.ndarray, members: int) -> None:
    ensemble = np.repeat(observed[..., None], members, axis=-1)
    np.testing.assert_allclose(scores.crps(ensemble, observed), 0.0, atol=1e-9)


@SETTINGS
@given(hnp.arrays(float, (7,), elements=FINITE), hnp.arrays(float, (7,), elements=FINITE))
def test_a_point_forecast_scores_its_absolute_error(forecast: np.ndarray, observed: np.ndarray) -> None:
    expected = np.abs(forecast - observed)
    np.testing.assert_allclose(scores.crps(forecast[:, None], observed), expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(scores.crps_point(forecast, observed), expected, rtol=1e-12, atol=1e-9)


def test_crps_is_the_library_fair_estimator_over_leading_axes() -> None:
    rng = np.random.default_rng(5)
    ensemble, observed = rng.normal(size=(3, 4, 10)), rng.normal(size=(3, 4))
    result = scores.crps(ensemble, observed)
    assert result.shape == (3, 4)
    np.testing.assert_allclose(result, sr.crps_ensemble(observed, ensemble, estimator="fair"), rtol=1e-12)
    standard = sr.crps_ensemble(observed, ensemble, estimator="nrg")
    assert (result < standard).all()  # the fair score drops the finite-ensemble penalty E|X - X'| / 2M


def test_crps_of_a_two_member_ensemble_by_hand() -> None:
    # fair: mean |x - y| - sum_{i != j} |x_i - x_j| / (2 M (M - 1)) = (1 + 2) / 2 - 2 * 3 / 4 = 0
    assert float(scores.crps(np.array([0.0, 3.0]), np.array(1.0))) == pytest.approx(0.0)
    assert float(scores.crps(np.array([0.0, 3.0]), np.array(5.0))) == pytest.approx(3.5 - 1.5)


def test_a_missing_member_or_observation_gives_nan_only_there() -> None:
    ensemble = np.array([[0.0, 1.0], [np.nan, 1.0], [0.0, 1.0]])
    result = scores.crps(ensemble, np.array([0.5, 0.5, np.nan]))
    assert np.isfinite(result[0]) and np.isnan(result[1:]).all()


def test_an_ensemble_without_members_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one member"):
        scores.crps(np.empty((3, 0)), np.zeros(3))


def test_the_fair_crps_of_a_calibrated_ensemble_beats_a_wider_one() -> None:
    rng = np.random.default_rng(11)
    ensemble, observed = calibrated(rng)
    wide, _ = calibrated(np.random.default_rng(11), sd=3.0)
    assert scores.crps(ensemble, observed).mean() < scores.crps(wide, observed).mean()


# skill


@SETTINGS
@given(hnp.arrays(float, st.integers(1, 30), elements=st.floats(0.01, 1e3)))
def test_a_forecast_has_no_skill_against_itself(score: np.ndarray) -> None:
    assert scores.skill(score, score) == pytest.approx(0.0, abs=1e-12)


def test_skill_compares_means_over_pairs_where_both_exist() -> None:
    score = np.array([1.0, 2.0, np.nan, 100.0])
    reference = np.array([2.0, 2.0, 5.0, np.nan])
    assert scores.skill(score, reference) == pytest.approx(1 - 1.5 / 2.0)


def test_skill_is_nan_without_pairs_or_against_a_perfect_reference() -> None:
    assert np.isnan(scores.skill(np.array([1.0, np.nan]), np.array([np.nan, 1.0])))
    assert np.isnan(scores.skill(np.array([1.0, 2.0]), np.zeros(2)))
    assert np.isnan(scores.skill(np.array([]), np.array([])))


# Brier and direction


@SETTINGS
@given(hnp.arrays(float, st.integers(1, 30), elements=st.sampled_from([0.0, 1.0])))
def test_brier_of_a_perfect_forecast_is_zero_and_of_one_half_a_quarter(outcome: np.ndarray) -> None:
    np.testing.assert_allclose(scores.brier(outcome, outcome), 0.0)
    np.testing.assert_allclose(scores.brier(np.full_like(outcome, 0.5), outcome), 0.25)


def test_brier_skill_against_no_view_and_against_a_baseline_call() -> None:
    outcome = np.array([1.0, 0.0, 1.0, 1.0])
    assert scores.brier_skill(outcome, outcome, 0.5) == pytest.approx(1.0)
    assert scores.brier_skill(np.full(4, 0.5), outcome, 0.5) == pytest.approx(0.0)
    trend = np.array([1.0, 1.0, 1.0, 0.0])  # wrong twice: Brier 0.5
    probability = np.array([0.8, 0.3, 0.6, 0.7])  # Brier (0.04 + 0.09 + 0.16 + 0.09) / 4 = 0.095
    assert scores.brier_skill(probability, outcome, trend) == pytest.approx(1 - 0.095 / 0.5)


def test_brier_leaves_missing_outcomes_out() -> None:
    result = scores.brier(np.array([0.2, 0.2, np.nan]), np.array([1.0, np.nan, 0.0]))
    assert result[0] == pytest.approx(0.64) and np.isnan(result[1:]).all()
    assert scores.brier_skill(np.array([1.0, 0.9]), np.array([1.0, np.nan]), 0.5) == pytest.approx(1.0)


def test_direction_probability_counts_ties_at_zero_as_half() -> None:
    changes = np.array([[[1.0, -1.0, 0.0, 2.0]], [[0.0, 0.0, 0.0, 0.0]]])
    np.testing.assert_allclose(scores.direction_probability(changes), [[0.625], [0.5]])
    assert np.isnan(scores.direction_probability(np.array([1.0, np.nan])))


# coverage


@SETTINGS
@given(forecasts(), st.floats(0.05, 0.95))
def test_coverage_is_a_share(case: tuple[np.ndarray, np.ndarray], level: float) -> None:
    assert 0.0 <= scores.coverage(*case, level) <= 1.0


@pytest.mark.parametrize("level", [0.5, 0.9])
def test_a_calibrated_ensemble_covers_its_nominal_level(level: float) -> None:
    ensemble, observed = calibrated(np.random.default_rng(2024))
    # each outcome covered with probability `level`, independently: 4 binomial s.d. (about 0.019 at
    # 90 %, 0.032 at 50 %) fails a correct implementation about once in 16,000 seeds
    assert scores.coverage(ensemble, observed, level) == pytest.approx(level, abs=4 * binomial_sd(level, OUTCOMES))


def test_an_over_confident_ensemble_under_covers() -> None:
    ensemble, observed = calibrated(np.random.default_rng(7), sd=0.5)
    # members half as spread as the truth: the 90 % band is the truth's 59 % band (2 * Phi(0.82) - 1)
    observed_coverage = scores.coverage(ensemble, observed, 0.9)
    assert observed_coverage < 0.9 - 4 * binomial_sd(0.9, OUTCOMES)
    assert observed_coverage == pytest.approx(0.59, abs=0.04)


def test_coverage_leaves_missing_outcomes_out_and_checks_the_level() -> None:
    ensemble = np.array([[0.0, 1.0, 2.0], [0.0, np.nan, 2.0], [0.0, 1.0, 2.0]])
    assert scores.coverage(ensemble, np.array([1.0, 1.0, np.nan]), 0.5) == 1.0
    assert np.isnan(scores.coverage(ensemble, np.full(3, np.nan), 0.5))
    with pytest.raises(ValueError, match="level"):
        scores.coverage(ensemble, np.ones(3), 1.0)


# PIT


def test_pit_of_a_calibrated_ensemble_is_uniform() -> None:
    ensemble, observed = calibrated(np.random.default_rng(99))
    counts = scores.pit_histogram(scores.pit(ensemble, observed))
    assert counts.sum() == OUTCOMES
    assert stats.chisquare(counts).pvalue > 0.01


def test_pit_of_an_over_confident_ensemble_piles_up_in_the_tails() -> None:
    ensemble, observed = calibrated(np.random.default_rng(99), sd=0.5)
    counts = scores.pit_histogram(scores.pit(ensemble, observed))
    assert stats.chisquare(counts).pvalue < 1e-6
    assert counts[0] + counts[-1] > 2 * counts[4:6].sum()  # U-shaped


def test_pit_spreads_ties_at_random_and_is_reproducible() -> None:
    # a degenerate ensemble equal to the observation: every rank 0..M is a tie, so PIT is uniform
    values = scores.pit(np.zeros((OUTCOMES, 4)), np.zeros(OUTCOMES))
    assert stats.chisquare(scores.pit_histogram(values)).pvalue > 0.01
    np.testing.assert_array_equal(values, scores.pit(np.zeros((OUTCOMES, 4)), np.zeros(OUTCOMES)))
    other = scores.pit(np.zeros((OUTCOMES, 4)), np.zeros(OUTCOMES), rng=np.random.default_rng(1))
    assert not np.array_equal(values, other)


@SETTINGS
@given(forecasts())
def test_pit_lies_in_its_rank_slot(case: tuple[np.ndarray, np.ndarray]) -> None:
    ensemble, observed = case
    values = scores.pit(ensemble, observed)
    members = ensemble.shape[-1]
    below = (ensemble < observed[:, None]).sum(axis=-1)
    at_or_below = (ensemble <= observed[:, None]).sum(axis=-1)
    assert ((values >= below / (members + 1)) & (values <= (at_or_below + 1) / (members + 1))).all()


def test_pit_of_missing_values_is_nan_and_the_histogram_leaves_them_out() -> None:
    values = scores.pit(np.array([[0.0, 1.0], [np.nan, 1.0], [0.0, 1.0]]), np.array([0.5, 0.5, np.nan]))
    assert np.isfinite(values[0]) and np.isnan(values[1:]).all()
    assert scores.pit_histogram(values, bins=4).sum() == 1
