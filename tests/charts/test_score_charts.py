"""Charts of hindcast scores drawn from a synthetic frame: whole PNG files of a sensible size, and refusals."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from powershift.analysis.charts import scores as score_charts
from powershift.analysis.charts import style
from powershift.analysis.charts.scores import _pooled
from powershift.analysis.validation import scores

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QUANTITIES = ("power share", "GDP share", "UN distance")


def synthetic(small: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores for origins 2010-2019 (held back from 2016) and the PIT values of their ensembles."""
    rng = np.random.default_rng(3)
    rows, pits = [], []
    for origin in range(2010, 2020):
        period = "calibration" if origin < 2016 else "held-back"
        for quantity in QUANTITIES:
            for horizon in range(1, 6):
                n = 5 if small else 40
                rows.append(
                    {
                        "origin": origin,
                        "period": period,
                        "quantity": quantity,
                        "horizon": horizon,
                        "crps_skill_vs_persistence": 0.05 * horizon
                        + rng.normal(0, 0.1)
                        - 3.0 * (small and horizon == 5),
                        "crps_skill_vs_trend": rng.normal(0, 0.1),
                        "brier_skill": rng.normal(0.1, 0.1),
                        "coverage_50": rng.uniform(0.3, 0.7),
                        "coverage_90": rng.uniform(0.7, 1.0),
                        "n": n,
                    }
                )
                values = scores.pit(rng.normal(size=(n, 20)), rng.normal(size=n), rng)
                pits += [{"period": period, "quantity": quantity, "pit": v} for v in values]
    return pd.DataFrame(rows), pd.DataFrame(pits)


def assert_png(path: Path, min_inches: tuple[float, float]) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > 20_000  # drawn, not a blank canvas
    height, width = mpimg.imread(path).shape[:2]
    assert width >= min_inches[0] * style.DPI and height >= min_inches[1] * style.DPI


@pytest.mark.parametrize("small", [False, True])
def test_skill_by_horizon_writes_a_png(tmp_path: Path, small: bool) -> None:
    frame, _ = synthetic(small)
    open_before = set(plt.get_fignums())
    path = score_charts.skill_by_horizon(frame, tmp_path / "skill.png", "powershift test · synthetic scores")
    assert path == tmp_path / "skill.png"
    assert_png(path, (10, 4))
    assert set(plt.get_fignums()) == open_before  # the figure is closed once written
    assert not list(tmp_path.glob(".*tmp*"))  # no staging file left behind


def test_coverage_chart_writes_a_png(tmp_path: Path) -> None:
    frame, pits = synthetic()
    path = score_charts.coverage_chart(frame, pits, tmp_path / "coverage.png", "powershift test · synthetic scores")
    assert_png(path, (10, 6))


def test_coverage_chart_draws_without_pit_values(tmp_path: Path) -> None:
    frame, pits = synthetic()
    path = score_charts.coverage_chart(frame, pits.assign(pit=np.nan), tmp_path / "coverage.png", "")
    assert_png(path, (10, 6))


def test_skill_is_pooled_exactly_from_the_mean_crps_when_the_frame_has_it() -> None:
    rows = pd.DataFrame(
        {
            "horizon": [1, 1],
            "n": [10, 30],
            "crps": [1.0, 2.0],
            "crps_persistence": [2.0, 2.0],
            "crps_skill_vs_persistence": [0.5, 0.0],
        }
    )
    pooled = _pooled(rows, "crps_skill_vs_persistence")
    assert pooled.loc[1, "value"] == pytest.approx(1 - (10 * 1 + 30 * 2) / (40 * 2.0)) and pooled.loc[1, "n"] == 40
    weighted = _pooled(rows.drop(columns=["crps", "crps_persistence"]), "crps_skill_vs_persistence")
    assert weighted.loc[1, "value"] == pytest.approx((10 * 0.5 + 30 * 0.0) / 40)


def test_a_frame_without_the_score_columns_or_rows_is_refused(tmp_path: Path) -> None:
    frame, pits = synthetic()
    with pytest.raises(ValueError, match="crps_skill_vs_trend"):
        score_charts.skill_by_horizon(frame.drop(columns="crps_skill_vs_trend"), tmp_path / "s.png", "")
    with pytest.raises(ValueError, match="no scores"):
        score_charts.coverage_chart(frame.iloc[:0], pits, tmp_path / "c.png", "")
    assert not list(tmp_path.iterdir())
