"""Comparing futures: ensembles side by side, each with its difference from the first and the uncertainty of it.

Scenarios named on the command line are run with the same seed and replicates, so replicate r of
each draws the same random numbers (noise is addressed by dyad, lotteries by event id): the paired
difference of replicate r removes the chance the scenarios share and leaves what the scenarios
change. Folders written with different seeds or numbers of replicates cannot be paired; their
difference is then taken between every world of one and every world of the other, which is
honest but wider.

All outcomes are kept as one long ``series`` table (scenario, replicate, date, outcome, value),
with the outcome names of ``analysis.outcomes``: ``share_A`` and ``bloc_power_0`` in percent,
``alignment_A-B`` on the −1 … +1 scale, ``polarity`` in effective poles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.spread import quantiles
from analysis.storage import new_folder, package_version
from model.files import InputError

DEFAULT_REPLICATES = 20
INTERVAL = (0.05, 0.95)


@dataclass
class Member:
    """One future in a comparison: its label, manifest and tables, and whether it was run just now."""

    label: str
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    results: Any = None  # the Results of a scenario run for this comparison, to be stored with it


def run_settings(items: list[str], seed: int | None, replicates: int | None) -> tuple[int, int]:
    """Seed and replicates for the scenarios to run: as given, else those of the first folder, so they pair."""
    from analysis.storage import read_results

    folders = [Path(item) for item in items if Path(item).is_dir()]
    meta = read_results(folders[0])[0] if folders else {"seed": 0, "replicates": DEFAULT_REPLICATES}
    return (meta["seed"] if seed is None else seed), (meta["replicates"] if replicates is None else replicates)


def gather(
    items: list[str],
    seed: int | None = None,
    replicates: int | None = None,
    years: float | None = None,
    workers: int = 1,
    quiet: bool = True,
) -> list[Member]:
    """Read each results folder and run each scenario name (all scenarios with one seed and replicate count)."""
    from analysis.ensemble import run_ensemble
    from analysis.storage import manifest, read_results
    from model.scenario import load_scenario

    if len(items) < 2:
        raise InputError("run.py compare", "A B", "at least two results folders or scenario names")
    seed, replicates = run_settings(items, seed, replicates)
    members = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            meta, tables = read_results(path)
            members.append(Member(meta["scenario"], meta, tables))
        elif "/" in item or path.suffix not in (".yaml", ".yml", ""):
            raise InputError(item, "(folder)", "an existing results folder or a scenario name (see 'run.py list')")
        else:
            results = run_ensemble(load_scenario(item, years=years), replicates, seed, workers=workers, quiet=quiet)
            members.append(Member(results.scenario.name, manifest(results, "parquet"), results.tables, results))
    return with_unique_labels(members, items)


def with_unique_labels(members: list[Member], items: list[str]) -> list[Member]:
    """Label by scenario; two folders of one scenario are told apart by their folder names."""
    labels = [m.label for m in members]
    for k, member in enumerate(members):
        if labels.count(member.label) > 1:
            member.label = Path(items[k]).name if Path(items[k]).is_dir() else f"{member.label}#{k + 1}"
    if len({m.label for m in members}) < len(members):
        raise InputError("run.py compare", "A B", "different results folders or scenarios (two are the same)")
    return members


def is_paired(members: list[Member]) -> bool:
    first = members[0].meta
    return all(m.meta["seed"] == first["seed"] and m.meta["replicates"] == first["replicates"] for m in members)


def focus_dyads(members: list[Member], actors: list[str]) -> list[str]:
    """The dyads the scenarios are about (their focus, in order), else every dyad."""
    dyads: list[str] = []
    for member in members:
        for pair in member.meta["parameters"].get("focus") or []:
            a, b = sorted(pair.split("-"))
            if a in actors and b in actors and f"{a}-{b}" not in dyads:
                dyads.append(f"{a}-{b}")
    return dyads or [f"{a}-{b}" for k, a in enumerate(sorted(actors)) for b in sorted(actors)[k + 1 :]]


def series(members: list[Member]) -> pd.DataFrame:
    """Every member's outcomes over time in one long table, restricted to the actors and dates all share."""
    actors = [a for a in members[0].meta["actors"] if all(a in m.meta["actors"] for m in members)]
    if len(actors) < 2:
        raise InputError("run.py compare", "actors", "results with at least two states in common")
    dyads = focus_dyads(members, actors)
    frames = [member_series(m, actors, dyads) for m in members]
    dates = set.intersection(*(set(f["date"]) for f in frames))
    if not dates:
        raise InputError("run.py compare", "dates", "results that cover a common period")
    table = pd.concat(frames, ignore_index=True)
    return table[table["date"].isin(dates)].reset_index(drop=True)


def member_series(member: Member, actors: list[str], dyads: list[str]) -> pd.DataFrame:
    traj, align, metrics = (member.tables[n] for n in ("trajectories", "alignment", "metrics"))
    traj = traj[traj["actor"].isin(actors)]
    shares = traj.assign(outcome="share_" + traj["actor"], value=100 * traj["power_share"])
    align = align.assign(dyad=align["actor_a"] + "-" + align["actor_b"])
    align = align[align["dyad"].isin(dyads)]
    dyad = align.assign(outcome="alignment_" + align["dyad"], value=align["alignment"])
    blocs = metrics.assign(outcome="bloc_power_0", value=100 * metrics["bloc_power_0"])
    poles = metrics.assign(outcome="polarity", value=metrics["polarity"])
    columns = ["replicate", "date", "outcome", "value"]
    table = pd.concat([f[columns] for f in (shares, dyad, blocs, poles)], ignore_index=True)
    table.insert(0, "scenario", member.label)
    return table


