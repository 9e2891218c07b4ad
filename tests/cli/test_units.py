"""One unit for shares and probabilities: fractions of 1 in every table a command writes, percent where read.

``compare`` once wrote its series and end-state table in percent while every other table held fractions, so
an analyst saw 0.043 in one table and 4.3 in another. These tests run ``compare`` and a ``sweep`` of the same
scenario and seed and check that the tables agree with the runs' own trajectories and with each other, number
for number, and that only the Markdown (what a reader reads) is in % and pp (docs/reference/outputs.md#units).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from powershift.analysis.results.readers import read_comparison
from tests.conftest import FIVE
from tests.conftest import cli_at as cli

COMMON = ["--replicates", "4", "--seed", "4", "--years", "2"]
HEDGING = "actors.PAK.policy.hedging"
LEVELS = (0.0, 1.5)  # the sweep's grid, and the two compared files
SHARES = ("share_", "bloc_power", "p_bloc1_")


def scenario_file(hedging: float) -> str:
    return f"extends: seed-2024\ntitle: PAK hedging {hedging}\nset:\n  {HEDGING}: {hedging}\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``compare`` of seed-2024 with PAK hedging at 0 and at 1.5, and a grid sweep of seed-2024 over the same
    two values, with one seed, replicates and horizon and the default parameters in both (a sweep draws no
    posterior, so the comparison is told not to either)."""
    root = tmp_path_factory.mktemp("units")
    for level in LEVELS:
        (root / f"hedging-{level}.yaml").write_text(scenario_file(level))
    files = [f"hedging-{level}.yaml" for level in LEVELS]
    done = cli("compare", *files, *COMMON, "--no-posterior", "--no-charts", "--out", "cmp", cwd=root)
    assert done.returncode == 0, done.stderr
    swept = f"{HEDGING}={LEVELS[0]}:{LEVELS[1]}:2"
    grid = ["--param", swept, "--sampler", "grid", *COMMON, "--workers", "1", "--quiet", "--out", "sweep"]
    done = cli("sweep", "seed-2024", *grid, cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def last_shares(folder: Path, scenario: str) -> pd.DataFrame:
    """A member run's power shares at its last date, one row per replicate and state."""
    traj = pd.read_parquet(folder / "cmp" / "runs" / scenario / "trajectories.parquet")
    return traj[traj["date"] == traj["date"].max()][["replicate", "actor", "power_share", "p_bloc1"]]


def test_compare_tables_hold_fractions_equal_to_the_runs_and_the_markdown_shows_percent(folder: Path) -> None:
    series = pd.read_parquet(folder / "cmp" / "series.parquet")
    shares = series[series["outcome"].str.startswith(SHARES)]
    assert len(shares) and shares["value"].between(0, 1).all()
    ends = pd.read_csv(folder / "cmp" / "end_state.csv")
    rows = ends[ends["outcome"].str.startswith(SHARES)]
    assert rows[["median", "low", "high"]].stack().between(0, 1).all()
    assert set(rows["unit"]) == {"share of power, 0–1 (economic–military index)", "probability, 0–1"}
    markdown = (folder / "cmp" / "end_state.md").read_text()
    last = series["date"].max()
    for scenario in ("hedging-0.0", "hedging-1.5"):
        runs = last_shares(folder, scenario)
        mine = series[(series["scenario"] == scenario) & (series["date"] == last)]
        for code in FIVE:
            own = runs[runs["actor"] == code].set_index("replicate")["power_share"].sort_index()
            value = mine[mine["outcome"] == f"share_{code}"].set_index("replicate")["value"].sort_index()
            pd.testing.assert_series_equal(value, own, check_names=False, check_exact=True)  # the same fraction
            row = ends[(ends["scenario"] == scenario) & (ends["outcome"] == f"share_{code}")].iloc[0]
            assert row["median"] == pytest.approx(own.median(), rel=1e-15)
            shown = f"{100 * row['median']:.3f} [{100 * row['low']:.3f}, {100 * row['high']:.3f}]"
            assert re.search(rf"\| share_{code} \| % \(economic–military index\) \|[^\n]*{re.escape(shown)}", markdown)
            chance = runs[runs["actor"] == code]["p_bloc1"]
            row = ends[(ends["scenario"] == scenario) & (ends["outcome"] == f"p_bloc1_{code}")].iloc[0]
            assert row["median"] == pytest.approx(chance.median(), rel=1e-15)
            shown = f"{100 * row['median']:.3f} [{100 * row['low']:.3f}, {100 * row['high']:.3f}]"
            assert re.search(rf"\| P\(bloc 1\) {code} \| % \(probability\) \|[^\n]*{re.escape(shown)}", markdown)
    change = ends[(ends["scenario"] == "hedging-1.5") & (ends["outcome"] == "share_PAK")].iloc[0]
    assert 0 < abs(change["difference"]) < 0.01  # a fraction: less than a percentage point in two years
    shown = f"{100 * change['difference']:+.3f} [{100 * change['difference_low']:+.3f}, "
    assert f"{shown}{100 * change['difference_high']:+.3f}] pp |" in markdown


def test_a_sweep_run_and_the_compared_world_hold_the_same_fraction(folder: Path) -> None:
    """Replicate r of a compared scenario is the sweep's run at the same parameter value and replicate: their
    shares are one number in both tables, not 0.043 in one and 4.3 in the other."""
    runs = pd.read_parquet(folder / "sweep" / "runs")
    series = pd.read_parquet(folder / "cmp" / "series.parquet")
    last = series[series["date"] == series["date"].max()]
    for level in LEVELS:
        swept = runs[runs[HEDGING] == level].set_index("replicate").sort_index()
        assert len(swept) == 4
        assert (swept[[f"share_{c}" for c in FIVE]].sum(axis=1) - 1).abs().max() < 1e-12  # fractions of the whole
        compared = last[last["scenario"] == f"hedging-{level}"]
        for column in [f"share_{c}" for c in FIVE] + ["bloc_power_0"]:
            value = compared[compared["outcome"] == column].set_index("replicate")["value"].sort_index()
            pd.testing.assert_series_equal(value, swept[column], check_names=False, check_exact=True)


def test_a_comparison_written_in_percent_before_is_read_as_fractions(folder: Path) -> None:
    """A folder from before one unit was kept (shares in percent, no ``share_unit`` in its manifest) is read
    back as fractions, so ``plot`` draws it as it drew it then, not 100 times too large."""
    old = folder / "old-cmp"
    shutil.copytree(folder / "cmp", old, ignore=shutil.ignore_patterns("runs", "charts"))
    manifest = json.loads((old / "manifest.json").read_text())
    assert manifest.pop("share_unit") == "fraction"
    (old / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    series = pd.read_parquet(old / "series.parquet")
    percent = series["outcome"].str.startswith(SHARES)
    series.assign(value=series["value"].where(~percent, 100 * series["value"])).to_parquet(old / "series.parquet")
    _, new_tables = read_comparison(folder / "cmp")
    _, old_tables = read_comparison(old)
    pd.testing.assert_frame_equal(old_tables["series"], new_tables["series"], rtol=1e-14)
    done = cli("plot", "old-cmp", "--chart", "compare_power_shares", "--out", "old-charts", cwd=folder)
    assert done.returncode == 0, done.stderr
