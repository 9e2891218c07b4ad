"""Rolling hindcasts: forecasts issued from past origins, scored against the yearly record.

Each origin is a historical scenario whose start state uses only what was known at its date (the
2014 replay, and the 2019 origin with the April 2019 WEO vintage). From each origin the model's
ensemble forecasts, for horizons of 1 to 5 years, three observable quantities:

- each state's **power share** change on the scenario's index (percentage points);
- each state's **GDP share** change, GDP at market exchange rates (percentage points);
- each dyad's **UN distance** change: the Bailey-Strezhnev-Voeten ideal-point distance
  (final-passage votes). The model has no UN votes, so an observation model links its alignment to
  the distance: ``Δd = −β · Δalignment + σ · ε`` with ε standard normal, one draw per world, dyad and
  year. β and σ are fitted with the model's free parameters on the calibration years only
  (``analysis.calibration``). Changes are scored, not levels: UN voting puts India and Pakistan
  close, so a level says little about warmth, but a change in distance is evidence of a change in
  alignment.

The origins' outcomes are split by what the fit saw: the 2014 origin's horizons (2015-2019) are
the calibration years, the 2019 origin's (2020-2024) are held back. Scores (``analysis.validation.scores``)
are set against two naive forecasts that use the same information: persistence (no change) and
the pre-origin linear trend (the change per year over ``analysis.validation.replay.trend_window``: up to
the last year known at the origin, carried on).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powershift.analysis.experiments.posterior import Posterior, draw_indices
from powershift.analysis.validation import scores
from powershift.analysis.validation.record import YearlyRecord
from powershift.analysis.validation.replay import Index, read_record, reference_shares, trend_window, yearly_record
from powershift.model.dyads import Dyad
from powershift.model.paths import assigned_paths
from powershift.model.scenario import Scenario, load_scenario
from powershift.model.world import World, world_seed

HORIZONS = (1, 2, 3, 4, 5)
QUANTITIES = ("power share", "GDP share", "UN distance")
OBSERVATION_PREFIX = "observation."
BETA, SIGMA = f"{OBSERVATION_PREFIX}un_distance.beta", f"{OBSERVATION_PREFIX}un_distance.sigma"
NOISE_TAG = 0x554E  # separates the observation noise stream from the worlds' own streams


@dataclass(frozen=True)
class Origin:
    """A forecast origin: the scenario that starts there and which years its horizons score."""

    year: int
    scenario: str
    period: str  # "calibration" or "held-back"


ORIGINS = (
    Origin(2014, "history-2014-2024", "calibration"),
    Origin(2019, "history-2019-2024", "held-back"),
)


@dataclass
class Changes:
    """Changes from the origin, per horizon: simulated (H, W, K) or observed (H, K), K units (actors or dyads)."""

    units: dict[str, list[str]]
    values: dict[str, np.ndarray] = field(default_factory=dict)


def dyads(codes: list[str]) -> list[str]:
    """The dyads of a world's pairs, in the world's pair order (``World.pairs``)."""
    return [str(d) for d in Dyad.of_pairs(codes)]


def horizon_steps(scenario: Scenario, horizons: tuple[int, ...] = HORIZONS) -> list[int]:
    return [h * scenario.spec.steps_per_year for h in horizons]


def simulate(
    scenario: Scenario,
    seed: int,
    replicates: np.ndarray,
    values: dict[str, np.ndarray],
    horizons: tuple[int, ...] = HORIZONS,
) -> Changes:
    """Run one world per replicate (each with its own parameter values, observation-model ones
    included) and return the simulated changes of the three quantities from the origin.

    The observation noise comes from its own stream per (seed, replicate), so a world's forecast is
    the same whatever else runs beside it.
    """
    model_values = {k: np.asarray(v, dtype=float) for k, v in values.items() if not k.startswith(OBSERVATION_PREFIX)}
    scored = {"power share": "power_share", "GDP share": "gdp_mer_share"}
    seeds = [world_seed(seed, int(r)) for r in replicates]
    world = World(scenario, seeds, model_values, record_contributions=False, measures=scored.values())
    recording = world.run()
    codes = list(world.codes)
    steps = horizon_steps(scenario, horizons)
    out = Changes({"power share": codes, "GDP share": codes, "UN distance": dyads(codes)})
    for quantity, series in scored.items():
        track = recording.actors[series]
        out.values[quantity] = 100 * (track[steps] - track[0][None])
    world.release()
    if BETA not in values:
        return out
    alignment_change = recording.alignment[steps] - recording.alignment[0][None]
    beta = np.broadcast_to(np.asarray(values[BETA], dtype=float), (len(replicates),))
    sigma = np.broadcast_to(np.asarray(values.get(SIGMA, 0.0), dtype=float), (len(replicates),))
    noise = np.stack(
        [
            np.random.default_rng([seed, int(r), NOISE_TAG]).standard_normal(alignment_change.shape[::2])
            for r in replicates
        ],
        axis=1,
    )
    out.values["UN distance"] = -beta[None, :, None] * alignment_change + sigma[None, :, None] * noise
    return out


checks_record = functools.cache(read_record)
"""The replay's check record (its NMC capability years score the cinc index), read once."""


