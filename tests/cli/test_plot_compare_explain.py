"""plot, compare and explain from the command line: what they write, what they print, what they refuse."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.test_cli import MINIMAL, files_under
from tests.conftest import ROOT
from tests.conftest import cli_at as cli

SCENARIO = MINIMAL + "  - {id: crude, type: energy_deal, supplier: RUS, buyer: PAK, at: 2024-07-01, volume_bn: 2}\n"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small run with charts, shared by the plot and explain tests (which never modify it)."""
    root = tmp_path_factory.mktemp("results")
    (root / "scenario.yaml").write_text(SCENARIO)
    done = cli("run", "scenario.yaml", "--replicates", "4", "--seed", "2", "--out", "out", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "out"


def refused(result: object, *fragments: str) -> None:
    assert result.returncode == 2, result.stdout  # type: ignore[attr-defined]
    line = result.stderr.strip()  # type: ignore[attr-defined]
    assert "\n" not in line and "Traceback" not in line
    for fragment in fragments:
        assert fragment in line


def test_plot_lists_and_redraws_charts_in_another_format(results: Path, tmp_path: Path) -> None:
    listing = cli("plot", str(results), "--chart", "list", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert names == ["power_shares", "bloc_power", "bloc_safety", "alignment_heatmaps", "focus_alignment", "network"]
    done = cli("plot", str(results), "--format", "svg", "--out", "svg", "--dates", "2025-01-01", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "svg").iterdir()) == sorted(f"{n}.svg" for n in names)
    assert (tmp_path / "svg" / "network.svg").read_text().lstrip().startswith("<?xml")


def test_plot_never_replaces_a_chart_unless_asked(results: Path, tmp_path: Path) -> None:
    chart = results / "charts" / "network.png"
    before = chart.stat().st_mtime_ns
    refused(cli("plot", str(results), "--chart", "network", cwd=tmp_path), "network.png", "--overwrite")
    assert chart.stat().st_mtime_ns == before
    copy = tmp_path / "copy"
    copy.mkdir()
    done = cli("plot", str(results), "--chart", "network", "--out", str(copy), cwd=tmp_path)
    assert done.returncode == 0 and (copy / "network.png").is_file()
    again = cli("plot", str(results), "--chart", "network", "--out", str(copy), "--overwrite", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["plot", "missing"], ["missing: RESULTS: an existing results folder"]),
        (["plot", "RESULTS", "--chart", "pie"], ["--chart", "'pie'"]),
        (
            ["plot", "RESULTS", "--dates", "2030-01-01", "--out", "new"],
            ["--dates: 2030-01-01", "2024-01-01 to 2026-01-01"],
        ),
        (["explain", "RESULTS", "--dyad", "PAK-XYZ"], ["--dyad", "'PAK-XYZ'"]),
        (["explain", "RESULTS", "--dyad", "PAK-PAK"], ["--dyad"]),
        (["explain", "RESULTS", "--dyad", "PAK-RUS", "--from", "2019-01-01"], ["--from: 2019-01-01", "within the run"]),
        (["explain", "RESULTS", "--dyad", "PAK-RUS", "--to", "2031-01-01"], ["--to: 2031-01-01"]),
        (["explain", "RESULTS", "--dyad", "PAK-RUS", "--from", "2025-06-01", "--to", "2025-01-01"], ["before --to"]),
        (["explain", "missing", "--dyad", "PAK-RUS"], ["missing: RESULTS: an existing results folder"]),
        (
            ["compare", "missing/folder", "baseline"],
            ["missing/folder", "an existing results folder, a scenario file or a scenario name"],
        ),
        (["compare", "baseline"], ["at least two"]),
        (["compare", "no-such-scenario", "baseline"], ["no-such-scenario"]),
    ],
)
def test_bad_input_gets_one_line_exit_2_and_writes_nothing(
    results: Path, tmp_path: Path, args: list[str], fragments: list[str]
) -> None:
    before = files_under(results)
    args = [str(results) if a == "RESULTS" else a for a in args]
    refused(cli(*args, cwd=tmp_path), *fragments)
    assert files_under(results) == before
    assert files_under(tmp_path) == []


