"""Scenario discovery: PRIM finds a box planted in a synthetic sweep, and says so plainly when there is none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.analyze.discovery import discover, outcome_flags, start_blocs
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario
from tests.conftest import cli_at as cli

PARAMS = ["actors.PAK.policy.hedging", "mechanisms.threat.weight", "x.unrelated"]


def planted(noise: float, seed: int = 0, n: int = 1500) -> pd.DataFrame:
    """Runs of a fake sweep: the outcome happens where hedging > 1.4 and threat weight < 0.6 (plus noise)."""
    rng = np.random.default_rng(seed)
    runs = pd.DataFrame(rng.uniform(0, 2, (n, 3)), columns=PARAMS)
    inside = (runs[PARAMS[0]] > 1.4) & (runs[PARAMS[1]] < 0.6)
    flipped = rng.uniform(size=n) < noise
    runs["share_IND"] = np.where(inside ^ flipped, 0.12, 0.08)
    return runs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_planted_box_is_recovered(seed: int) -> None:
    runs = planted(noise=0.03, seed=seed)
    found = discover(runs, PARAMS, outcome_flags(runs, "share_IND > 0.1", {}))
    stats = found.trajectory.loc[found.chosen]
    assert stats.density >= 0.8 and stats.coverage >= 0.7
    box = found.limits[found.limits["box"] == found.chosen].set_index("parameter")
    # the box with the most coverage at 80 % density: the planted limits, give or take the noise it tolerates
    assert box.at[PARAMS[0], "restricted"] and abs(box.at[PARAMS[0], "low"] - 1.4) < 0.2
    assert box.at[PARAMS[1], "restricted"] and abs(box.at[PARAMS[1], "high"] - 0.6) < 0.2
    assert not box.at[PARAMS[2], "restricted"] or box.at[PARAMS[2], "high"] - box.at[PARAMS[2], "low"] > 1.6


def test_no_case_and_every_case_give_no_box() -> None:
    runs = planted(noise=0.0)
    for expression in ("share_IND > 1", "share_IND > 0"):
        found = discover(runs, PARAMS, outcome_flags(runs, expression, {}))
        assert found.chosen is None and found.trajectory.empty


def test_an_outcome_that_does_not_depend_on_the_parameters_restricts_nothing() -> None:
    runs = planted(noise=0.0).assign(share_IND=np.tile([0.12, 0.08], 750))  # decided by the replicate alone
    found = discover(runs, PARAMS, outcome_flags(runs, "share_IND > 0.1", {}))
    assert found.trajectory.loc[found.chosen, "density"] < 0.8


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("share_XYZ > 0.1", "--outcome: share_XYZ > 0.1: an expression over the runs' columns"),
        ("share_IND >", "--outcome: share_IND >: an expression over the runs' columns"),
        ("share_IND * 2", "--outcome: share_IND * 2: a condition that is true or false for each run"),
    ],
)
def test_a_bad_outcome_is_refused_in_one_line(expression: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        outcome_flags(planted(noise=0.0), expression, {})
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_start_blocs_are_the_recorded_first_step() -> None:
    blocs = start_blocs(load_scenario("seed-2024"))
    assert set(blocs) == {f"bloc_{c}_start" for c in ("PAK", "RUS", "IND", "USA", "CHN")}
    assert blocs["bloc_USA_start"] == 0  # bloc 0 is the side of the start's largest power


@pytest.mark.slow(seconds=8)
def test_discover_from_the_command_line(tmp_path: Path) -> None:
    """A real sweep, then the command: the folder, the printed box, bad options refused before writing."""
    sweep = [
        "sweep",
        "baseline",
        "--param",
        "actors.PAK.policy.hedging=0:2",
        "--param",
        "actors.PAK.policy.economic_pragmatism=0:2",
        "--samples",
        "60",
        "--replicates",
        "2",
        "--years",
        "3",
        "--out",
        "sw",
        "--quiet",
    ]
    assert cli(*sweep, cwd=tmp_path).returncode == 0
    runs = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "sw" / "runs").glob("*.parquet")))
    cut = float(runs["alignment_PAK-RUS"].quantile(0.8))
    outcome = f"`alignment_PAK-RUS` > {cut}"
    done = cli("discover", "sw", "--outcome", outcome, "--out", "d", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Where '{outcome}' happens in sweep sw" in done.stdout
    folder = tmp_path / "d"
    assert {p.name for p in folder.iterdir()} >= {"trajectory.csv", "boxes.csv", "discovery.md", "manifest.json"}
    assert {p.name for p in (folder / "charts").iterdir()} == {"tradeoff.png", "box_limits.png"}
    none = cli("discover", "sw", "--outcome", "bloc_PAK != bloc_PAK_start", "--out", "n", "--no-charts", cwd=tmp_path)
    assert none.returncode == 0 and ("no run" in none.stdout or "Chosen box" in none.stdout)
    bad = cli("discover", "sw", "--outcome", outcome, "--threshold", "1.5", "--out", "x", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("--threshold: threshold: a density above 0")
    assert not (tmp_path / "x").exists()
