"""Why a state's power share differs from a baseline's: which components and which couplings moved it.

A share on an index is a function of the component shares the index reads (``power.INDEX_COMPONENTS``)
and of how it weighs them. Against a baseline with the same seed and replicates, world r of each
draws the same random numbers, so ``scenario − baseline`` in world r is what the scenario changed.
That difference is split over the components exactly, world by world, by their Shapley values:
each component's part is its average effect on the share when it is switched from the baseline's
value to the scenario's, over every order of switching. On the headline and CINC indices, which
are linear in the component shares, this is simply each component's weighted share difference; on
net resources (GDP² / population) it also shares out the interaction fairly. The parts add up to
the difference.

What moved the components is measured by the couplings, the links through which alignment and
events reach power (trade into output, sanctions and instability into growth, rivals' spending into
one's own). Each is switched off in both runs, paired again, and its part is the difference it
takes away: ``difference − difference without it``. These total effects overlap (a coupling works
through the others) and do not add up; what remains with every coupling off is what events do to
power directly (shocks, investment, arms deliveries, grievances).

Values are fractions of 1, as in every table; the Markdown and charts show percentage points.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from powershift.analysis.analyze.against import check_paired
from powershift.analysis.analyze.explanation import ACTED, write_parts_folder
from powershift.analysis.analyze.spread import quantiles
from powershift.analysis.experiments.ensemble import rerun
from powershift.analysis.experiments.posterior import reopen, world_values
from powershift.analysis.results.power_index import index_name
from powershift.analysis.results.storage import Extras, package_version
from powershift.model import power
from powershift.model.files import InputError
from powershift.model.paths import ParamPath
from powershift.model.scenario import scenario_from_text

Run = tuple[dict[str, Any], dict[str, pd.DataFrame]]

COUPLINGS = {
    "economy.alignment_elasticity": "alignment → trade",
    "economy.agreement_elasticity": "trade agreements → trade",
    "economy.trade_gain": "trade → output",
    "economy.sanctions_drag": "sanctions → growth",
    "economy.instability_drag": "instability → growth",
    "military.fear": "rivals' spending → own spending",
}
"""The parameters that carry each coupling from alignment and events to power; 0 switches it off."""

COMPONENT_LABELS = {
    "gdp_mer": "GDP at market exchange rates",
    "gdp_ppp": "GDP at PPP",
    "military": "military capability stock",
    "personnel": "military personnel",
    "industry": "iron and steel output",
    "energy": "energy use",
    "population": "population",
    "urban_population": "urban population",
}
MEASUREMENT = "measurement"  # the index's weights, nuclear bonus and nuclear status, when the runs differ in them
PP = 100.0  # fractions of 1 are shown in percentage points


def parse_state(text: str, actors: list[str], folder: Path) -> str:
    code = text.upper()
    if code not in actors:
        raise InputError(folder, "--state", f"one of the run's states ({', '.join(actors)}), got {text!r}")
    return code


def end_date(tables: dict[str, pd.DataFrame], end: Any, folder: Path) -> pd.Timestamp:
    """The recorded date at or before ``--to`` (default: the end of the run)."""
    recorded = pd.DatetimeIndex(sorted(pd.unique(tables["trajectories"]["date"])))
    if end is None:
        return recorded[-1]
    stamp = pd.Timestamp(end)
    if not recorded[0] < stamp <= recorded[-1]:
        raise InputError(folder, "--to", f"a date after the start and within the run, up to {recorded[-1].date()}")
    return recorded[recorded.searchsorted(stamp, side="right") - 1]


class Measure:
    """How one run measures power at one date: its index, weights, nuclear bonus and nuclear status per
    world, and its component shares (W, N) there."""

    def __init__(self, meta: dict[str, Any], tables: dict[str, pd.DataFrame], date: pd.Timestamp) -> None:
        traj = tables["trajectories"]
        at = traj[traj["date"] == date].sort_values(["replicate", "actor"], kind="stable")
        order = {code: k for k, code in enumerate(meta["actors"])}
        at = at.assign(position=at["actor"].map(order)).sort_values(["replicate", "position"], kind="stable")
        worlds, n = meta["replicates"], len(meta["actors"])
        spec = meta["parameters"]
        self.index = spec["power"]["index"]
        self.components = {
            c: at[f"{c}_share"].to_numpy(dtype=float).reshape(worlds, n) for c in power.INDEX_COMPONENTS[self.index]
        }
        self.recorded = at["power_share"].to_numpy(dtype=float).reshape(worlds, n)
        values = per_world(meta, [f"power.{c}" for c in (*power.ECONOMIC_MILITARY_COMPONENTS, "nuclear_bonus")])
        self.weights = {c: values[f"power.{c}"] for c in power.ECONOMIC_MILITARY_COMPONENTS}
        self.bonus = values["power.nuclear_bonus"]
        self.nuclear = nuclear_flags(meta)

    def shares(self, components: dict[str, np.ndarray], measure: Measure) -> np.ndarray:
        """The shares (W, N) of ``components`` as ``measure`` weighs them, on this run's index."""
        cap = power.capability(self.index, components, measure.weights, measure.nuclear, measure.bonus)
        return power.power_shares(cap)

    def same_measurement(self, other: Measure) -> bool:
        return (
            all(np.array_equal(self.weights[c], other.weights[c]) for c in self.weights)
            and np.array_equal(self.bonus, other.bonus)
            and np.array_equal(self.nuclear, other.nuclear)
        )


