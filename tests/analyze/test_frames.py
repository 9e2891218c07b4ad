"""The analyze layer takes frames and returns frames: paired differences, end states, explanations' sums
and the spread of worlds, checked on small hand-made tables whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.analyze.comparison import differences, end_state
from powershift.analysis.analyze.explanation import adds_up, summarise
from powershift.analysis.analyze.spread import QUANTILES, quantiles

DATES = pd.to_datetime(["2024-01-01", "2025-01-01"])


def table(scenario: str, values: dict[int, float], outcome: str = "share_PAK") -> pd.DataFrame:
    """One scenario's outcome per replicate: 0 at the first date, ``values`` at the last."""
    rows = [(scenario, r, d, outcome, 0.0 if d == DATES[0] else v) for r, v in values.items() for d in DATES]
    return pd.DataFrame(rows, columns=["scenario", "replicate", "date", "outcome", "value"])


def test_paired_differences_subtract_world_from_world() -> None:
    both = pd.concat([table("a", {0: 1.0, 1: 5.0}), table("b", {0: 2.0, 1: 9.0})], ignore_index=True)
    last = differences(both[both.date == DATES[1]], paired=True)
    assert sorted(last["value"]) == [1.0, 4.0]  # b - a in world 0 and in world 1
    assert set(last["scenario"]) == {"b"}


def test_unpaired_differences_take_every_pair_of_worlds() -> None:
    both = pd.concat([table("a", {0: 1.0, 1: 5.0}), table("b", {0: 2.0, 1: 9.0})], ignore_index=True)
    last = differences(both[both.date == DATES[1]], paired=False)
    assert sorted(last["value"]) == [-3.0, 1.0, 4.0, 8.0]


def test_end_state_reports_the_last_date_median_and_the_share_of_pairs_higher() -> None:
    a = table("a", {r: float(r) for r in range(11)})
    b = table("b", {r: float(r) + (1.0 if r < 8 else -1.0) for r in range(11)})
    ends = end_state(pd.concat([a, b], ignore_index=True), paired=True).set_index("scenario")
    assert ends.loc["a", "date"] == "2025-01-01"
    assert ends.loc["a", "median"] == 5.0 and np.isnan(ends.loc["a", "difference"])
    assert ends.loc["b", "difference"] == 1.0  # the median of the paired differences, not of the levels
    assert ends.loc["b", "share_higher"] == pytest.approx(8 / 11)
    assert ends.loc["b", "unit"].startswith("share of power, 0–1 (")  # a fraction, as the series holds it


def parts(start: float, pushes: dict[str, float], end: float, replicates: int = 3) -> pd.DataFrame:
    rows = []
    for r in range(replicates):
        rows += [("level", "start", "", r, start), ("level", "end", "", r, end)]
        rows += [("mechanism", name, name, r, value) for name, value in pushes.items()]
    return pd.DataFrame(rows, columns=["kind", "name", "what", "replicate", "value"])


def test_an_explanation_adds_up_when_its_parts_do() -> None:
    summary = summarise(parts(0.1, {"threat": 0.3, "economic": -0.1}, 0.3))
    assert list(summary["name"]) == ["start", "threat", "economic", "change", "end"]  # parts by size
    assert adds_up(summary)
    assert summary.set_index("name").loc["change", "mean"] == pytest.approx(0.2)


def test_an_explanation_with_a_missing_part_does_not_add_up() -> None:
    assert not adds_up(summarise(parts(0.1, {"threat": 0.3}, 0.3)))


def test_parts_that_never_acted_are_left_out() -> None:
    summary = summarise(parts(0.0, {"threat": 0.2, "hedging": 0.0}, 0.2))
    assert "hedging" not in set(summary["name"])


def test_quantiles_of_worlds_are_ordered_and_bracket_the_median() -> None:
    frame = pd.DataFrame({"g": ["x"] * 101, "v": np.linspace(0.0, 1.0, 101)})
    row = quantiles(frame, ["g"], "v").iloc[0]
    values = [row[q] for q in QUANTILES]
    assert values == sorted(values)
    assert row[0.5] == pytest.approx(0.5) and row[0.05] == pytest.approx(0.05)
