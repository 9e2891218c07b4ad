"""Why a dyad moved: its alignment change over a period, split into what each mechanism and each event did.

Every step's change of a dyad is recorded as the sum of its parts (``contrib_<mechanism>`` columns of
the alignment table, and the events' direct pushes, one by one, in ``event_contributions``), so the
parts of a period add up exactly to the change over it, world by world. An event also acts
indirectly, through the mechanisms: an energy deal raises trade, which the economic mechanism then
turns into warming. Those indirect effects are counted under the mechanism, not the event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from powershift.analysis.analyze.spread import quantiles
from powershift.analysis.experiments.ensemble import rerun
from powershift.analysis.results import readers
from powershift.analysis.results.manifests import FORMAT_VERSION, write_manifest
from powershift.analysis.results.storage import Extras, new_folder, package_version, read_results
from powershift.model.dyads import Dyad
from powershift.model.files import InputError

MECHANISM_LABELS = {
    "threat": "balancing a threat",
    "economic": "following trade and energy links",
    "balance": "structural balance (friend of a friend)",
    "rival": "reacting when a partner courts a rival",
    "hedging": "hedging against a dominant patron",
    "ties": "exercises, exchanges and technology ties",
    "relaxation": "pull back toward the anchor (which follows the path slowly)",
    "noise": "random shocks",
}


def parse_dyad(text: str, actors: list[str], folder: Path) -> Dyad:
    """``--dyad`` in either order and any case, as the results tables hold it (alphabetical)."""
    try:
        return Dyad.parse(text.upper(), actors).canonical()
    except ValueError:
        raise InputError(
            folder, "--dyad", f"two different states of {', '.join(actors)} as A-B, got {text!r}"
        ) from None


def period(dates: pd.Series, start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The recorded dates at or before --from and --to (default: the whole run); both must lie in the run."""
    recorded = pd.DatetimeIndex(sorted(pd.unique(dates)))
    first, last = recorded[0], recorded[-1]

    def snap(day: Any, flag: str, default: pd.Timestamp) -> pd.Timestamp:
        if day is None:
            return default
        stamp = pd.Timestamp(day)
        if not first <= stamp <= last:
            raise InputError(flag, str(day), f"a date within the run, {first.date()} to {last.date()}")
        return recorded[recorded.searchsorted(stamp, side="right") - 1]

    begin, finish = snap(start, "--from", first), snap(end, "--to", last)
    if begin >= finish:
        raise InputError("--from", str(start), f"a date before --to ({finish.date()}), at least one step apart")
    return begin, finish


def contributions(tables: dict[str, pd.DataFrame], dyad: Dyad, begin: Any, end: Any) -> pd.DataFrame:
    """Per replicate: the dyad's alignment at both ends, and what each mechanism and event added in between.

    Columns replicate, kind (level, mechanism or event), name, value. The contribution recorded at
    a date is the change that led to it, so the period (begin, end] is summed.
    """
    a, b = dyad
    align = tables["alignment"]
    rows = align[(align["actor_a"] == a) & (align["actor_b"] == b)]
    inside = rows[(rows["date"] > begin) & (rows["date"] <= end)]
    mechanisms = [
        c.removeprefix("contrib_") for c in rows.columns if c.startswith("contrib_") and c != "contrib_events"
    ]
    frames = []
    for name, date in (("start", begin), ("end", end)):
        at = rows[rows["date"] == date]
        frames.append(
            pd.DataFrame({"replicate": at["replicate"], "kind": "level", "name": name, "value": at["alignment"]})
        )
    sums = inside.groupby("replicate")[[f"contrib_{m}" for m in mechanisms]].sum()
    for m in mechanisms:
        frames.append(
            pd.DataFrame(
                {"replicate": sums.index, "kind": "mechanism", "name": m, "value": sums[f"contrib_{m}"].to_numpy()}
            )
        )
    frames.append(event_sums(tables["event_contributions"], dyad, begin, end, sums.index))
    return pd.concat(frames, ignore_index=True)


