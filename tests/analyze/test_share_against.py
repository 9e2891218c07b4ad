"""``explain --state CODE --against BASELINE``: a share's paired difference split by component (exactly) and by
coupling (total effects from paired reruns with the coupling off)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.analyze.share_against import Measure, shapley
from powershift.model import power
from tests.conftest import cli_at as cli

RUN = ("--years", "3", "--replicates", "6", "--seed", "1", "--no-charts")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Russia isolated by everyone's sanctions, and the baseline, paired; the share explained against it."""
    root = tmp_path_factory.mktemp("share-against")
    for name in ("russia-isolated", "baseline"):
        done = cli("run", name, *RUN, "--out", name, cwd=root)
        assert done.returncode == 0, done.stderr
    done = cli("explain", "russia-isolated", "--state", "rus", "--against", "baseline", "--out", "why", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def end_share(folder: Path, state: str) -> pd.Series:
    traj = pd.read_parquet(folder / "trajectories.parquet")
    rows = traj[(traj["actor"] == state) & (traj["date"] == traj["date"].max())]
    return rows.set_index("replicate")["power_share"]


def parts_of(folder: Path, kind: str) -> pd.DataFrame:
    parts = pd.read_parquet(folder / "parts.parquet")
    return parts[parts["kind"] == kind].pivot(index="replicate", columns="name", values="value")


def test_components_add_up_to_the_paired_difference_world_by_world(runs: Path) -> None:
    difference = end_share(runs / "russia-isolated", "RUS") - end_share(runs / "baseline", "RUS")
    components = parts_of(runs / "why", "component")
    assert set(components) == set(power.INDEX_COMPONENTS[power.HEADLINE])
    pd.testing.assert_series_equal(components.sum(axis=1), difference, check_names=False, atol=1e-15)
    levels = parts_of(runs / "why", "level")
    pd.testing.assert_series_equal(levels["scenario"] - levels["baseline"], difference, check_names=False)


def test_sanctions_cost_russia_share_through_growth_and_trade(runs: Path) -> None:
    """The direction of the couplings: everyone's sanctions lower Russia's share, every world, through the
    sanctions drag on growth and the lost value added of trade; switched off, they leave nothing."""
    difference = end_share(runs / "russia-isolated", "RUS") - end_share(runs / "baseline", "RUS")
    assert (difference < 0).all()
    couplings = parts_of(runs / "why", "coupling")
    assert (couplings["economy.sanctions_drag"] < 0).all()
    assert (couplings["economy.trade_gain"] < 0).all()
    assert (couplings["economy.agreement_elasticity"] == 0).all()  # no trade agreement in either run
    remaining = parts_of(runs / "why", "remaining")["every coupling"]
    assert (remaining.abs() < 1e-12).all()  # sanctions reach power only through the couplings


def test_the_summary_is_in_percentage_points_and_the_table_in_fractions(runs: Path) -> None:
    summary = pd.read_csv(runs / "why" / "share_contributions.csv")
    difference = summary[summary["kind"] == "difference"].iloc[0]
    assert -0.01 < difference["mean"] < 0  # a fraction of 1: a few tenths of a point
    text = (runs / "why" / "share_contributions.md").read_text()
    assert f"{100 * difference['mean']:+.3f}" in text and "percentage points (pp)" in text
    assert "Components add up" in text
    assert (runs / "why" / "charts" / "share_parts.png").is_file()


def test_plot_redraws_the_chart_from_the_folder(runs: Path) -> None:
    done = cli("plot", "why", "--out", "redrawn", cwd=runs)
    assert done.returncode == 0, done.stderr
    assert (runs / "redrawn" / "share_parts.png").is_file()


def test_a_run_against_itself_changes_nothing(runs: Path) -> None:
    done = cli(
        "explain", "baseline", "--state", "IND", "--against", "baseline", "--no-charts", "--out", "self", cwd=runs
    )
    assert done.returncode == 0, done.stderr
    parts = pd.read_parquet(runs / "self" / "parts.parquet")
    assert (parts.loc[parts["kind"] != "level", "value"].abs() < 1e-15).all()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--state", "RUS"), "--state: RUS: --against BASELINE as well"),
        (("--state", "XYZ", "--against", "baseline"), "russia-isolated: --state: one of the run's states"),
        (("--state", "RUS", "--against", "baseline", "--from", "2025-01-01"), "--state: --from: no --from"),
        (("--state", "RUS", "--against", "baseline", "--to", "2040-01-01"), "russia-isolated: --to: a date after"),
    ],
)
def test_bad_requests_get_one_line_and_write_nothing(runs: Path, flags: tuple[str, ...], message: str) -> None:
    before = sorted((runs / "russia-isolated").rglob("*"))
    done = cli("explain", "russia-isolated", *flags, "--no-charts", cwd=runs)
    assert done.returncode == 2
    assert done.stderr.strip().startswith(message) and "\n" not in done.stderr.strip()
    assert sorted((runs / "russia-isolated").rglob("*")) == before