def per_world(meta: dict[str, Any], paths: list[str]) -> dict[str, np.ndarray]:
    """Each path's value in every world: the scenario's, or the posterior draw's where the run drew it."""
    spec, worlds = meta["parameters"], meta["replicates"]
    values = {}
    for path in paths:
        node: Any = spec
        for part in ParamPath.parse(path).parts:
            node = node[part]
        values[path] = np.full(worlds, float(node))
    record, posterior = meta.get("parameter_set"), reopen(meta.get("parameter_set"))
    if posterior is not None:
        drawn = world_values(
            posterior, meta["seed"], np.arange(worlds), set(posterior.model_parameters) - set(record["paths"])
        )
        values.update({p: v for p, v in drawn.items() if p in values})
    return values


def nuclear_flags(meta: dict[str, Any]) -> np.ndarray:
    """Each state's nuclear status (1 or 0) in the run's actor set, as its resolved scenario builds it."""
    scenario = scenario_from_text(yaml.safe_dump(meta["parameters"], sort_keys=False), str(meta["scenario"]))
    return scenario.actors.nuclear


def shapley(scenario: Measure, baseline: Measure, state: int) -> dict[str, np.ndarray]:
    """Each factor's exact part of the state's share difference per world (W,): the components the index
    reads and, when the runs weigh them differently, the measurement; the parts add up to the difference."""
    factors = list(scenario.components) + ([] if scenario.same_measurement(baseline) else [MEASUREMENT])
    k = len(factors)
    value: dict[frozenset[str], np.ndarray] = {}
    for size in range(k + 1):
        for chosen in itertools.combinations(factors, size):
            on = frozenset(chosen)
            components = {c: (scenario if c in on else baseline).components[c] for c in scenario.components}
            measure = scenario if MEASUREMENT in on else baseline
            value[on] = scenario.shares(components, measure)[:, state]
    parts = {}
    for factor in factors:
        total = np.zeros_like(value[frozenset()])
        for without in value:
            if factor in without:
                continue
            weight = math.factorial(len(without)) * math.factorial(k - len(without) - 1) / math.factorial(k)
            total = total + weight * (value[without | {factor}] - value[without])
        parts[factor] = total
    return parts


def check_recomputed(measure: Measure, label: str) -> None:
    """The shares recomputed from the recorded components must be the recorded ones, or the split would
    explain some other number."""
    again = measure.shares(measure.components, measure)
    if not np.allclose(again, measure.recorded, rtol=0, atol=1e-9):
        raise InputError(
            label, "power_share", f"results whose shares can be recomputed from their components on the {measure.index}"
        )