def observed_level(record: YearlyRecord, quantity: str, year: int, codes: list[str], index: Index) -> np.ndarray:
    """One year's observed value of a quantity per unit (NaN where the record has no figure)."""
    if quantity == "UN distance":
        units = dyads(codes)
        return np.array([_or_nan(lambda d=d: record.un_distance(d, year)) for d in units])
    if quantity == "GDP share":
        if not all(record.has("gdp_bn", c, year) for c in codes):
            return np.full(len(codes), np.nan)
        gdp = record.series("gdp_bn", codes, [year])[0]
        return 100 * gdp / gdp.sum()
    try:
        return 100 * reference_shares(checks_record(), year, codes, index)
    except KeyError:
        return np.full(len(codes), np.nan)


def _or_nan(read: object) -> float:
    try:
        return float(read())  # type: ignore[operator]
    except KeyError:
        return float("nan")


def observed(
    origin: Origin, codes: list[str], index: Index, horizons: tuple[int, ...] = HORIZONS
) -> tuple[Changes, Changes]:
    """The record's changes from the origin year, and the trend baseline's forecast of them.

    The trend's slope uses only years up to the one before the origin (what was known there), and
    as many as the record has, at most ``analysis.validation.replay.TREND_YEARS``.
    """
    record = yearly_record()
    actual = Changes({"power share": codes, "GDP share": codes, "UN distance": dyads(codes)})
    trend = Changes(actual.units)
    first_known, last_known = trend_window(origin.year)
    for quantity in QUANTITIES:
        start = observed_level(record, quantity, origin.year, codes, index)
        actual.values[quantity] = np.stack(
            [observed_level(record, quantity, origin.year + h, codes, index) - start for h in horizons]
        )
        slope = (
            observed_level(record, quantity, last_known, codes, index)
            - observed_level(record, quantity, first_known, codes, index)
        ) / (last_known - first_known)
        trend.values[quantity] = np.stack([slope * h for h in horizons])
    return actual, trend