def test_compare_runs_a_scenario_file_given_by_its_path(tmp_path: Path) -> None:
    """`run` takes a file anywhere; so does `compare`, without running it first."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "my.yaml").write_text((ROOT / "scenarios" / "baseline.yaml").read_text())
    args = ["--replicates", "2", "--years", "1", "--no-charts"]
    done = cli("compare", "baseline", "mine/my.yaml", *args, "--out", "cmp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "cmp" / "end_state.csv")
    assert set(table["scenario"]) == {"baseline", "my"}
    assert (table.loc[table["scenario"] == "my", "difference"].abs() < 1e-12).all()  # the same file: no effect


def test_explain_names_the_events_and_mechanisms_and_adds_up(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "why"
    done = cli("explain", str(results), "--dyad", "RUS-PAK", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "PAK-RUS alignment from 2024-01-01 to 2026-01-01" in done.stdout
    assert "event: crude" in done.stdout and "mechanism: ties" in done.stdout
    table = pd.read_csv(out / "contributions.csv")
    mean = table.set_index("name")["mean"]
    parts = table[table.kind.isin(["mechanism", "event"])]["mean"].sum()
    assert mean["start"] + parts == pytest.approx(mean["end"], abs=1e-12)
    assert mean["change"] == pytest.approx(mean["end"] - mean["start"])
    assert set(table[table.kind == "event"].name) == {"crude"}  # an exercise acts only through ties:
    assert mean["ties"] > 0
    assert (out / "charts" / "waterfall.png").stat().st_size > 10_000
    assert (out / "contributions.md").read_text().count("| event:") == 1
    redraw = cli("plot", str(out), "--format", "pdf", "--out", str(tmp_path / "pdf"), cwd=tmp_path)
    assert redraw.returncode == 0 and (tmp_path / "pdf" / "waterfall.pdf").is_file()


def test_explain_over_a_part_of_the_run_counts_only_that_part(results: Path, tmp_path: Path) -> None:
    done = cli(
        "explain", str(results), "--dyad", "PAK-RUS", "--from", "2025-01-01", "--out", str(tmp_path / "w"), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "w" / "contributions.csv").set_index("name")
    align = pd.read_parquet(results / "alignment.parquet")
    dyad = align[(align.actor_a == "PAK") & (align.actor_b == "RUS")]
    assert table.loc["start", "mean"] == pytest.approx(dyad[dyad.date == "2025-01-01"].alignment.mean())
    assert "crude" not in table.index or table.loc["crude", "mean"] < 0.01  # the deal's push fades after a year


def test_explain_default_folder_is_new_inside_the_results(results: Path, tmp_path: Path) -> None:
    first = cli("explain", str(results), "--dyad", "IND-PAK", "--no-charts", cwd=tmp_path)
    second = cli("explain", str(results), "--dyad", "IND-PAK", "--no-charts", cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    made = sorted(p.name for p in (results / "explanations").iterdir())
    assert made == ["IND-PAK_2024-01-01_2026-01-01", "IND-PAK_2024-01-01_2026-01-01-2"]
    for name in made:  # leave the shared results as the other tests expect them
        for path in sorted((results / "explanations" / name).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        (results / "explanations" / name).rmdir()
    (results / "explanations").rmdir()


@pytest.mark.slow
def test_compare_scenarios_pairs_replicates_and_writes_tables_and_charts(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SCENARIO.replace("  - {id: crude", "  # - {id: crude"))
    (tmp_path / "b.yaml").write_text(SCENARIO)
    done = cli("compare", "a.yaml", "b.yaml", "--replicates", "5", "--seed", "4", "--out", "cmp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "cmp"
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["kind"] == "comparison" and meta["paired"] and meta["scenarios"] == ["a", "b"]
    assert {p.name for p in (out / "charts").iterdir()} == {
        "compare_power_shares.png",
        "compare_alignment.png",
        "compare_end_state.png",
    }
    ends = pd.read_csv(out / "end_state.csv")
    row = ends[(ends.outcome == "alignment_PAK-RUS") & (ends.scenario == "b")].iloc[0]
    runs = {s: pd.read_parquet(out / "runs" / s / "alignment.parquet") for s in ("a", "b")}
    final = {
        s: t[(t.actor_a == "PAK") & (t.actor_b == "RUS") & (t.date == t.date.max())].set_index("replicate").alignment
        for s, t in runs.items()
    }
    paired = final["b"] - final["a"]
    assert row.difference == pytest.approx(paired.median())
    assert row.difference_low == pytest.approx(paired.quantile(0.05))
    assert row.difference_low > 0  # the energy deal warms PAK-RUS in every paired world
    assert "| alignment_PAK-RUS |" in (out / "end_state.md").read_text()
    assert "b − a" in done.stdout


def final(out: Path, scenario: str, table: str, column: str, actor: str | None = None) -> pd.Series:
    """A column at the last date, by replicate, from a member run stored with the comparison."""
    frame = pd.read_parquet(out / "runs" / scenario / f"{table}.parquet")
    if actor is not None:
        frame = frame[frame.actor == actor]
    return frame[frame.date == frame.date.max()].set_index("replicate")[column]


@pytest.mark.slow
def test_compare_shows_bloc_safety_and_the_index_with_paired_differences(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SCENARIO.replace("  - {id: crude", "  # - {id: crude"))
    (tmp_path / "b.yaml").write_text(SCENARIO)
    done = cli("compare", "a.yaml", "b.yaml", "--replicates", "6", "--seed", "3", "--out", "cmp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "cmp"
    ends = pd.read_csv(out / "end_state.csv").set_index(["outcome", "scenario"])
    codes = json.loads((out / "runs" / "a" / "manifest.json").read_text())["actors"]
    for code in codes:
        row = ends.loc[(f"p_bloc1_{code}", "b")]
        assert row.unit == "probability, 0–1"  # a fraction, as in the runs' tables: the Markdown shows %
        paired = final(out, "b", "trajectories", "p_bloc1", code) - final(out, "a", "trajectories", "p_bloc1", code)
        assert row.difference == pytest.approx(paired.median(), abs=1e-11)  # 1e-9 of a percentage point
        assert row.difference_low == pytest.approx(paired.quantile(0.05), abs=1e-11)
        assert row.difference_high == pytest.approx(paired.quantile(0.95), abs=1e-11)
        level = final(out, "b", "trajectories", "p_bloc1", code)
        assert (row["median"], row.low) == pytest.approx((level.median(), level.quantile(0.05)), abs=1e-11)
    gap = ends.loc[("bloc_gap", "b")]
    paired = final(out, "b", "metrics", "bloc_gap") - final(out, "a", "metrics", "bloc_gap")
    assert paired.abs().max() > 0  # the energy deal moves the landscape: the test is not of zeros
    assert gap.difference == pytest.approx(paired.median())
    assert (gap.difference_low, gap.difference_high) == pytest.approx((paired.quantile(0.05), paired.quantile(0.95)))
    assert gap.unit.startswith("landscape energy")
    assert ends.loc[("share_PAK", "a"), "unit"] == "share of power, 0–1 (economic–military index)"
    text = (out / "end_state.md").read_text()
    assert "| Outcome (power shares on the economic–military index) |" in text
    assert "| P(bloc 1) PAK | % (probability) |" in text and "| bloc_gap |" in text
    assert "side opposite the start's largest power (USA's)" in text
    meta = json.loads((out / "manifest.json").read_text())
    assert [m["power_index"] for m in meta["members"]] == ["economic_military"] * 2
    assert [m["bloc_0_side"] for m in meta["members"]] == ["USA"] * 2


def test_compare_folders_with_different_seeds_is_not_paired(results: Path, tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    other = cli(
        "run", "scenario.yaml", "--replicates", "3", "--seed", "9", "--out", "other", "--no-charts", cwd=tmp_path
    )
    assert other.returncode == 0, other.stderr
    done = cli("compare", str(results), "other", "--out", "cmp", "--no-charts", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    meta = json.loads((tmp_path / "cmp" / "manifest.json").read_text())
    assert not meta["paired"] and meta["scenarios"] == ["out", "other"]  # one scenario: told apart by folder
    assert "not paired" in (tmp_path / "cmp" / "end_state.md").read_text()


@pytest.mark.slow
def test_seed_2024_against_baseline_shows_the_russia_tilt_with_its_uncertainty(tmp_path: Path) -> None:
    done = cli("compare", "baseline", "seed-2024", "--years", "3", "--replicates", "6", "--out", "c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ends = pd.read_csv(tmp_path / "c" / "end_state.csv").set_index(["outcome", "scenario"])
    tilt = ends.loc[("alignment_PAK-RUS", "seed-2024")]
    assert tilt.difference_low > 0.1 and tilt.share_higher == 1.0
    assert ends.loc[("share_CHN", "seed-2024"), "difference_high"] < 0.01  # shares barely move in 3 years: < 1 pp


def test_counterfactual_effects_are_paired_and_causal(tmp_path: Path) -> None:
    """An event after the period changes nothing in any world (the runs are paired, noise included);
    the energy deal inside it warms the dyad."""
    from powershift.analysis.analyze.explanation import explain, total_effects
    from powershift.analysis.experiments.ensemble import run_ensemble
    from powershift.analysis.results.storage import write_results
    from powershift.model.scenario import scenario_from_text

    late = SCENARIO + "  - {id: late, type: summit, actors: [PAK, RUS], at: 2025-07-01}\n"
    write_results(run_ensemble(scenario_from_text(late), 4, 5), tmp_path / "r")
    meta, parts = explain(tmp_path / "r", "PAK-RUS", end=dt.date(2025, 1, 1), counterfactual=True)
    effects = total_effects(parts).set_index("name")
    assert set(effects.index) == {"exercise", "crude", "late"}
    assert (parts[parts.name == "late"].value == 0).all()
    assert effects.loc["crude", "low"] > 0 and effects.loc["exercise", "median"] > 0
    assert meta["counterfactual"]


def test_explain_counterfactual_writes_the_event_effects(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "cf"
    done = cli("explain", str(results), "--dyad", "PAK-RUS", "--counterfactual", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Total effect of each event" in done.stdout and "| crude | energy_deal |" in done.stdout
    effects = pd.read_csv(out / "event_effects.csv")
    assert set(effects.name) == {"exercise", "crude"}
    assert {p.name for p in (out / "charts").iterdir()} == {"waterfall.png", "event_effects.png"}


def test_end_state_table_names_each_scenario_s_index_when_they_differ() -> None:
    from powershift.analysis.analyze.comparison import end_state, markdown

    rows = [  # shares and probabilities as fractions: 0.01 is 1 %; energies on their own scale
        {"scenario": s, "replicate": r, "date": pd.Timestamp("2026-01-01"), "outcome": o, "value": v + step * (r + k)}
        for k, s in enumerate(("a", "b"))
        for r in range(3)
        for o, v, step in (("share_PAK", 0.01, 0.01), ("p_bloc1_PAK", 0.5, 0.01), ("bloc_gap", 0.002, 1.0))
    ]
    ends = end_state(pd.DataFrame(rows), True, "mixed")
    units = ends.set_index("outcome")["unit"]
    assert units.loc["share_PAK"].iloc[0] == "share of power, 0–1 (index differs by scenario)"
    assert units.loc["p_bloc1_PAK"].iloc[0] == "probability, 0–1"
    text = markdown(ends, True, "mixed", {"a": "cinc", "b": "economic_military"}, {"a": "CHN", "b": "USA"})
    assert "each scenario's own: a CHN, b USA" in text  # another index can make another state bloc 0's
    assert "Outcome (power shares on — a: CINC index; b: economic–military index)" in text
    assert "| P(bloc 1) PAK | % (probability) | 51.000 [50.100, 51.900] |" in text  # 0.51 [0.501, 0.519] in %
    assert "| share_PAK | % (index differs by scenario) | 2.000 [1.100, 2.900] |" in text
    assert "+1.000 [+1.000, +1.000] pp |" in text  # b − a, replicate by replicate: 0.01, in percentage points
    assert "| bloc_gap | landscape energy (power-share² × alignment) | 1 [0.102, 1.9] |" in text  # not scaled