def differences(table: pd.DataFrame, paired: bool) -> pd.DataFrame:
    """Each later scenario minus the first, one row per world pair: replicate r with r when paired,
    else every world of one with every world of the other."""
    order = list(dict.fromkeys(table["scenario"]))
    reference = table[table["scenario"] == order[0]].drop(columns="scenario")
    keys = ["replicate", "date", "outcome"] if paired else ["date", "outcome"]
    rows = []
    for label in order[1:]:
        other = table[table["scenario"] == label].drop(columns="scenario")
        both = other.merge(reference, on=keys, suffixes=("", "_reference"))
        rows.append(
            pd.DataFrame(
                {"scenario": label, **{k: both[k] for k in keys[-2:]}, "value": both["value"] - both["value_reference"]}
            )
        )
    return pd.concat(rows, ignore_index=True)


def summary(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return quantiles(frame, by, "value")


def end_state(table: pd.DataFrame, paired: bool) -> pd.DataFrame:
    """At the last common date: each scenario's median and 90 % interval, and its difference from the first
    (with the share of world pairs in which it is higher)."""
    last = table[table["date"] == table["date"].max()]
    low, high = INTERVAL
    level = summary(last, ["outcome", "scenario"]).rename(columns={0.5: "median", low: "low", high: "high"})
    diff = differences(last, paired)
    change = summary(diff, ["outcome", "scenario"])
    change = change.rename(columns={0.5: "difference", low: "difference_low", high: "difference_high"})
    higher = diff.assign(share_higher=diff["value"] > 0).groupby(["outcome", "scenario"], as_index=False)
    change = change.merge(higher["share_higher"].mean(), on=["outcome", "scenario"])
    keep = ["outcome", "scenario", "difference", "difference_low", "difference_high", "share_higher"]
    out = level[["outcome", "scenario", "median", "low", "high"]].merge(change[keep], how="left")
    out["outcome"] = pd.Categorical(out["outcome"], list(dict.fromkeys(table["outcome"])), ordered=True)
    out["scenario"] = pd.Categorical(out["scenario"], list(dict.fromkeys(table["scenario"])), ordered=True)
    out = out.sort_values(["outcome", "scenario"]).astype({"outcome": str, "scenario": str}).reset_index(drop=True)
    out.insert(1, "unit", out["outcome"].map(unit))
    out.insert(0, "date", last["date"].iloc[0].date().isoformat())
    return out


def unit(outcome: str) -> str:
    if outcome.startswith(("share_", "bloc_power")):
        return "%"
    return "alignment (−1…+1)" if outcome.startswith("alignment_") else "effective poles"


def markdown(table: pd.DataFrame, paired: bool) -> str:
    """The end-state table as Markdown: one row per outcome, a value and a difference column per scenario."""
    order = list(dict.fromkeys(table["scenario"]))
    header = ["Outcome", "Unit", *(f"{s}: median [5–95 %]" for s in order), *(f"{s} − {order[0]}" for s in order[1:])]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for outcome, rows in table.groupby("outcome", sort=False):
        rows = rows.set_index("scenario")
        cells = [outcome, rows["unit"].iloc[0]]
        cells += [f"{r['median']:.3f} [{r['low']:.3f}, {r['high']:.3f}]" for _, r in rows.loc[order].iterrows()]
        cells += [
            f"{r['difference']:+.3f} [{r['difference_low']:+.3f}, {r['difference_high']:+.3f}]"
            for _, r in rows.loc[order[1:]].iterrows()
        ]
        lines.append("| " + " | ".join(cells) + " |")
    pairing = "paired replicates (same seed)" if paired else "all pairs of worlds (different seeds: not paired)"
    note = f"\nDifferences: median and 5–95 % interval over {pairing}, at {table['date'].iloc[0]}.\n"
    return "\n".join(lines) + "\n" + note


def comparison_manifest(members: list[Member], paired: bool) -> dict[str, Any]:
    first = members[0].meta
    return {
        "kind": "comparison",
        "scenarios": [m.label for m in members],
        "members": [
            {
                "label": m.label,
                "scenario": m.meta["scenario"],
                "seed": m.meta["seed"],
                "replicates": m.meta["replicates"],
                "run_here": m.results is not None,
            }
            for m in members
        ],
        "paired": paired,
        "seed": first["seed"],
        "replicates": first["replicates"],
        "version": package_version(),
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_comparison(members: list[Member], out: Path, draw_charts: bool = True) -> pd.DataFrame:
    """Write series, end-state table (CSV and Markdown), charts and the scenarios run here to a new folder."""
    from analysis.charts import available, draw
    from analysis.storage import write_results

    paired = is_paired(members)
    table = series(members)
    ends = end_state(table, paired)
    meta = comparison_manifest(members, paired)
    with new_folder(out) as staging:
        table.to_parquet(staging / "series.parquet", index=False)
        ends.to_csv(staging / "end_state.csv", index=False)
        (staging / "end_state.md").write_text(markdown(ends, paired))
        (staging / "manifest.json").write_text(json.dumps(meta, indent=2) + "\n")
        for member in members:
            if member.results is not None:
                write_results(member.results, staging / "runs" / member.label)
        if draw_charts:
            tables = {"series": table}
            draw("comparison", available("comparison", meta, tables), meta, tables, staging / "charts")
    return ends


def read_comparison(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    meta = json.loads((folder / "manifest.json").read_text())
    return meta, {"series": pd.read_parquet(folder / "series.parquet")}