def share_at(tables: dict[str, pd.DataFrame], state: str, date: pd.Timestamp) -> np.ndarray:
    traj = tables["trajectories"]
    rows = traj[(traj["date"] == date) & (traj["actor"] == state)].sort_values("replicate")
    return rows["power_share"].to_numpy(dtype=float)


def coupling_effects(
    source: dict[str, Any], baseline: dict[str, Any], state: str, date: pd.Timestamp, workers: int = 1
) -> dict[str, np.ndarray]:
    """The state's paired share difference at ``date`` with each coupling switched off in both runs, and
    with all of them off (``every coupling``), per world."""
    switched = {path: (path,) for path in COUPLINGS} | {"every coupling": tuple(COUPLINGS)}
    out = {}
    for name, paths in switched.items():
        differences = []
        for meta in (source, baseline):
            spec = off(meta["parameters"], paths)
            fixed = tuple(f"{p}=0" for p in paths)
            results = rerun(meta, spec, f"{meta['scenario']} (without {name})", fixed, workers)
            differences.append(share_at(results.tables, state, date))
        out[name] = differences[0] - differences[1]
    return out


def off(spec: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """A copy of a resolved scenario with each of ``paths`` set to 0."""
    spec = yaml.safe_load(yaml.safe_dump(spec))
    for path in paths:
        *parents, last = ParamPath.parse(path).parts
        node = spec
        for part in parents:
            node = node[part]
        node[last] = 0.0
    return spec


def share_explanation(
    run: Run, baseline: Run, state_text: str, end: Any, folder: Path, label: str, workers: int = 1
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The manifest and per-world parts of the state's share difference from the baseline at ``end``:
    levels (both shares), components (exact, adding up) and couplings (total effects from reruns)."""
    (meta, tables), (base_meta, base_tables) = run, baseline
    check_paired(meta, base_meta, label)
    state = parse_state(state_text, meta["actors"], folder)
    date = end_date(tables, end, folder)
    if date not in set(base_tables["trajectories"]["date"].unique()):
        raise InputError(label, "dates", f"a baseline recorded on {date.date()}, as the run is")
    if base_meta["parameters"]["power"]["index"] != meta["parameters"]["power"]["index"]:
        raise InputError(
            label, "power.index", f"a baseline on the run's power index ({meta['parameters']['power']['index']})"
        )
    scenario, base = Measure(meta, tables, date), Measure(base_meta, base_tables, date)
    check_recomputed(scenario, str(folder))
    check_recomputed(base, label)
    k = meta["actors"].index(state)
    replicates = np.arange(meta["replicates"])
    frames = [
        part_rows(
            replicates, "level", "baseline", base.recorded[:, k], f"{state}'s share in '{base_meta['scenario']}'"
        ),
        part_rows(replicates, "level", "scenario", scenario.recorded[:, k], f"{state}'s share in '{meta['scenario']}'"),
    ]
    for factor, value in shapley(scenario, base, k).items():
        what = "index weights and nuclear status" if factor == MEASUREMENT else COMPONENT_LABELS[factor]
        frames.append(part_rows(replicates, "component", factor, value, what))
    difference = scenario.recorded[:, k] - base.recorded[:, k]
    for name, without in coupling_effects(meta, base_meta, state, date, workers).items():
        if name == "every coupling":
            frames.append(
                part_rows(
                    replicates,
                    "remaining",
                    name,
                    without,
                    "left with every coupling off: events acting on power directly",
                )
            )
        else:
            frames.append(part_rows(replicates, "coupling", name, difference - without, COUPLINGS[name]))
    manifest = {
        "kind": "share_explanation",
        "state": state,
        "to": date.date().isoformat(),
        "index": meta["parameters"]["power"]["index"],
        "results": str(folder),
        "source": source_of(meta),
        "against": {**source_of(base_meta), "baseline": label},
        "version": package_version(),
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return manifest, pd.concat(frames, ignore_index=True)


def source_of(meta: dict[str, Any]) -> dict[str, Any]:
    keys = ("scenario", "seed", "replicates", "version", "actors", "kind", "parameter_set")
    return {k: meta[k] for k in keys if k in meta}


def part_rows(replicates: np.ndarray, kind: str, name: str, value: np.ndarray, what: str) -> pd.DataFrame:
    return pd.DataFrame({"replicate": replicates, "kind": kind, "name": name, "value": value, "what": what})


ORDER = {"level": 0, "component": 1, "coupling": 2, "remaining": 3}


def summarise(parts: pd.DataFrame) -> pd.DataFrame:
    """One row per part (fractions of 1): mean (components' means add up to the difference's), median, 90 %
    interval over worlds and the share of worlds in which it is not zero; then the difference itself."""
    levels = parts[parts["kind"] == "level"].pivot(index="replicate", columns="name", values="value")
    difference = pd.DataFrame(
        {
            "replicate": levels.index,
            "kind": "difference",
            "name": "scenario − baseline",
            "value": (levels["scenario"] - levels["baseline"]).to_numpy(),
            "what": "the share difference the components split",
        }
    )
    every = pd.concat([parts, difference], ignore_index=True)
    by = ["kind", "name", "what"]
    stats = quantiles(every, by, "value").rename(columns={0.5: "median", 0.05: "low", 0.95: "high"})
    grouped = every.groupby(by)["value"]
    stats["mean"] = grouped.mean().to_numpy()
    stats["acted"] = grouped.apply(lambda v: (v.abs() > ACTED).mean()).to_numpy()
    rank = stats["kind"].map({**ORDER, "difference": 0.5})
    stats = stats.assign(rank=rank, size=-stats["mean"].abs()).sort_values(["rank", "size"], kind="stable")
    return stats[["kind", "name", "what", "mean", "median", "low", "high", "acted"]].reset_index(drop=True)


def adds_up(summary: pd.DataFrame) -> bool:
    """Whether the components' means add up to the mean difference (they do world by world, by construction)."""
    parts = summary.loc[summary["kind"] == "component", "mean"].sum()
    total = float(summary.loc[summary["kind"] == "difference", "mean"].iloc[0])
    return bool(abs(parts - total) <= 1e-12)


def markdown(summary: pd.DataFrame, meta: dict[str, Any]) -> str:
    """The summary in percentage points, components first (they add up), then the couplings (they do not)."""
    run, base = meta["source"], meta["against"]
    lines = [
        f"{meta['state']}'s power share on the {index_name(meta['index'])} at {meta['to']}: "
        f"'{run['scenario']}' minus '{base['scenario']}', paired ({run['replicates']} replicates, seed {run['seed']})",
        "",
        "Levels in %, parts in percentage points (pp). Components split the difference exactly, world by world;",
        "a coupling's row is the difference it carries: the difference minus the paired difference with it off",
        "in both runs. Couplings overlap and do not add up.",
        "",
        "| Part | What | Mean | Median | 5–95 % of worlds | Not zero in |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples():
        sign = "" if r.kind == "level" else "+"
        unit = " %" if r.kind == "level" else ""
        interval = f"[{PP * r.low:{sign}.3f}, {PP * r.high:{sign}.3f}]"
        lines.append(
            f"| {r.kind}: {r.name} | {r.what} | {PP * r.mean:{sign}.3f}{unit} | {PP * r.median:{sign}.3f}{unit} "
            f"| {interval} | {r.acted:.0%} |"
        )
    lines += [
        "",
        "Components add up: their means sum to the mean difference."
        if adds_up(summary)
        else "Components do not add up to the difference (a component was not recorded).",
    ]
    return "\n".join(lines) + "\n"


def write_share_explanation(
    meta: dict[str, Any], parts: pd.DataFrame, out: Path, extras: Extras | None = None
) -> pd.DataFrame:
    """Write the parts (per world), the summary (CSV in fractions, Markdown in pp) and whatever ``extras``
    adds (the command line's chart) to a new folder."""
    summary = summarise(parts)
    meta = {**meta, "adds_up": adds_up(summary)}
    files = {"share_contributions.csv": summary, "share_contributions.md": markdown(summary, meta)}
    write_parts_folder(meta, parts, out, files, extras)
    return summary