def event_sums(table: pd.DataFrame, dyad: Dyad, begin: Any, end: Any, replicates: pd.Index) -> pd.DataFrame:
    """Each event's direct push on the dyad over the period, 0 in the worlds where it did not act."""
    a, b = dyad
    rows = table[(table["actor_a"] == a) & (table["actor_b"] == b) & (table["date"] > begin) & (table["date"] <= end)]
    wide = rows.pivot_table(index="replicate", columns="event", values="contribution", aggfunc="sum")
    wide = wide.reindex(replicates).fillna(0.0)
    long = wide.reset_index().melt(id_vars="replicate", var_name="name", value_name="value")
    long.insert(1, "kind", "event")
    return long


ACTED = 1e-12  # a part smaller than this in a world did not act there (rounding, or a difference of two equal parts)


def summarise(parts: pd.DataFrame) -> pd.DataFrame:
    """One row per part: mean (the parts' means add up to the mean change), median, 90 % interval and the
    share of worlds in which it acted; the start level first, then the parts by size, the change and the end."""
    by = ["kind", "name", "what"]
    stats = quantiles(parts, by, "value").rename(columns={0.5: "median", 0.05: "low", 0.95: "high"})
    grouped = parts.groupby(by)["value"]
    stats["mean"] = grouped.mean().to_numpy()
    stats["acted"] = grouped.apply(lambda v: (v.abs() > ACTED).mean()).to_numpy()
    levels = stats[stats["kind"] == "level"].set_index("name")
    acting = stats[stats["kind"].isin(["mechanism", "event"]) & (stats["acted"] > 0)]
    acting = acting.sort_values("mean", key=abs, ascending=False)
    level = parts[parts["kind"] == "level"].pivot(index="replicate", columns="name", values="value")
    change = level["end"] - level["start"]
    total = {
        "kind": "total",
        "name": "change",
        "what": "end minus start",
        "mean": change.mean(),
        "median": change.median(),
        "low": change.quantile(0.05),
        "high": change.quantile(0.95),
        "acted": 1.0,
    }
    rows = [levels.loc[["start"]].reset_index(), acting, pd.DataFrame([total]), levels.loc[["end"]].reset_index()]
    return pd.concat(rows, ignore_index=True)[["kind", "name", "what", "mean", "median", "low", "high", "acted"]]


ADD_UP_TOLERANCE = 1e-9


def balance(summary: pd.DataFrame) -> tuple[float, float, float]:
    """The summary's mean start level, the sum of the parts' means and the mean end level."""
    levels = summary[summary["kind"] == "level"].set_index("name")["mean"]
    parts = float(summary[summary["kind"].isin(["mechanism", "event"])]["mean"].sum())
    return float(levels["start"]), parts, float(levels["end"])


def adds_up(summary: pd.DataFrame) -> bool:
    """Whether start + parts = end in the means, computed from the numbers (the parts add up world by
    world only if every contribution was recorded)."""
    start, parts, end = balance(summary)
    return abs(start + parts - end) <= ADD_UP_TOLERANCE * max(1.0, abs(start), abs(end))


