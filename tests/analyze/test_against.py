"""``explain --against``: each part's paired difference from a baseline, adding up to the difference of the runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.cli.test_cli import MINIMAL
from tests.conftest import cli_at as cli

DEAL = "  - {id: crude, type: energy_deal, supplier: RUS, buyer: PAK, at: 2024-07-01, volume_bn: 2}\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario with an energy deal and the same scenario without it, run with one seed."""
    root = tmp_path_factory.mktemp("against")
    (root / "deal.yaml").write_text(MINIMAL + DEAL)
    (root / "plain.yaml").write_text(MINIMAL)
    for name in ("deal", "plain"):
        done = cli("run", f"{name}.yaml", "--replicates", "5", "--seed", "3", "--no-charts", "--out", name, cwd=root)
        assert done.returncode == 0, done.stderr
    return root


def end_alignment(folder: Path, dyad: tuple[str, str]) -> pd.Series:
    align = pd.read_parquet(folder / "alignment.parquet")
    rows = align[(align["actor_a"] == dyad[0]) & (align["actor_b"] == dyad[1])]
    return rows[rows["date"] == rows["date"].max()].set_index("replicate")["alignment"]


@pytest.mark.parametrize("baseline", ["plain", "plain.yaml"])
def test_the_parts_add_up_to_the_paired_difference(runs: Path, baseline: str) -> None:
    """Against a folder or a scenario run here with the same seed: world by world, the parts' differences sum
    to the difference of the two runs at the end (both start from the same state)."""
    out = f"why-{baseline}"
    done = cli("explain", "deal", "--dyad", "PAK-RUS", "--against", baseline, "--no-charts", "--out", out, cwd=runs)
    assert done.returncode == 0, done.stderr
    assert "'deal' minus 'plain', paired" in done.stdout and "Means add up" in done.stdout
    parts = pd.read_parquet(runs / out / "parts.parquet")
    acting = parts[parts["kind"].isin(["mechanism", "event"])].groupby("replicate")["value"].sum()
    levels = parts[parts["kind"] == "level"].pivot(index="replicate", columns="name", values="value")
    assert (levels["start"].abs() < 1e-12).all()
    difference = end_alignment(runs / "deal", ("PAK", "RUS")) - end_alignment(runs / "plain", ("PAK", "RUS"))
    pd.testing.assert_series_equal(acting, difference, check_names=False, atol=1e-12)
    pd.testing.assert_series_equal(levels["end"], difference, check_names=False, atol=1e-12)
    deal = parts[(parts["kind"] == "event") & (parts["name"] == "crude")]["value"]
    assert (deal > 0).all()  # the deal's direct push exists only in the scenario: all of it is the difference


def test_the_same_run_against_itself_changes_nothing(runs: Path) -> None:
    done = cli("explain", "deal", "--dyad", "PAK-RUS", "--against", "deal", "--no-charts", "--out", "self", cwd=runs)
    assert done.returncode == 0, done.stderr
    parts = pd.read_parquet(runs / "self" / "parts.parquet")
    assert (parts["value"].abs() < 1e-15).all()
    summary = pd.read_csv(runs / "self" / "contributions.csv")
    assert (summary.loc[summary["kind"].isin(["mechanism", "event"]), "acted"] == 0).all()


def test_the_chart_says_what_it_compares(runs: Path) -> None:
    done = cli("explain", "deal", "--dyad", "PAK-RUS", "--against", "plain", "--out", "drawn", cwd=runs)
    assert done.returncode == 0, done.stderr
    assert (runs / "drawn" / "charts" / "waterfall.png").is_file()


def test_an_unpaired_baseline_or_both_modes_are_refused(runs: Path) -> None:
    done = cli("run", "plain.yaml", "--replicates", "5", "--seed", "4", "--no-charts", "--out", "seed4", cwd=runs)
    assert done.returncode == 0, done.stderr
    refused = cli("explain", "deal", "--dyad", "PAK-RUS", "--against", "seed4", "--no-charts", cwd=runs)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "seed4: seed: a baseline with the explained run's seed (3) so that worlds pair, got 4"
    )
    both = cli("explain", "deal", "--dyad", "PAK-RUS", "--against", "plain", "--counterfactual", cwd=runs)
    assert both.returncode == 2 and "--against: --counterfactual: one of the two" in both.stderr
    assert not (runs / "deal" / "explanations").exists()  # nothing written by the refusals