def test_a_baseline_on_another_index_is_refused(runs: Path) -> None:
    done = cli("run", "baseline", *RUN, "--set", "power.index=cinc", "--out", "cinc", cwd=runs)
    assert done.returncode == 0, done.stderr
    refused = cli("explain", "russia-isolated", "--state", "RUS", "--against", "cinc", "--no-charts", cwd=runs)
    assert refused.returncode == 2 and "cinc: power.index: a baseline on the run's power index" in refused.stderr


def measure(index: str, components: dict[str, np.ndarray], weights: tuple[float, float, float]) -> Measure:
    """A Measure built by hand: component shares (W, N), equal weights across worlds, no nuclear bonus."""
    made = object.__new__(Measure)
    worlds, n = next(iter(components.values())).shape
    made.index, made.components = index, components
    made.weights = {c: np.full(worlds, w) for c, w in zip(power.ECONOMIC_MILITARY_COMPONENTS, weights, strict=True)}
    made.bonus, made.nuclear = np.zeros(worlds), np.ones(n)
    made.recorded = made.shares(components, made)
    return made


def random_shares(rng: np.random.Generator, names: tuple[str, ...], worlds: int = 4, n: int = 5) -> dict:
    return {c: power.shares(rng.uniform(0.1, 1.0, (worlds, n))) for c in names}


def test_on_the_headline_index_a_component_part_is_its_weighted_share_difference() -> None:
    """A linear index: the Shapley part of each component is weight / total weight × its share difference."""
    rng = np.random.default_rng(7)
    names = power.INDEX_COMPONENTS[power.HEADLINE]
    weights = (0.25, 0.25, 0.5)
    base = measure(power.HEADLINE, random_shares(rng, names), weights)
    scenario = measure(power.HEADLINE, random_shares(rng, names), weights)
    parts = shapley(scenario, base, 2)
    for c, w in zip(names, weights, strict=True):
        expected = w / sum(weights) * (scenario.components[c][:, 2] - base.components[c][:, 2])
        np.testing.assert_allclose(parts[c], expected, atol=1e-15)


def test_on_net_resources_the_parts_add_up_and_an_unchanged_component_gets_none() -> None:
    """A nonlinear index (GDP² / population): the parts still add up exactly; a component equal in both runs
    has no part."""
    rng = np.random.default_rng(8)
    names = power.INDEX_COMPONENTS["net_resources"]
    base = measure("net_resources", random_shares(rng, names), (0.25, 0.25, 0.5))
    moved = {"gdp_mer": random_shares(rng, ("gdp_mer",))["gdp_mer"], "population": base.components["population"]}
    scenario = measure("net_resources", moved, (0.25, 0.25, 0.5))
    parts = shapley(scenario, base, 0)
    np.testing.assert_allclose(sum(parts.values()), scenario.recorded[:, 0] - base.recorded[:, 0], atol=1e-15)
    np.testing.assert_array_equal(parts["population"], 0.0)


def test_different_weights_get_a_measurement_part() -> None:
    rng = np.random.default_rng(9)
    names = power.INDEX_COMPONENTS[power.HEADLINE]
    shares = random_shares(rng, names)
    base = measure(power.HEADLINE, shares, (0.25, 0.25, 0.5))
    scenario = measure(power.HEADLINE, shares, (0.5, 0.0, 0.5))
    parts = shapley(scenario, base, 1)
    assert set(parts) == {*names, "measurement"}
    np.testing.assert_allclose(parts["measurement"], scenario.recorded[:, 1] - base.recorded[:, 1], atol=1e-15)
