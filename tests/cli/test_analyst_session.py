"""An analyst's session end to end, as the analyst's-workflow issue lays it out: a scenario that extends
seed-2024 with two events, compared with the baseline straight from the file, explained against the
baseline (a dyad and a share), swept, and searched for the conditions under which Pakistan switches
bloc, without copying a file or running anything twice."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import cli_at as cli

MINE = """extends: seed-2024
title: A US trade deal with Pakistan and more Russian arms
description: seed-2024 plus two events of my own.
years: 3
events:
  - {id: us-pak-fta, type: trade_agreement, actors: [PAK, USA], agreement: fta, at: 2024-07-01}
  - {id: su-35, type: arms_deal, supplier: RUS, recipient: PAK, value_bn: 2, at: 2025-01-01}
"""
SIZE = ("--replicates", "6", "--seed", "5")


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("analyst")
    (root / "mine.yaml").write_text(MINE)
    done = cli("compare", "baseline", "mine.yaml", *SIZE, "--years", "3", "--no-charts", "--out", "cmp", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def test_compare_runs_the_file_beside_the_baseline(session: Path) -> None:
    manifest = json.loads((session / "cmp" / "manifest.json").read_text())
    label = manifest["scenarios"][1]
    assert manifest["paired"] and (session / "cmp" / "runs" / label / "manifest.json").is_file()
    events = pd.read_parquet(session / "cmp" / "runs" / label / "events.parquet")["event"].unique()
    assert {"us-pak-fta", "su-35", "russian-crude"} <= set(events)  # its own events and seed-2024's


def test_explain_against_the_compared_baseline_without_running_it_again(session: Path) -> None:
    label = json.loads((session / "cmp" / "manifest.json").read_text())["scenarios"][1]
    run, baseline = f"cmp/runs/{label}", "cmp/runs/baseline"
    dyad = cli("explain", run, "--dyad", "PAK-USA", "--against", baseline, "--no-charts", "--out", "why", cwd=session)
    assert dyad.returncode == 0, dyad.stderr
    assert "Means add up" in dyad.stdout
    parts = pd.read_parquet(session / "why" / "parts.parquet")
    fta = parts[(parts["kind"] == "event") & (parts["name"] == "us-pak-fta")]["value"]
    assert (fta > 0).all()  # the deal warms PAK-USA directly in every world, and the baseline has no such deal
    share = cli("explain", run, "--state", "PAK", "--against", baseline, "--no-charts", "--out", "share", cwd=session)
    assert share.returncode == 0, share.stderr
    components = pd.read_parquet(session / "share" / "parts.parquet").query("kind == 'component'")
    military = components[components["name"] == "military"]["value"]
    assert (military > 0).all()  # the arms deliveries add to Pakistan's capability


def test_a_sweep_of_the_file_reaches_its_own_and_inherited_events_and_discover_answers(session: Path) -> None:
    """The sweep varies a policy, the file's own deal and an event it inherits from seed-2024; a swept run
    equals ``run`` with ``--set`` of the same values (and without the posterior: a sweep's other parameters are
    at their defaults); discover then names the conditions or says none."""
    params = (
        "actors.PAK.policy.hedging=0:1",
        "events.us-pak-fta.magnitude=0:1",
        "events.russian-crude.magnitude=0:1",
    )
    flags = [arg for p in params for arg in ("--param", p)]
    size = ("--samples", "12", "--replicates", "2", "--seed", "5")
    done = cli("sweep", "mine.yaml", *flags, *size, "--out", "sw", "--quiet", cwd=session)
    assert done.returncode == 0, done.stderr
    points = pd.read_parquet(session / "sw" / "points.parquet")
    runs = pd.concat(pd.read_parquet(p) for p in sorted((session / "sw" / "runs").glob("*.parquet")))
    first = runs[(runs["point"] == 0) & (runs["replicate"] == 0)].iloc[0]
    paths = [p.split("=")[0] for p in params]
    sets = [arg for path in paths for arg in ("--set", f"{path}={float(points.loc[0, path])!r}")]
    again = cli(
        "run",
        "mine.yaml",
        "--replicates",
        "1",
        "--seed",
        "5",
        "--no-posterior",
        *sets,
        "--no-charts",
        "--out",
        "again",
        cwd=session,
    )
    assert again.returncode == 0, again.stderr
    traj = pd.read_parquet(session / "again" / "trajectories.parquet")
    end = traj[traj["date"] == traj["date"].max()].set_index("actor")["power_share"]
    assert first["share_PAK"] == end["PAK"]
    found = cli("discover", "sw", "--outcome", "bloc_PAK != bloc_PAK_start", "--no-charts", "--out", "d", cwd=session)
    assert found.returncode == 0, found.stderr
    assert "no run" in found.stdout or "Chosen box" in found.stdout
