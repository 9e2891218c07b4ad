"""The seed-noise band of a comparison's median difference (``comparison.noise_band``): the 90 % interval of
that median over bootstrap resamples of the worlds. Checked on hand-made tables whose noise is known (its
coverage of the truth, its shrinking with more worlds, the first-order unpaired form against the exact
bootstrap) and on one scenario compared with itself at another seed, where the truth is no difference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.analyze.comparison import (
    NOISE_RESAMPLES,
    Member,
    differences,
    noise_band,
    paired_medians,
    resample_counts,
    series,
    unpaired_medians,
)
from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.results.storage import manifest
from powershift.model.scenario import load_scenario

DATES = pd.date_range("2024-01-01", periods=60, freq="QS")


def long_table(values: dict[str, np.ndarray]) -> pd.DataFrame:
    """A series table from arrays (worlds × dates) by scenario, one outcome."""
    frames = []
    for scenario, grid in values.items():
        worlds, dates = grid.shape
        frames.append(
            pd.DataFrame(
                {
                    "scenario": scenario,
                    "replicate": np.repeat(np.arange(worlds), dates),
                    "date": np.tile(DATES[:dates], worlds),
                    "outcome": "share_PAK",
                    "value": grid.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def null(worlds: int, seed: int, paired: bool) -> pd.DataFrame:
    """Two scenarios that do not differ: paired, B = A + noise of mean 0; unpaired, two independent draws."""
    rng = np.random.default_rng(seed)
    a = rng.normal(0.1, 0.02, (worlds, len(DATES)))
    b = a + rng.normal(0.0, 0.01, a.shape) if paired else rng.normal(0.1, 0.02, a.shape)
    return long_table({"a": a, "b": b})


@pytest.mark.parametrize("paired", [True, False])
def test_the_band_is_the_same_every_time(paired: bool) -> None:
    table = null(30, 1, paired)
    pd.testing.assert_frame_equal(noise_band(table, paired), noise_band(table, paired), check_exact=True)


@pytest.mark.parametrize("paired", [True, False])
def test_the_band_covers_no_difference_about_nine_times_in_ten(paired: bool) -> None:
    """Sixty dates of independent worlds each: a 90 % band that holds the truth (0) far less often would call
    noise an effect; far more often, it would hide effects."""
    covered = []
    for seed in range(5):
        band = noise_band(null(40, seed, paired), paired)
        covered.append(((band["low"] <= 0) & (band["high"] >= 0)).to_numpy())
    share = np.concatenate(covered).mean()
    assert 0.8 <= share <= 0.97, share


@pytest.mark.parametrize("paired", [True, False])
def test_four_times_the_worlds_halve_the_band(paired: bool) -> None:
    widths = {}
    for worlds in (50, 200):
        band = noise_band(null(worlds, 7, paired), paired)
        widths[worlds] = (band["high"] - band["low"]).mean()
    assert 1.7 <= widths[50] / widths[200] <= 2.3, widths  # 1/sqrt(n): 2


@pytest.mark.parametrize("paired", [True, False])
def test_the_band_holds_the_median_it_is_drawn_around(paired: bool) -> None:
    table = null(25, 3, paired)
    median = differences(table, paired).groupby(["scenario", "outcome", "date"])["value"].median()
    band = noise_band(table, paired).set_index(["scenario", "outcome", "date"])
    assert ((band["low"] <= median) & (median <= band["high"])).all()


@pytest.mark.parametrize("worlds", [30, 31])
def test_each_paired_resample_median_is_the_median_of_the_pairs_it_draws(worlds: int) -> None:
    """Weighting the sorted differences by how often each pair is drawn gives exactly the median of the drawn
    pairs (the mean of the two middle ones for an even count), resample by resample."""
    diff = np.random.default_rng(4).normal(size=(6, worlds))
    medians = paired_medians(diff, np.random.default_rng(11))
    counts = resample_counts(np.random.default_rng(11), worlds)  # the same draws
    drawn = [[np.median(np.repeat(row, counts[b])) for row in diff] for b in range(NOISE_RESAMPLES)]
    np.testing.assert_array_equal(medians, np.array(drawn))


def test_the_unpaired_first_order_band_is_within_a_tenth_of_the_exact_one() -> None:
    """Unpaired, the median over every pair of a resample's worlds is taken to first order; from 30 worlds a
    side it is within a few per cent of the band's width of drawing the worlds and taking every pair."""
    rng = np.random.default_rng(5)
    first = rng.normal(0.0, 1.0, (4, 30))
    other = rng.gamma(2.0, 1.0, (4, 30))  # skewed, unlike the first
    approximate = np.quantile(unpaired_medians(first, other, np.random.default_rng(0)), [0.05, 0.95], axis=0)
    draws = np.random.default_rng(1)
    for k in range(4):
        medians = []
        for _ in range(4 * NOISE_RESAMPLES):
            a, b = draws.choice(first[k], 30), draws.choice(other[k], 30)
            medians.append(np.median(b[None, :] - a[:, None]))
        exact = np.quantile(medians, [0.05, 0.95])
        assert np.abs(approximate[:, k] - exact).max() < 0.1 * (exact[1] - exact[0]), (approximate[:, k], exact)


def test_a_scenario_against_itself_at_another_seed_is_within_the_band_at_most_dates() -> None:
    """Not paired (different seeds): what differs is chance alone, so the band should hold 0 at most dates of
    every kind of outcome (dates are not independent: a drift of one seed's worlds can last), and it holds the
    median at every one."""
    members = []
    for seed, label in ((0, "seed 0"), (1, "seed 1")):
        results = run_ensemble(load_scenario("seed-2024", years=3), 20, seed)
        members.append(Member(label, manifest(results, "parquet"), results.tables, results))
    table = series(members)
    band = noise_band(table, paired=False)
    later = band[band["date"] > band["date"].min()]
    covered = (later["low"] <= 0) & (later["high"] >= 0)
    assert covered.mean() >= 0.8, later[~covered]
    assert covered[later["outcome"].str.startswith("share_")].mean() >= 0.8
    median = differences(table, paired=False).groupby(["scenario", "outcome", "date"])["value"].median()
    band = band.set_index(["scenario", "outcome", "date"])
    assert ((band["low"] <= median) & (median <= band["high"])).all()
