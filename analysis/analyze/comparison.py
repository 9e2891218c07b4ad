"""Comparing futures: ensembles side by side, each with its difference from the first and the uncertainty of it.

Scenarios named on the command line are run with the same seed and replicates, so replicate r of
each draws the same random numbers (noise is addressed by dyad, lotteries by event id): the paired
difference of replicate r removes the chance the scenarios share and leaves what the scenarios
change. Folders written with different seeds or numbers of replicates cannot be paired; their
difference is then taken between every world of one and every world of the other, which is
honest but wider.

All outcomes are kept as one long ``series`` table (scenario, replicate, date, outcome, value),
with the outcome names of ``analysis.outcomes``: ``share_A`` and ``bloc_power_0`` as fractions of 1
(on the power index each scenario ran with, which the manifest records per member), ``alignment_A-B``
on the −1 … +1 scale, ``polarity`` in effective poles, ``p_bloc1_A`` (the probability that A is in
bloc 1, the side opposite the start's largest power) from 0 to 1 and ``bloc_gap`` (the energy gap
from the best split of the states into two blocs to the nearest other) in landscape energy,
power-share² × alignment. Folders written before bloc safety was recorded have no ``p_bloc1``
or ``bloc_gap``: those outcomes are then left out of the comparison.

Shares and probabilities stay fractions in every table (series.parquet, end_state.csv, the frames
returned here), as in a run's own tables; where they are shown to be read (end_state.md, the
explorer's table, the charts) they are multiplied by ``display_factor``: percent for levels,
percentage points for differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powershift.analysis.analyze.spread import quantiles
from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.results import readers
from powershift.analysis.results.manifests import FORMAT_VERSION, read_manifest, write_manifest
from powershift.analysis.results.power_index import DEFAULT_INDEX, MIXED, index_name
from powershift.analysis.results.schemas import FRACTION_OUTCOMES, SHARE_UNIT
from powershift.analysis.results.storage import (
    Extras,
    manifest,
    new_folder,
    package_version,
    read_results,
    write_results,
)
from powershift.model.dyads import SEPARATOR as DYAD_SEPARATOR
from powershift.model.dyads import Dyad
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario

DEFAULT_REPLICATES = 20
INTERVAL = (0.05, 0.95)
NOISE_RESAMPLES = 400  # bootstrap resamples of the worlds behind a seed-noise band: 20 beyond each end of it
NOISE_SEED = 0  # the resamples are drawn from a fixed seed, so that a chart drawn twice is the same chart
WEIGHTS_AT_ONCE = 1 << 20  # resample weights held at once: 4 MB of int32, fastest in cache on this machine


@dataclass
class Member:
    """One future in a comparison: its label, manifest and tables, and whether it was run just now."""

    label: str
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    results: Any = None  # the Results of a scenario run for this comparison, to be stored with it


def run_settings(items: list[str], seed: int | None, replicates: int | None) -> tuple[int, int]:
    """Seed and replicates for the scenarios to run: as given, else those of the first folder, so they pair."""
    folders = [Path(item) for item in items if Path(item).is_dir()]
    default = {"seed": 0, "replicates": DEFAULT_REPLICATES}
    meta = read_manifest(folders[0], "ensemble") if folders else default
    return (meta["seed"] if seed is None else seed), (meta["replicates"] if replicates is None else replicates)


def gather(
    items: list[str],
    seed: int | None = None,
    replicates: int | None = None,
    years: float | None = None,
    workers: int = 1,
    quiet: bool = True,
    posterior: Any = None,
) -> list[Member]:
    """Read each results folder and run each scenario, named or a file (all with one seed and replicate count,
    and with ``posterior``'s draws if given: replicate r of each takes the same draw)."""
    if len(items) < 2:
        raise InputError("run.py compare", "A B", "at least two results folders or scenario names")
    seed, replicates = run_settings(items, seed, replicates)
    members = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            meta, tables = read_results(path)
            members.append(Member(meta["scenario"], meta, tables))
        elif not path.is_file() and ("/" in item or path.suffix not in (".yaml", ".yml", "")):
            raise InputError(
                item, "(folder)", "an existing results folder, a scenario file or a scenario name (see 'run.py list')"
            )
        else:
            scenario = load_scenario(item, years=years)
            results = run_ensemble(scenario, replicates, seed, workers=workers, quiet=quiet, posterior=posterior)
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
            dyad = Dyad.parse(pair).canonical()
            if all(code in actors for code in dyad) and str(dyad) not in dyads:
                dyads.append(str(dyad))
    return dyads or [str(d) for d in Dyad.every(actors)]


def series(members: list[Member]) -> pd.DataFrame:
    """Every member's outcomes over time in one long table, restricted to the actors and dates all share."""
    actors = [a for a in members[0].meta["actors"] if all(a in m.meta["actors"] for m in members)]
    if len(actors) < 2:
        raise InputError("run.py compare", "actors", "results with at least two states in common")
    dyads = focus_dyads(members, actors)
    frames = [member_series(m, actors, dyads) for m in members]
    dates = set.intersection(*(set(f["date"].unique()) for f in frames))
    if not dates:
        raise InputError("run.py compare", "dates", "results that cover a common period")
    outcomes = set.intersection(*(set(f["outcome"].unique()) for f in frames))  # bloc safety: not in older folders
    table = pd.concat(frames, ignore_index=True)
    return table[table["date"].isin(dates) & table["outcome"].isin(outcomes)].reset_index(drop=True)


def member_series(member: Member, actors: list[str], dyads: list[str]) -> pd.DataFrame:
    traj, align, metrics = (member.tables[n] for n in ("trajectories", "alignment", "metrics"))
    traj = traj[traj["actor"].isin(actors)]
    shares = traj.assign(outcome="share_" + traj["actor"], value=traj["power_share"])
    align = align.assign(dyad=align["actor_a"] + DYAD_SEPARATOR + align["actor_b"])
    align = align[align["dyad"].isin(dyads)]
    dyad = align.assign(outcome="alignment_" + align["dyad"], value=align["alignment"])
    blocs = metrics.assign(outcome="bloc_power_0", value=metrics["bloc_power_0"])
    poles = metrics.assign(outcome="polarity", value=metrics["polarity"])
    parts = [shares, dyad, blocs, poles]
    if "p_bloc1" in traj:
        parts.append(traj.assign(outcome="p_bloc1_" + traj["actor"], value=traj["p_bloc1"]))
    if "bloc_gap" in metrics:
        parts.append(metrics.assign(outcome="bloc_gap", value=metrics["bloc_gap"]))
    columns = ["replicate", "date", "outcome", "value"]
    table = pd.concat([f[columns] for f in parts], ignore_index=True)
    table.insert(0, "scenario", member.label)
    return table


def differences(table: pd.DataFrame, paired: bool) -> pd.DataFrame:
    """Each later scenario minus the first, one row per world pair: replicate r with r when paired,
    else every world of one with every world of the other."""
    order = list(table["scenario"].unique())
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


def noise_band(table: pd.DataFrame, paired: bool) -> pd.DataFrame:
    """How far the median difference from the first scenario could move from seed noise alone: per later scenario,
    outcome and date, the 5 % and 95 % quantiles (``low``, ``high``) of that median over bootstrap resamples of the
    worlds, in the series' units.

    The median of ``differences`` is itself drawn from a finite set of worlds: another seed would give other worlds
    and another median. When the band holds 0, the scenarios' difference at that date is within what the seed
    alone can make; an effect lies clear of it. Paired, the world pairs are resampled (replicate r of both together,
    since their differences are what the median is taken over); unpaired, each scenario's worlds are resampled on
    their own (``unpaired_medians``). One draw of the worlds serves every outcome and date, as a world is in a
    resample or not as a whole.
    """
    order = list(table["scenario"].unique())
    grids = {
        label: table[table["scenario"] == label].pivot(index=["outcome", "date"], columns="replicate", values="value")
        for label in order
    }
    reference = grids[order[0]]
    rng = np.random.default_rng(NOISE_SEED)
    frames = []
    for label in order[1:]:
        keys = reference.index.intersection(grids[label].index)
        first, other = reference.loc[keys], grids[label].loc[keys]
        if paired:
            both = first.columns.intersection(other.columns)
            medians = paired_medians((other[both] - first[both]).to_numpy(), rng)
        else:
            medians = unpaired_medians(first.to_numpy(), other.to_numpy(), rng)
        low, high = np.quantile(medians, INTERVAL, axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "scenario": label,
                    "outcome": keys.get_level_values("outcome"),
                    "date": keys.get_level_values("date"),
                    "low": low,
                    "high": high,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def resample_counts(rng: np.random.Generator, worlds: int) -> np.ndarray:
    """How often each world is drawn in each of ``NOISE_RESAMPLES`` resamples of ``worlds`` worlds, with replacement."""
    return rng.multinomial(worlds, np.full(worlds, 1 / worlds), size=NOISE_RESAMPLES).astype(np.int32)


def paired_medians(diff: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The median of each resample of the world pairs (resamples × rows), ``diff`` holding one row of paired
    differences per outcome and date: the sorted differences weighted by how often each pair was drawn, which is
    exact and costs resamples × worlds per row (a resample's values gathered and partitioned cost about 15 times
    more)."""
    rows, worlds = diff.shape
    counts = resample_counts(rng, worlds)
    order = np.argsort(diff, axis=1)
    values = np.take_along_axis(diff, order, axis=1)
    medians = np.empty((NOISE_RESAMPLES, rows))
    step = max(1, WEIGHTS_AT_ONCE // (NOISE_RESAMPLES * worlds))
    for start in range(0, rows, step):
        part = slice(start, start + step)
        # resamples × rows × worlds: the pairs drawn up to each value (int32, not numpy's default int64: a sum is at
        # most the worlds, and half the bytes is 40 % less time)
        drawn = counts[:, order[part]].cumsum(axis=-1, dtype=np.int32)
        lower = (drawn < (worlds + 1) // 2).sum(axis=-1)  # the two middle ones of the drawn values (one if odd)
        upper = (drawn < worlds // 2 + 1).sum(axis=-1)
        at = np.arange(values[part].shape[0])
        medians[:, part] = (values[part][at, lower] + values[part][at, upper]) / 2
    return medians


def unpaired_medians(first: np.ndarray, other: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The median over every pair of each resample's worlds (resamples × rows), to first order.

    Taken exactly, a resample's median over all pairs of its worlds is a search among worlds² pairs per outcome
    and date: for five shares over ten years at 200 × 200 worlds, 6 s by bisection (110 s weighting every pair),
    longer than the chart. Its first-order (Bahadur) form needs only the share of pairs at or below the sample's
    median: a resample that puts a share p of its pairs there, where the sample has p̂, has its median where the
    sample's pairs have their quantile 1/2 − (p − p̂). That is within a few per cent of the band's width of the
    exact bootstrap from about 30 worlds a side (within a quarter with 5), and takes 0.2 s at 200 × 200 worlds.
    """
    rows, n_first = first.shape
    n_other = other.shape[1]
    counts_first, counts_other = resample_counts(rng, n_first), resample_counts(rng, n_other)
    medians = np.empty((NOISE_RESAMPLES, rows))
    for k in range(rows):
        by_first, by_other = np.argsort(first[k]), np.argsort(other[k])
        pairs = other[k, by_other][None, :] - first[k, by_first][:, None]  # rising along each row
        median = np.median(pairs)
        below = (pairs <= median).sum(axis=1)  # per world of the first, how many of the other's lie at or below
        drawn = np.zeros((NOISE_RESAMPLES, n_other + 1), dtype=np.int64)
        np.cumsum(counts_other[:, by_other], axis=1, out=drawn[:, 1:])
        share = (counts_first[:, by_first] * np.take(drawn, below, axis=1)).sum(axis=1) / pairs.size
        medians[:, k] = np.quantile(pairs, np.clip(0.5 - (share - below.sum() / pairs.size), 0, 1))
    return medians


def summary(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return quantiles(frame, by, "value")


def end_state(table: pd.DataFrame, paired: bool, index: str = DEFAULT_INDEX) -> pd.DataFrame:
    """At the last common date: each scenario's median and 90 % interval, and its difference from the first
    (with the share of world pairs in which it is higher), in the series' own units (shares and probabilities
    as fractions of 1; ``markdown`` shows them in %). ``index`` (the power index, or ``MIXED``) goes into the
    unit of the power shares."""
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
    out["outcome"] = pd.Categorical(out["outcome"], list(table["outcome"].unique()), ordered=True)
    out["scenario"] = pd.Categorical(out["scenario"], list(table["scenario"].unique()), ordered=True)
    out = out.sort_values(["outcome", "scenario"]).astype({"outcome": str, "scenario": str}).reset_index(drop=True)
    out.insert(1, "unit", out["outcome"].map(lambda outcome: unit(outcome, index)))
    out.insert(0, "date", last["date"].iloc[0].date().isoformat())
    return out


ENERGY = "landscape energy (power-share² × alignment)"


def display_factor(outcome: str) -> float:
    """What an outcome's values are multiplied by where a reader reads them (end_state.md, the explorer's table,
    chart axes): shares and probabilities are fractions of 1 in every table, as in a run's own, and read in
    percent (levels) or percentage points (differences); the other outcomes keep their scale."""
    return 100.0 if outcome.startswith(FRACTION_OUTCOMES) else 1.0


def unit(outcome: str, index: str = DEFAULT_INDEX, shown: bool = False) -> str:
    """An outcome's unit as end_state.csv holds it, or ``shown`` (``display_factor``) as end_state.md and the
    explorer show it; a power share's names its index."""
    if outcome.startswith(("share_", "bloc_power")):
        return f"{'%' if shown else 'share of power, 0–1'} ({index_name(index)})"
    if outcome.startswith("p_bloc1_"):
        return "% (probability)" if shown else "probability, 0–1"
    if outcome == "bloc_gap":
        return ENERGY
    return "alignment (−1…+1)" if outcome.startswith("alignment_") else "effective poles"


def outcome_label(outcome: str) -> str:
    """An outcome as the Markdown table names it: ``P(bloc 1) PAK`` for ``p_bloc1_PAK``, else its column name."""
    return f"P(bloc 1) {outcome.removeprefix('p_bloc1_')}" if outcome.startswith("p_bloc1_") else outcome


def number(outcome: str) -> str:
    """The format of an outcome's values: energies are small numbers (~0.001), kept to three significant digits."""
    return ".3g" if outcome == "bloc_gap" else ".3f"


def markdown(
    table: pd.DataFrame,
    paired: bool,
    index: str = DEFAULT_INDEX,
    indices: dict[str, str] | None = None,
    anchors: dict[str, str] | None = None,
) -> str:
    """The end-state table as Markdown: one row per outcome, a value and a difference column per scenario, shares
    and probabilities in % and their differences in percentage points (``display_factor``).

    The header names the power index the shares are on (``indices``, by scenario, when they differ); ``anchors``,
    each scenario's largest power at the start, say which side its bloc 0 is.
    """
    order = list(table["scenario"].unique())
    if index == MIXED and indices:
        on = "; ".join(f"{s}: {index_name(indices.get(s, DEFAULT_INDEX))}" for s in order)
        first = f"Outcome (power shares on — {on})"
    else:
        first = f"Outcome (power shares on the {index_name(index)})"
    header = [first, "Unit", *(f"{s}: median [5–95 %]" for s in order), *(f"{s} − {order[0]}" for s in order[1:])]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for outcome, rows in table.groupby("outcome", sort=False):
        rows = rows.set_index("scenario")
        f, factor = number(str(outcome)), display_factor(str(outcome))
        shown = rows[["median", "low", "high", "difference", "difference_low", "difference_high"]] * factor
        points = " pp" if factor != 1 else ""  # a difference of percentages is in percentage points
        cells = [outcome_label(str(outcome)), unit(str(outcome), index, shown=True)]
        cells += [f"{r['median']:{f}} [{r['low']:{f}}, {r['high']:{f}}]" for _, r in shown.loc[order].iterrows()]
        cells += [
            f"{r['difference']:+{f}} [{r['difference_low']:+{f}}, {r['difference_high']:+{f}}]{points}"
            for _, r in shown.loc[order[1:]].iterrows()
        ]
        lines.append("| " + " | ".join(cells) + " |")
    pairing = "paired replicates (same seed)" if paired else "all pairs of worlds (different seeds: not paired)"
    note = f"\nDifferences: median and 5–95 % interval over {pairing}, at {table['date'].iloc[0]}.\n"
    if table["outcome"].str.startswith("p_bloc1_").any():
        sides = {s: a for s, a in (anchors or {}).items() if a}
        if len(set(sides.values())) == 1:
            side = f" ({next(iter(sides.values()))}'s)"
        elif sides:
            named = ", ".join(f"{s} {a}" for s, a in sides.items())
            side = f" (each scenario's own: {named}; a difference may only mean that bloc 1 names another side)"
        else:
            side = ""
        note += (
            "P(bloc 1): the probability that the state is in bloc 1, the side opposite the start's largest "
            f"power{side}, weighing every split into two blocs by how likely alignment noise (over blocs.temperature "
            "years, 1 by default) is to bring it about; its difference is in percentage points. bloc_gap: how far "
            f"the best split lies below the nearest other, in {ENERGY}.\n"
        )
    return "\n".join(lines) + "\n" + note


def largest_at_start(member: Member) -> str:
    """The start's largest power (bloc 0 is its side), or '' if the worlds disagree."""
    traj = member.tables["trajectories"]
    start = traj[traj["step"] == traj["step"].min()]
    largest = set(start.loc[start.groupby("replicate")["power_share"].idxmax(), "actor"])
    return largest.pop() if len(largest) == 1 else ""


def member_index(meta: dict[str, Any]) -> str:
    """The power index a member ran with: its resolved parameters, or the default for folders that predate it."""
    return str(((meta.get("parameters") or {}).get("power") or {}).get("index") or DEFAULT_INDEX)


def comparison_manifest(members: list[Member], paired: bool) -> dict[str, Any]:
    first = members[0].meta
    return {
        "format_version": FORMAT_VERSION,
        "kind": "comparison",
        "scenarios": [m.label for m in members],
        "members": [
            {
                "label": m.label,
                "scenario": m.meta["scenario"],
                "seed": m.meta["seed"],
                "replicates": m.meta["replicates"],
                "power_index": member_index(m.meta),
                "parameter_set": m.meta.get("parameter_set") or {"set": "defaults"},
                "bloc_0_side": largest_at_start(m),
                "run_here": m.results is not None,
            }
            for m in members
        ],
        "paired": paired,
        "share_unit": SHARE_UNIT,
        "seed": first["seed"],
        "replicates": first["replicates"],
        "version": package_version(),
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_comparison(members: list[Member], out: Path, extras: Extras | None = None) -> pd.DataFrame:
    """Write series, end-state table (CSV and Markdown), the scenarios run here and whatever ``extras`` adds
    (the command line's charts) to a new folder."""

    paired = is_paired(members)
    table = series(members)
    indices = {m.label: member_index(m.meta) for m in members}
    index = next(iter(indices.values())) if len(set(indices.values())) == 1 else MIXED
    ends = end_state(table, paired, index)
    meta = {
        **comparison_manifest(members, paired),
        "tables": {"series": "series.parquet"},
        "rows": {"series": len(table)},
    }
    with new_folder(out, int(table.memory_usage(index=False).sum())) as staging:
        table.to_parquet(staging / "series.parquet", index=False)
        ends.to_csv(staging / "end_state.csv", index=False)
        anchors = {m.label: largest_at_start(m) for m in members}
        (staging / "end_state.md").write_text(markdown(ends, paired, index, indices, anchors))
        write_manifest(staging, meta)
        for member in members:
            if member.results is not None:
                write_results(member.results, staging / "runs" / member.label)
        if extras is not None:
            extras(staging, meta, {"series": table})
    return ends


def read_comparison(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A comparison folder's manifest and series table, validated (``readers.read_comparison``)."""
    return readers.read_comparison(Path(folder))