def markdown(summary: pd.DataFrame, meta: dict[str, Any], effects: pd.DataFrame | None = None) -> str:
    """The summary as a Markdown table with a title naming the dyad, period and run; then, if measured,
    each event's total effect."""
    run = meta["source"]
    base = meta.get("against")
    title = f"{meta['dyad']} alignment from {meta['from']} to {meta['to']} "
    size = f"{run['replicates']} replicates, seed {run['seed']}"
    runs = f"'{run['scenario']}' minus '{base['scenario']}', paired" if base else f"'{run['scenario']}'"
    title += f"({runs}, {size})"
    lines = [
        title,
        "",
        *(
            [
                "Each row is the scenario's part minus the baseline's, world by world: what the scenario changed.",
                "",
            ]
            if base
            else []
        ),
        f"| Part | What | Mean | Median | 5–95 % of worlds | {'Differed in' if base else 'Acted in'} |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples():
        interval = f"[{r.low:+.3f}, {r.high:+.3f}]"
        lines.append(
            f"| {r.kind}: {r.name} | {r.what} | {r.mean:+.3f} | {r.median:+.3f} | {interval} | {r.acted:.0%} |"
        )
    start, parts, end = balance(summary)
    if adds_up(summary):
        lines += ["", "Means add up: start + parts = end."]
    else:
        lines += [
            "",
            f"Means do not add up: start + parts = {start + parts:+.6f}, end = {end:+.6f} (a part of the change "
            "was not recorded in these results).",
        ]
    lines += [
        "An event row is the event's direct push; what it does through trade, ties or threat perceptions is",
        "counted in the mechanism rows.",
    ]
    if effects is not None and len(effects):
        lines += [
            "",
            "Total effect of each event: the change with every event minus the change in the paired worlds",
            "without it (indirect effects included; effects are not additive, events interact).",
            "",
            "| Event | Type | Median | 5–95 % of worlds | Changed the dyad in |",
            "|---|---|---|---|---|",
        ]
        for r in effects.itertuples():
            interval = f"[{r.low:+.3f}, {r.high:+.3f}]"
            lines.append(f"| {r.name} | {r.what} | {r.median:+.3f} | {interval} | {r.acted:.0%} |")
    return "\n".join(lines) + "\n"


def explain(
    folder: Path, dyad_text: str, start: Any = None, end: Any = None, counterfactual: bool = False, workers: int = 1
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The explanation's manifest and per-replicate parts, for a results folder written by ``run.py run``;
    with ``counterfactual``, also each event's total effect from paired runs without it."""
    source, tables = read_results(folder)
    if "event_contributions" not in tables:
        raise InputError(folder, "event_contributions", "results written by powershift 0.2 or later (run it again)")
    meta, parts = explanation(source, tables, dyad_text, start, end, folder)
    if counterfactual:
        dyad, begin, finish = Dyad.parse(meta["dyad"]), pd.Timestamp(meta["from"]), pd.Timestamp(meta["to"])
        meta["counterfactual"] = True
        parts = pd.concat([parts, without_each_event(source, dyad, begin, finish, workers)], ignore_index=True)
    return meta, parts


def explanation(
    source: dict[str, Any], tables: dict[str, pd.DataFrame], dyad_text: str, start: Any, end: Any, folder: Path
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The explanation's manifest and per-replicate parts for an ensemble's manifest and tables, wherever they
    are held (a results folder, or the explorer's memory); ``folder`` is what messages and the manifest name."""
    dyad = parse_dyad(dyad_text, source["actors"], folder)
    begin, finish = period(tables["alignment"]["date"], start, end)
    parts = contributions(tables, dyad, begin, finish)
    meta = {
        "kind": "explanation",
        "dyad": str(dyad),
        "from": begin.date().isoformat(),
        "to": finish.date().isoformat(),
        "results": str(folder),
        "source": {
            k: source[k]
            for k in ("scenario", "seed", "replicates", "version", "actors", "kind", "parameter_set")
            if k in source
        },
        "version": package_version(),
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    types = dict(zip(tables["events"]["event"], tables["events"]["type"], strict=True))
    what = [
        MECHANISM_LABELS.get(name, name) if kind == "mechanism" else types.get(name, "") if kind == "event" else ""
        for kind, name in zip(parts["kind"], parts["name"], strict=True)
    ]
    return meta, parts.assign(what=what)


def without_each_event(
    source: dict[str, Any], dyad: Dyad, begin: pd.Timestamp, end: pd.Timestamp, workers: int = 1
) -> pd.DataFrame:
    """Per replicate, each event's total effect on the dyad's change over the period, indirect effects
    included: the change with every event minus the change in the paired worlds without that event.

    The runs are rebuilt from the manifest's resolved scenario with its seed, replicates and parameter
    set (the same posterior draws per world); removing an event leaves every other random draw where
    it was (ODD §2, Stochasticity), so the difference is the event's. Effects are not additive: events
    interact.
    """
    spec, (a, b) = source["parameters"], dyad

    def change(events: list[dict[str, Any]]) -> pd.Series:
        label = f"{source['scenario']} (explain --counterfactual)"
        align = rerun(source, {**spec, "events": events}, label, workers=workers).tables["alignment"]
        rows = align[(align["actor_a"] == a) & (align["actor_b"] == b)].set_index(["date", "replicate"])["alignment"]
        return rows.loc[end] - rows.loc[begin]

    full = change(spec["events"])
    frames = []
    for event in spec["events"]:
        effect = full - change([e for e in spec["events"] if e["id"] != event["id"]])
        frames.append(
            pd.DataFrame(
                {"replicate": effect.index, "kind": "without", "name": event["id"], "value": effect.to_numpy()}
            ).assign(what=event["type"])
        )
    return pd.concat(frames, ignore_index=True)


def total_effects(parts: pd.DataFrame) -> pd.DataFrame:
    """Each event's total effect (median, 90 % interval, share of worlds where it changed the dyad), largest first."""
    rows = parts[parts["kind"] == "without"]
    stats = quantiles(rows, ["name", "what"], "value").rename(columns={0.5: "median", 0.05: "low", 0.95: "high"})
    grouped = rows.groupby(["name", "what"])["value"]
    stats["mean"] = grouped.mean().to_numpy()
    stats["acted"] = grouped.apply(lambda v: (v.abs() > 1e-12).mean()).to_numpy()
    return stats.sort_values("median", key=abs, ascending=False)[
        ["name", "what", "mean", "median", "low", "high", "acted"]
    ]


def write_explanation(
    meta: dict[str, Any], parts: pd.DataFrame, out: Path, extras: Extras | None = None
) -> pd.DataFrame:
    """Write parts (per replicate), the summary table (CSV and Markdown), each event's total effect if
    measured (event_effects.csv) and whatever ``extras`` adds (the command line's charts) to a new folder."""

    summary = summarise(parts)
    effects = total_effects(parts) if meta.get("counterfactual") else None
    meta = {**meta, "adds_up": adds_up(summary)}
    files: dict[str, pd.DataFrame | str] = {"contributions.csv": summary}
    if effects is not None:
        files["event_effects.csv"] = effects
    files["contributions.md"] = markdown(summary, meta, effects)
    write_parts_folder(meta, parts, out, files, extras)
    return summary


def write_parts_folder(
    meta: dict[str, Any],
    parts: pd.DataFrame,
    out: Path,
    files: dict[str, pd.DataFrame | str],
    extras: Extras | None = None,
) -> None:
    """A new folder of an explanation's per-world parts (``parts.parquet``, named in the manifest), its summary
    ``files`` (a frame is written as CSV, text as it is) and whatever ``extras`` adds, all or nothing."""
    meta = {
        "format_version": FORMAT_VERSION,
        **meta,
        "tables": {"parts": "parts.parquet"},
        "rows": {"parts": len(parts)},
    }
    with new_folder(out, int(parts.memory_usage(index=False).sum())) as staging:
        parts.to_parquet(staging / "parts.parquet", index=False)
        for name, content in files.items():
            if isinstance(content, str):
                (staging / name).write_text(content)
            else:
                content.to_csv(staging / name, index=False)
        write_manifest(staging, meta)
        if extras is not None:
            extras(staging, meta, {"parts": parts})


def read_explanation(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """An explanation folder's manifest and parts table, validated (``readers.read_explanation``)."""
    return readers.read_explanation(Path(folder))
