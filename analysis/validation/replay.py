"""The historical replay: start in 2014, feed in the decade's real events, and score the result against the record.

The record is ``model/data/history-2014-2024-checks.yaml``: reference capability components for
2014, 2019 and 2022, and documented expectations (each with its sources) for the direction of
dyads' alignment, their sign, and trade. A check passes when the *median* world meets it. Every
score is set beside the naive forecast that nothing changes after 2014 (persistence): the
start-year capability shares carried forward, alignment and trade frozen at their 2014 values.

The replay runs with the posterior fitted on 2014→2019 only (``analysis.calibration``), and the
scorecard reports 2019→2024 separately, so it says how the model does on years it was not fitted
to. The proper scores of the rolling hindcasts are ``analysis.hindcast``'s.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field, ValidationError

from powershift.analysis.experiments.ensemble import Results, run_ensemble
from powershift.analysis.experiments.posterior import Posterior, describe
from powershift.analysis.results.storage import Extras, write_results
from powershift.analysis.validation.record import YearlyRecord, load_record
from powershift.model import power
from powershift.model.dyads import Dyad
from powershift.model.files import DATA_DIR, check_seed, first_error, read_mapping
from powershift.model.parameters import StrictModel
from powershift.model.scenario import Scenario, load_scenario

CHECKS = DATA_DIR / "history-2014-2024-checks.yaml"
SCENARIO = "history-2014-2024"
PERIODS = ("calibration", "validation")
COMPONENT_FIELDS = {
    "military": "milex_bn",
    "personnel": "milper_k",
    "industry": "iron_steel_mt",
    "energy": "energy_mtce",
    "population": "population_m",
    "urban_population": "urban_population_m",
    "gdp": "gdp_bn",
}
"""The NMC-era record's fields (model/data/history-2014-2024-checks.yaml), used for the CINC index."""
TREND_YEARS = 4
"""The trend baseline extrapolates the change per year over at most this many years before an origin."""