def score_origin(
    origin: Origin,
    simulated: Changes,
    actual: Changes,
    trend: Changes,
    rng: np.random.Generator,
    horizons: tuple[int, ...] = HORIZONS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores per quantity and horizon (one row each) and the PIT values of every scored outcome
    (``rng`` breaks PIT ties). A quantity the simulation lacks (UN distance without an observation
    model) is not scored."""
    rows, pits = [], []
    for quantity in (q for q in QUANTITIES if q in simulated.values):
        ensemble = np.moveaxis(simulated.values[quantity], 1, -1)  # (H, K, W)
        truth, base = actual.values[quantity], trend.values[quantity]
        crps = scores.crps(ensemble, truth)
        crps_persistence = scores.crps_point(np.zeros_like(truth), truth)
        crps_trend = scores.crps_point(base, truth)
        probability = scores.direction_probability(ensemble)
        outcome = np.where(np.isnan(truth) | (truth == 0), np.nan, (truth > 0).astype(float))  # no change: no direction
        pit = scores.pit(ensemble, truth, rng)
        for k, h in enumerate(horizons):
            scored = ~np.isnan(truth[k])
            rows.append(
                {
                    "origin": origin.year,
                    "period": origin.period,
                    "quantity": quantity,
                    "horizon": h,
                    "year": origin.year + h,
                    "n": int(scored.sum()),
                    "crps": _mean(crps[k]),
                    "crps_persistence": _mean(crps_persistence[k]),
                    "crps_trend": _mean(crps_trend[k]),
                    "crps_skill_vs_persistence": scores.skill(crps[k], crps_persistence[k]),
                    "crps_skill_vs_trend": scores.skill(crps[k], crps_trend[k]),
                    "brier": _mean(scores.brier(probability[k], outcome[k])),
                    "brier_skill": scores.brier_skill(probability[k], outcome[k], np.full(len(truth[k]), 0.5)),
                    "brier_skill_vs_trend": scores.brier_skill(probability[k], outcome[k], (base[k] > 0).astype(float)),
                    "coverage_50": scores.coverage(ensemble[k], truth[k], 0.5),
                    "coverage_90": scores.coverage(ensemble[k], truth[k], 0.9),
                }
            )
            pits += [{"period": origin.period, "quantity": quantity, "pit": float(p)} for p in pit[k][scored]]
    return pd.DataFrame(rows), pd.DataFrame(pits, columns=["period", "quantity", "pit"])


def _mean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


@dataclass
class Hindcast:
    """Every origin's scores and PIT values, with what produced them."""

    scores: pd.DataFrame
    pits: pd.DataFrame
    replicates: int
    seed: int
    parameters: str


def draws(posterior: Posterior, seed: int, replicates: np.ndarray) -> dict[str, np.ndarray]:
    """Each world's values of every posterior column, observation model included: the same draw per
    (seed, replicate) as ``run`` gives that world (``analysis.posterior.draw_indices``)."""
    rows = draw_indices(posterior.size, seed, replicates)
    return {path: posterior.draws[path].to_numpy(dtype=float)[rows] for path in posterior.draws.columns}


def run_hindcast(
    posterior: Posterior | None,
    replicates: int,
    seed: int,
    origins: tuple[Origin, ...] = ORIGINS,
    overrides: tuple[str, ...] = (),
) -> Hindcast:
    """Forecast from every origin with ``replicates`` worlds (parameters drawn from the posterior,
    or the defaults; ``overrides``, ``--set`` assignments, win over both) and score each against
    the record."""
    tables, pit_tables = [], []
    worlds = np.arange(replicates)
    rng = np.random.default_rng([seed, scores.PIT_SEED])
    for origin in origins:
        scenario = load_scenario(origin.scenario, overrides)
        fixed = assigned_paths(overrides)
        values = draws(posterior, seed, worlds) if posterior is not None else {}
        values = {path: v for path, v in values.items() if path not in fixed}
        simulated = simulate(scenario, seed, worlds, values)
        actual, trend = observed(origin, list(scenario.actors.codes), Index.of(scenario))
        table, pits = score_origin(origin, simulated, actual, trend, rng)
        tables.append(table)
        pit_tables.append(pits)
    label = "defaults" if posterior is None else f"posterior {posterior.name} ({len(posterior.draws)} draws)"
    return Hindcast(
        pd.concat(tables, ignore_index=True), pd.concat(pit_tables, ignore_index=True), replicates, seed, label
    )


def summary(hindcast: Hindcast) -> dict[str, dict[str, dict[str, float]]]:
    """Per period and quantity: skill over all horizons pooled (mean CRPS over mean baseline CRPS)
    and the pooled band coverage, weighting horizons by the outcomes they score."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for (period, quantity), rows in hindcast.scores.groupby(["period", "quantity"], sort=False):
        weights = rows["n"].to_numpy(dtype=float)

        def pooled(column: str, rows: pd.DataFrame = rows, weights: np.ndarray = weights) -> float:
            values = rows[column].to_numpy(dtype=float)
            keep = np.isfinite(values) & (weights > 0)
            return float(np.average(values[keep], weights=weights[keep])) if keep.any() else float("nan")

        crps = pooled("crps")
        out.setdefault(str(period), {})[str(quantity)] = {
            "crps_skill_vs_persistence": 1 - crps / pooled("crps_persistence"),
            "crps_skill_vs_trend": 1 - crps / pooled("crps_trend"),
            "brier_skill": pooled("brier_skill"),
            "coverage_50": pooled("coverage_50"),
            "coverage_90": pooled("coverage_90"),
            "outcomes": int(weights.sum()),
        }
    return out


def report(hindcast: Hindcast) -> dict[str, Any]:
    """The hindcast for ``history --json``: every origin, quantity and horizon's scores (split into
    calibration and held-back years by the origin's period) and each period's pooled summary."""
    rows = hindcast.scores.astype(object).where(hindcast.scores.notna(), None)
    return {
        "parameters": hindcast.parameters,
        "replicates": hindcast.replicates,
        "seed": hindcast.seed,
        "origins": [
            {
                "origin": o.year,
                "scenario": o.scenario,
                "period": o.period,
                "years": [o.year + 1, o.year + max(HORIZONS)],
            }
            for o in ORIGINS
        ],
        "scores": [{k: _rounded(v) for k, v in row.items()} for row in rows.to_dict(orient="records")],
        "summary": {
            period: {q: {k: _rounded(v) for k, v in values.items()} for q, values in by_quantity.items()}
            for period, by_quantity in summary(hindcast).items()
        },
    }


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return None if not np.isfinite(value) else round(value, 4)
    return value


def text(hindcast: Hindcast) -> str:
    """The hindcast for a terminal: pooled skill and coverage per period and quantity, then by horizon."""
    lines = [
        f"Hindcasts from {', '.join(str(o.year) for o in ORIGINS)} ({hindcast.replicates} worlds each, "
        f"seed {hindcast.seed}, parameters: {hindcast.parameters})",
        "CRPS skill > 0 beats the baseline; 90 % bands should cover about 90 % of outcomes.",
        "",
        f"{'period':11s} {'quantity':12s} {'vs persistence':>14s} {'vs trend':>9s} {'Brier skill':>11s} "
        f"{'cover 50%':>9s} {'cover 90%':>9s} {'outcomes':>8s}",
    ]
    for period, by_quantity in summary(hindcast).items():
        for quantity, v in by_quantity.items():
            lines.append(
                f"{period:11s} {quantity:12s} {_fmt(v['crps_skill_vs_persistence']):>14s} "
                f"{_fmt(v['crps_skill_vs_trend']):>9s} {_fmt(v['brier_skill']):>11s} {_pct(v['coverage_50']):>9s} "
                f"{_pct(v['coverage_90']):>9s} {v['outcomes']:8d}"
            )
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:+.2f}"


def _pct(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:.0%}"


def write(hindcast: Hindcast, folder: Path) -> None:
    """The hindcast's tables in a (staging) results folder: scores and PIT values (the command line adds
    the charts, ``charts.scores.hindcast_charts``)."""
    hindcast.scores.to_csv(folder / "hindcast-scores.csv", index=False)
    hindcast.pits.to_csv(folder / "hindcast-pit.csv", index=False)


def footnote(hindcast: Hindcast) -> str:
    """What a hindcast chart was drawn from, and why single points are noisy."""
    return (
        f"Hindcasts from {' and '.join(str(o.year) for o in ORIGINS)}, {hindcast.replicates} worlds "
        f"each, seed {hindcast.seed}. Parameters: {hindcast.parameters}. One origin per period, so a point is 5 "
        "states or 10 dyads: single horizons are noisy. UN distance: Bailey-Strezhnev-Voeten ideal points "
        "(final passage)."
    )


def markdown(hindcast: Hindcast) -> str:
    """The hindcast's scores as docs/explanation/validation.md shows them (a test keeps them equal): the pooled
    summary per period and quantity, then every origin, quantity and horizon."""
    lines = [
        f"Parameters: {hindcast.parameters}; {hindcast.replicates} worlds per origin, seed {hindcast.seed}.",
        "",
        "| period | quantity | CRPS skill vs persistence | CRPS skill vs trend | Brier skill | 50 % band covers "
        "| 90 % band covers | outcomes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for period, by_quantity in summary(hindcast).items():
        for quantity, v in by_quantity.items():
            lines.append(
                f"| {period} | {quantity} | {_fmt(v['crps_skill_vs_persistence'])} | {_fmt(v['crps_skill_vs_trend'])} "
                f"| {_fmt(v['brier_skill'])} | {_pct(v['coverage_50'])} | {_pct(v['coverage_90'])} | {v['outcomes']} |"
            )
    lines += [
        "",
        "| origin | quantity | horizon (year) | CRPS skill vs persistence | vs trend | Brier skill | 50 % covers "
        "| 90 % covers | n |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in hindcast.scores.itertuples():
        if row.n == 0:
            lines.append(f"| {row.origin} | {row.quantity} | {row.horizon} ({row.year}) | no record | | | | | 0 |")
            continue
        lines.append(
            f"| {row.origin} | {row.quantity} | {row.horizon} ({row.year}) | {_fmt(row.crps_skill_vs_persistence)} "
            f"| {_fmt(row.crps_skill_vs_trend)} | {_fmt(row.brier_skill)} | {_pct(row.coverage_50)} "
            f"| {_pct(row.coverage_90)} | {row.n} |"
        )
    return "\n".join(lines) + "\n"