class RecordSchema(StrictModel):
    """The record's schemas: strict like every input (no unknown fields, NaN or booleans for
    numbers), with the check periods also given by their aliases ``from`` and ``to``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, populate_by_name=True)


class Check(RecordSchema):
    name: str
    kind: Literal["alignment_change", "alignment_sign", "trade_change"]
    dyad: str
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    expected: Literal["warmer", "cooler", "hostile", "friendly", "up", "down"]
    threshold: float = Field(0.0, ge=0)
    evidence: str
    source: str


class Period(RecordSchema):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")


class Capability(RecordSchema):
    note: str
    years: dict[int, dict[str, dict[str, float]]]
    sources: dict[str, str]


class Record(RecordSchema):
    name: str
    description: str
    periods: dict[str, Period]
    capability: Capability
    checks: list[Check]


@functools.cache
def yearly_record() -> YearlyRecord:
    """The committed yearly record, read once per process: scoring reads it for every year and unit."""
    return load_record()


def read_record(path: Path = CHECKS) -> Record:
    try:
        return Record.model_validate(read_mapping(path))
    except ValidationError as exc:
        raise first_error(exc, path) from None


def period_of(check: Check, record: Record) -> str:
    """The sub-period a check belongs to, or 'whole' when it spans both (trade: no 2019 data)."""
    for name, period in record.periods.items():
        if check.start >= period.start and check.end <= period.end:
            return name
    return "whole"


@dataclass(frozen=True)
class Index:
    """The power index a replay is scored on, as the scenario sets it."""

    name: str
    weights: dict[str, float]
    depreciation: float

    @classmethod
    def of(cls, scenario: Scenario) -> Index:
        spec = scenario.spec
        weights = {c: float(getattr(spec.power, c)) for c in power.ECONOMIC_MILITARY_COMPONENTS}
        return cls(spec.power.index, weights, float(spec.military.depreciation))


def reference_years(record: Record, index: Index) -> list[int]:
    """The years observed shares exist for: NMC years for CINC, the yearly record's otherwise
    (its market-rate GDP ends in 2023)."""
    if index.name == "cinc":
        return sorted(record.capability.years)
    yearly = yearly_record()
    return [y for y in yearly.years if all(yearly.has("gdp_bn", c, y) for c in yearly.actors)]


def reference_stock(yearly: YearlyRecord, codes: list[str], year: int, depreciation: float) -> np.ndarray:
    """The military capability stock of each state in ``year``, built from SIPRI constant-dollar
    spending as the model builds its own: one step a year of dK/dt = m - delta K, starting in the
    record's first year at the steady state under the real GDP growth of its first five years
    (the model's rule at its start: spending grows with the economy)."""
    first = yearly.years[0]
    growth = yearly.series("real_growth", codes, list(range(first, first + 5))).mean(axis=0)
    milex = yearly.series("milex_constant_bn", codes, list(range(first, year + 1)))
    stock = milex[0] / (depreciation + np.log1p(growth))
    for m in milex[1:]:
        stock = stock + m - depreciation * stock
    return stock


def reference_shares(record: Record, year: int, codes: list[str], index: Index) -> np.ndarray:
    """Power shares in ``year`` from observed components, on the scenario's own index.

    For CINC the NMC components are used, with urban population held at its first year's level
    (the NMC series breaks in 2016/17) and military spending standing in for the stock. The
    other indices read the yearly record: World Bank GDP at market rates, IMF PPP GDP, a
    capability stock from SIPRI constant-dollar spending, World Bank population.
    """
    ones = np.array([1.0])
    if index.name == "cinc":
        first = min(record.capability.years)
        rows = record.capability.years[year]
        components = {
            c: np.array([[rows[code][COMPONENT_FIELDS[c]] for code in codes]], dtype=float)
            for c in power.CINC_COMPONENTS
        }
        components["urban_population"] = np.array(
            [[record.capability.years[first][code]["urban_population_m"] for code in codes]], dtype=float
        )
    else:
        yearly = yearly_record()
        components = {
            "gdp_mer": yearly.series("gdp_bn", codes, [year]),
            "gdp_ppp": yearly.series("gdp_ppp_bn", codes, [year]),
            "military": reference_stock(yearly, codes, year, index.depreciation)[None, :],
            "population": yearly.series("population_m", codes, [year]),
        }
    weights = {c: np.array([w]) for c, w in index.weights.items()}
    cap = power.capability(index.name, components, weights, np.zeros(len(codes)), 0 * ones)
    return power.power_shares(cap)[0]


def trend_window(origin: int) -> tuple[int, int]:
    """The years the trend baseline's slope is measured over from an origin: up to the last year
    known there (the one before it), at most ``TREND_YEARS`` back and not before the record's first
    year (the 2014 origin reads 2010-2013, the 2019 origin 2014-2018)."""
    last = origin - 1
    return max(yearly_record().first_year, last - TREND_YEARS), last


def trend_change(record: Record, first: int, last: int, codes: list[str], index: Index) -> np.ndarray:
    """The trend baseline's share change over first..last (pp): the observed change per year over
    ``trend_window(first)``, carried on."""
    a, b = trend_window(first)
    slope = (reference_shares(record, b, codes, index) - reference_shares(record, a, codes, index)) / (b - a)
    return 100 * slope * (last - first)


def at(table: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Rows at the last recorded date on or before ``day``."""
    dates = pd.DatetimeIndex(sorted(table["date"].unique()))
    stamp = dates[dates.searchsorted(pd.Timestamp(day), side="right") - 1]
    return table[table["date"] == stamp]


def dyad_series(table: pd.DataFrame, dyad: str, day: dt.date, column: str) -> pd.Series:
    a, b = Dyad.parse(dyad).canonical()
    rows = at(table, day)
    return rows[(rows["actor_a"] == a) & (rows["actor_b"] == b)].set_index("replicate")[column]


def holds(check: Check, value: Any) -> Any:
    """Whether a check's measure meets its expectation: the level at the end for a sign check, the change
    for a direction check, the ratio end/start for trade (works on numbers and on series of worlds)."""
    if check.kind == "alignment_sign":
        return value < 0 if check.expected == "hostile" else value > 0
    if check.kind == "alignment_change":
        return (value if check.expected == "warmer" else -value) >= check.threshold
    return value >= check.threshold if check.expected == "up" else value <= 1 / check.threshold


def measure(check: Check, alignment: pd.DataFrame) -> tuple[pd.Series, float]:
    """A check's measure in every world, and what persistence (nothing changes after the start) gives."""
    column = "trade" if check.kind == "trade_change" else "alignment"
    end = dyad_series(alignment, check.dyad, check.end, column)
    if check.kind == "alignment_sign":
        return end, float(dyad_series(alignment, check.dyad, alignment["date"].min().date(), column).median())
    start = dyad_series(alignment, check.dyad, check.start, column)
    return (end - start, 0.0) if check.kind == "alignment_change" else (end / start, 1.0)


def score_check(check: Check, alignment: pd.DataFrame) -> dict[str, Any]:
    """The median world's measure for one check, whether it passes, and whether persistence would."""
    values, persistence = measure(check, alignment)
    simulated = float(values.median())
    return {
        "name": check.name,
        "kind": check.kind,
        "dyad": check.dyad,
        "from": check.start.isoformat(),
        "to": check.end.isoformat(),
        "expected": check.expected,
        "threshold": check.threshold,
        "simulated": round(simulated, 4),
        "worlds_agreeing": round(float(holds(check, values).mean()), 3),
        "ok": bool(holds(check, simulated)),
        "baseline_ok": bool(holds(check, persistence)),
        "source": check.source,
    }


def capability_errors(
    record: Record, trajectories: pd.DataFrame, codes: list[str], index: Index, years: tuple[int, int]
) -> dict[str, Any]:
    """Mean absolute error (percentage points) of each state's share change over ``years``: the model's
    median change against the record's, persistence's (no change) and the trend baseline's."""
    first, last = years
    observed = 100 * (reference_shares(record, last, codes, index) - reference_shares(record, first, codes, index))
    trend = trend_change(record, first, last, codes, index) if index.name != "cinc" else None
    begin = at(trajectories, dt.date(first, 1, 1)).set_index(["replicate", "actor"])["power_share"]
    end = at(trajectories, dt.date(last, 1, 1)).set_index(["replicate", "actor"])["power_share"]
    change = (100 * (end - begin)).groupby("actor").median()
    simulated = np.array([change[c] for c in codes])
    return {
        "years": f"{first}-{last}",
        "capability_share_mae": round(float(np.mean(np.abs(simulated - observed))), 4),
        "baseline_capability_share_mae": round(float(np.mean(np.abs(observed))), 4),
        "trend_capability_share_mae": None if trend is None else round(float(np.mean(np.abs(trend - observed))), 4),
        "observed_change_pp": {c: round(float(v), 3) for c, v in zip(codes, observed, strict=True)},
        "simulated_change_pp": {c: round(float(v), 3) for c, v in zip(codes, simulated, strict=True)},
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    return {
        "checks": n,
        "hit_rate": round(sum(r["ok"] for r in rows) / n, 4) if n else None,
        "baseline_hit_rate": round(sum(r["baseline_ok"] for r in rows) / n, 4) if n else None,
    }


def capability_periods(record: Record, index: Index) -> dict[str, tuple[int, int]]:
    """The years capability shares are scored over: start to the calibration's end, from there to the
    last observed year, and the whole replay."""
    start, split = record.periods["calibration"].start.year, record.periods["calibration"].end.year
    last = max(y for y in reference_years(record, index) if y <= record.periods["validation"].end.year)
    return {"calibration": (start, split), "validation": (split, last), "whole": (start, last)}


def scorecard(record: Record, tables: dict[str, pd.DataFrame], codes: list[str], index: Index) -> dict[str, Any]:
    """Every check scored, summarised for the whole replay and for each period."""
    rows = [{**score_check(c, tables["alignment"]), "period": period_of(c, record)} for c in record.checks]
    capability = {
        k: capability_errors(record, tables["trajectories"], codes, index, y)
        for k, y in capability_periods(record, index).items()
    }
    periods = {
        name: {**summary([r for r in rows if r["period"] == name]), **capability[name]} for name in (*PERIODS, "whole")
    }
    periods["whole"].update({"note": "trade checks: no 2019 trade figures exist, so they span 2014-2024"})
    return {
        **summary(rows),
        "capability_share_mae": capability["whole"]["capability_share_mae"],
        "baseline_capability_share_mae": capability["whole"]["baseline_capability_share_mae"],
        "trend_capability_share_mae": capability["whole"]["trend_capability_share_mae"],
        "index": index.name,
        "periods": periods,
        "checks": rows,
    }


def replay(
    posterior: Posterior | None,
    replicates: int,
    seed: int,
    workers: int = 1,
    quiet: bool = True,
    overrides: tuple[str, ...] = (),
) -> Results:
    """The replay ensemble, each world's parameters drawn from the posterior (or the defaults);
    ``overrides`` (``--set`` assignments) win over the posterior."""
    check_seed(seed)
    scenario = load_scenario(SCENARIO, overrides)
    return run_ensemble(
        scenario, replicates, seed, overrides=overrides, workers=workers, quiet=quiet, posterior=posterior
    )


def score(results: Results, record: Record | None = None) -> dict[str, Any]:
    """The scorecard of a replay ensemble, with what it was run with."""
    record = record or read_record()
    scenario = results.scenario
    card = scorecard(record, results.tables, scenario.actors.codes, Index.of(scenario))
    return {
        "scenario": scenario.name,
        "replicates": results.replicates,
        "seed": results.seed,
        "parameters": describe(results.parameter_set),
        **card,
    }


def write_replay(results: Results, card: dict[str, Any], out: Path, extras: Extras | None = None) -> None:
    """The replay's results folder (tables) with its scorecard.json; ``extras`` adds files to the staging
    folder (the command line's charts, the hindcasts' scores), so they appear with the rest or not at all."""

    def with_card(folder: Path, meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
        (folder / "scorecard.json").write_text(json.dumps(card, indent=2) + "\n")
        if extras is not None:
            extras(folder, meta, tables)

    write_results(results, out, "parquet", with_card)


def text(card: dict[str, Any]) -> str:
    """The scorecard for a terminal: each check (model and persistence), then each period's summary."""
    lines = [f"Replay {card['scenario']}: {card['replicates']} replicates, seed {card['seed']}", ""]
    for check in card["checks"]:
        mark = "ok  " if check["ok"] else "MISS"
        base = "ok  " if check["baseline_ok"] else "miss"
        lines.append(f"{mark} (persistence {base}) {check['period']:11s} {check['name']}  [{check['simulated']:+.3f}]")
    lines.append("")
    for name, p in card["periods"].items():
        rate = "—" if p["hit_rate"] is None else f"{p['hit_rate']:.0%}"
        base = "—" if p["baseline_hit_rate"] is None else f"{p['baseline_hit_rate']:.0%}"
        trend = p["trend_capability_share_mae"]
        lines.append(
            f"{name:11s} checks {p['checks']:2d}: hit rate {rate} (persistence {base}); {card['index']} share change "
            f"{p['years']}: MAE {p['capability_share_mae']:.2f} pp "
            f"(persistence {p['baseline_capability_share_mae']:.2f} pp"
            + ("" if trend is None else f", trend {trend:.2f} pp")
            + ")"
        )
    return "\n".join(lines)


def measure_text(check: dict[str, Any]) -> str:
    """A check's median measure as a reader expects it: a level, a change, or a trade ratio."""
    value = check["simulated"]
    if check["kind"] == "trade_change":
        return f"×{value:.2f}"
    return f"{value:+.3f}" + (" change" if check["kind"] == "alignment_change" else " level")


def markdown(card: dict[str, Any]) -> str:
    """The scorecard as the Markdown tables docs/explanation/validation.md shows (a test keeps them equal)."""
    lines = [
        f"Power index: `{card['index']}`.",
        "",
        "| period | checks | hit rate | persistence | share years | share-change MAE (pp) | persistence (pp) "
        "| trend (pp) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, p in card["periods"].items():
        trend = "—" if p["trend_capability_share_mae"] is None else f"{p['trend_capability_share_mae']:.2f}"
        lines.append(
            f"| {name} | {p['checks']} | {p['hit_rate']:.0%} | {p['baseline_hit_rate']:.0%} | {p['years']} "
            f"| {p['capability_share_mae']:.2f} | {p['baseline_capability_share_mae']:.2f} | {trend} |"
        )
    lines += [
        "",
        "| period | check | median world | worlds agreeing | model | persistence |",
        "|---|---|---|---|---|---|",
    ]
    for c in card["checks"]:
        mark = {True: "hit", False: "miss"}
        lines.append(
            f"| {c['period']} | {c['name']} | {measure_text(c)} | {c['worlds_agreeing']:.0%} "
            f"| {mark[c['ok']]} | {mark[c['baseline_ok']]} |"
        )
    return "\n".join(lines) + "\n"
