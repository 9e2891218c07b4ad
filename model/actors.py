"""Actor sets: the states, their sourced start-year figures, alignments and trade.

An actor set is a YAML file (``model/data/<name>.yaml``) in which every figure carries its
source. Any number of actors can be loaded the same way; :func:`synthetic_actor_set` builds
larger sets for tests and scaling benchmarks.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from powershift.model.dyads import Dyad
from powershift.model.files import DATA_DIR, InputError, field_error, first_error, plain, read_mapping
from powershift.model.parameters import StrictModel

DEFAULT_ACTOR_SET = "five-2024"

POLICY_NAMES = (
    "threat_sensitivity",
    "economic_pragmatism",
    "hedging",
    "rival_reactivity",
    "sanctions_compliance",
    "inertia",
)
POLICY_BOUNDS = {
    "threat_sensitivity": (0.0, 2.0),
    "economic_pragmatism": (0.0, 2.0),
    "hedging": (0.0, 2.0),
    "rival_reactivity": (0.0, 2.0),
    "sanctions_compliance": (0.0, 1.0),
    "inertia": (0.0, 0.95),
}


def check_policy(policy: dict[str, float]) -> dict[str, float]:
    """Policy overrides must name known policies and stay within their bounds."""
    for name, value in policy.items():
        if name not in POLICY_BOUNDS:
            raise ValueError(f"unknown policy {name!r}; known: {', '.join(POLICY_BOUNDS)}")
        low, high = POLICY_BOUNDS[name]
        if not low <= value <= high:
            raise ValueError(f"policy {name} must be within [{low}, {high}], got {plain(value)}")
    return policy


class Figure(StrictModel):
    value: float
    year: int | str | None = None
    source: str = Field(min_length=3)
    note: str | None = None


GROWTH_BOUNDS = (-0.2, 0.3)  # real GDP growth, yearly fraction
TREND_YEARS = 5  # ActorSet.growth: mean of the first five forecast years


class GrowthForecast(StrictModel):
    """A real-GDP growth forecast by calendar year, as yearly fractions (0.02725 = 2.725 %).

    Beyond the last year the model holds the last value (WEO convention: the last horizon is the
    medium-term rate); before the first year it holds the first value.
    """

    vintage: str = Field(min_length=3)
    values: dict[int, float] = Field(min_length=1)
    source: str = Field(min_length=3)
    note: str | None = None

    @field_validator("values")
    @classmethod
    def _fractions(cls, values: dict[int, float]) -> dict[int, float]:
        low, high = GROWTH_BOUNDS
        for year, value in values.items():
            if not low <= value <= high:
                raise ValueError(
                    f"growth for {year} must be a yearly fraction within [{low}, {high}], got {plain(value)}"
                )
        return dict(sorted(values.items()))


SIZE_FIELDS = {
    "gdp_bn": "USD bn",
    "gdp_ppp_bn": "international USD bn",
    "milex_bn": "USD bn",
    "milper_k": "thousand personnel",
    "population_m": "million people",
    "urban_population_m": "million people",
    "energy_mtce": "Mt coal equivalent",
    "iron_steel_mt": "Mt",
}
SIZE_BOUNDS = (0.001, 1e6)
"""Every size figure of an actor (and each population projection value), in its own unit (USD bn, thousand
troops, million people, Mt): at least 0.001 (USD 1 million, a thousand people, a kilotonne), below every
real state's figures, so shares and logs of shares stay well inside double precision (at 1e-100 the power
shares are NaN); at most 1e6 (USD 1,000 trillion, ten times the world's GDP; a trillion people)."""
TRADE_MAX_BN = 1e5
"""Yearly exports from one actor to another, USD bn: at most 100 trillion, three times world trade."""


class PopulationProjection(StrictModel):
    """Population by year (millions). The model uses only the ratios P(year) / P(first year)."""

    values: dict[int, float] = Field(min_length=1)
    source: str = Field(min_length=3)
    note: str | None = None

    @field_validator("values")
    @classmethod
    def _in_range(cls, values: dict[int, float]) -> dict[int, float]:
        low, high = SIZE_BOUNDS
        for year, value in values.items():
            if not low <= value <= high:
                raise ValueError(
                    f"population for {year} must be from {low:g} to {high:,.0f} million, got {plain(value)}"
                )
        return dict(sorted(values.items()))


class Flag(StrictModel):
    value: bool
    source: str = Field(min_length=3)
    note: str | None = None


class Judgement(StrictModel):
    """A policy parameter: a modelling judgement, so it carries its reasoning instead of a source."""

    value: float
    note: str = Field(min_length=3)
    source: str | None = None


class Policy(StrictModel):
    threat_sensitivity: Judgement
    economic_pragmatism: Judgement
    hedging: Judgement
    rival_reactivity: Judgement
    sanctions_compliance: Judgement
    inertia: Judgement

    @model_validator(mode="after")
    def _in_bounds(self) -> Policy:
        for name, (low, high) in POLICY_BOUNDS.items():
            value = getattr(self, name).value
            if not low <= value <= high:
                raise ValueError(f"{name} must be within [{low}, {high}], got {plain(value)}")
        return self


class Actor(StrictModel):
    name: str
    gdp_bn: Figure
    gdp_ppp_bn: Figure
    milex_bn: Figure
    milper_k: Figure
    population_m: Figure
    urban_population_m: Figure
    energy_mtce: Figure
    iron_steel_mt: Figure
    cinc: Figure | None = None
    growth_forecast: GrowthForecast
    growth_uncertainty: Figure
    exchange_uncertainty: Figure
    population_projection: PopulationProjection
    nuclear: Flag
    stability: Figure
    policy: Policy

    @model_validator(mode="after")
    def _in_range(self) -> Actor:
        low, high = SIZE_BOUNDS
        for name, unit in SIZE_FIELDS.items():
            value = getattr(self, name).value
            if not low <= value <= high:
                raise field_error(f"{name}.value", f"a size from {low:g} to {high:,.0f} {unit}", value)
        if self.cinc is not None and not 0 <= self.cinc.value <= 1:
            raise field_error("cinc.value", "a share of the world within [0, 1]", self.cinc.value)
        if not 0 <= self.stability.value <= 1:
            raise ValueError("stability must be within [0, 1]")
        if not 0 <= self.growth_uncertainty.value <= 0.1:
            raise ValueError("growth_uncertainty must be a yearly fraction within [0, 0.1]")
        if not 0 <= self.exchange_uncertainty.value <= 0.5:
            expected = "a yearly s.d. of the log real exchange rate within [0, 0.5]"
            raise field_error("exchange_uncertainty.value", expected, self.exchange_uncertainty.value)
        return self


class AlignmentEntry(StrictModel):
    pair: tuple[str, str]
    value: float = Field(ge=-1, le=1)
    justification: str = Field(min_length=10)
    sources: list[str] = Field(min_length=1)


class TradeEntry(StrictModel):
    pair: tuple[str, str]
    a_to_b_bn: float = Field(ge=0, le=TRADE_MAX_BN)
    b_to_a_bn: float = Field(ge=0, le=TRADE_MAX_BN)
    period: str | None = None
    source: str = Field(min_length=3)
    note: str | None = None


class SanctionsEntry(StrictModel):
    """Sanctions already in force in the start year: their effect is part of the start-year trade."""

    by: str
    target: str
    level: float = Field(gt=0, le=1)
    since: str | None = None
    source: str = Field(min_length=3)
    note: str | None = None


class ActorSetFile(StrictModel):
    name: str
    year: int
    description: str
    actors: dict[str, Actor] = Field(min_length=2)
    alignments: list[AlignmentEntry]
    trade: list[TradeEntry] = []
    sanctions: list[SanctionsEntry] = []

    @field_validator("actors")
    @classmethod
    def _codes(cls, actors: dict[str, Actor]) -> dict[str, Actor]:
        for code in actors:
            if not code.isalnum() or not code.isupper():
                raise ValueError(f"actor code {code!r} must be upper-case letters or digits")
        return actors

    @model_validator(mode="after")
    def _complete(self) -> ActorSetFile:
        codes = set(self.actors)
        seen: set[frozenset[str]] = set()
        for entry in [*self.alignments, *self.trade]:
            unknown = [c for c in entry.pair if c not in codes]
            if unknown or entry.pair[0] == entry.pair[1]:
                raise ValueError(f"pair {list(entry.pair)} must name two different actors of this set")
        for sanction in self.sanctions:
            if sanction.by not in codes or sanction.target not in codes or sanction.by == sanction.target:
                raise ValueError(f"sanctions {sanction.by} -> {sanction.target} must name two different actors")
        for entry in self.alignments:
            key = frozenset(entry.pair)
            if key in seen:
                raise ValueError(f"alignment for {sorted(key)} given twice")
            seen.add(key)
        missing = [str(d) for d in Dyad.every(codes) if frozenset(d) not in seen]
        if missing:
            raise ValueError(f"alignments missing for {', '.join(missing[:5])}")
        return self


class ActorSet:
    """Start-year arrays for N actors, in the file's order (the model's actor index)."""

    def __init__(self, spec: ActorSetFile, source: str) -> None:
        self.spec = spec
        self.source = source
        self.codes: list[str] = list(spec.actors)
        n = len(self.codes)
        index = {c: i for i, c in enumerate(self.codes)}
        actors = [spec.actors[c] for c in self.codes]

        def column(name: str) -> np.ndarray:
            return np.array([getattr(a, name).value for a in actors], dtype=float)

        self.gdp = column("gdp_bn")
        self.gdp_ppp = column("gdp_ppp_bn")
        self.milex = column("milex_bn")
        self.milper = column("milper_k")
        self.population = column("population_m")
        self.urban_population = column("urban_population_m")
        self.energy = column("energy_mtce")
        self.industry = column("iron_steel_mt")
        self.growth_sd = column("growth_uncertainty")
        self.exchange_sd = column("exchange_uncertainty")  # yearly s.d. of the log real exchange rate's walk
        forecasts = [a.growth_forecast.values for a in actors]
        # trend growth: the mean of the first five forecast years (fewer if fewer are given)
        self.growth = np.array([np.mean(list(f.values())[:TREND_YEARS]) for f in forecasts], dtype=float)
        self._growth_years, self._growth_table = _held_table(forecasts)
        self._population = _PopulationPaths([a.population_projection.values for a in actors])
        self.stability = column("stability")
        self.nuclear = np.array([a.nuclear.value for a in actors], dtype=float)
        self.cinc = np.array([a.cinc.value if a.cinc else np.nan for a in actors])
        self.policy = {p: np.array([getattr(a.policy, p).value for a in actors]) for p in POLICY_NAMES}
        self.alignment = np.zeros((n, n))
        for entry in spec.alignments:
            i, j = index[entry.pair[0]], index[entry.pair[1]]
            self.alignment[i, j] = self.alignment[j, i] = entry.value
        self.trade = np.zeros((n, n))  # trade[i, j]: exports from i to j, USD bn per year
        for entry in spec.trade:
            i, j = index[entry.pair[0]], index[entry.pair[1]]
            self.trade[i, j] = entry.a_to_b_bn
            self.trade[j, i] = entry.b_to_a_bn
        self.sanctions = np.zeros((n, n))  # sanctions[i, j]: in force by i on j at the start, 0..1
        for sanction in spec.sanctions:
            self.sanctions[index[sanction.by], index[sanction.target]] = sanction.level

    @property
    def n(self) -> int:
        return len(self.codes)

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def growth_path(self, years: np.ndarray) -> np.ndarray:
        """Forecast real growth (yearly fraction) for calendar years, shape (len(years), N).

        Years are floored to whole calendar years. Before an actor's first forecast year its first
        value holds, after its last year its last value (the WEO's medium-term rate); a year
        missing inside the forecast takes the latest earlier value.
        """
        whole = np.floor(np.asarray(years, dtype=float)).astype(int).reshape(-1)
        row = np.clip(whole - self._growth_years[0], 0, len(self._growth_years) - 1)
        return self._growth_table[row]

    def population_path(self, years: np.ndarray) -> np.ndarray:
        """Population relative to each actor's first projection year, P(t) / P(first), shape (len(years), N).

        Convention: t is model time in calendar years and the value keyed year y holds at the
        start of year y (t = y), so t = 2024.25 lies a quarter of the way from the 2024 value to
        the 2025 value. Between given years the path is linear; beyond the last year it grows
        geometrically at the last year's rate, before the first year at the first year's rate
        (an actor with a single value is flat).
        """
        return self._population(np.asarray(years, dtype=float).reshape(-1))


def _held_table(paths: list[dict[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Whole years spanning every path, and (years, N) values held constant outside and across gaps."""
    first = min(min(p) for p in paths)
    last = max(max(p) for p in paths)
    years = np.arange(first, last + 1)
    table = np.empty((len(years), len(paths)))
    for i, path in enumerate(paths):
        keys = np.array(list(path))
        values = np.array(list(path.values()), dtype=float)
        at = np.clip(np.searchsorted(keys, years, side="right") - 1, 0, len(keys) - 1)
        table[:, i] = values[at]
    return years, table


class _PopulationPaths:
    """Vectorised P(t) / P(first year) for N actors (see ActorSet.population_path)."""

    def __init__(self, paths: list[dict[int, float]]) -> None:
        n = len(paths)
        self.first = np.array([min(p) for p in paths], dtype=float)
        self.last = np.array([max(p) for p in paths], dtype=float)
        self.rate_first = np.zeros(n)  # log growth per year before the first year
        self.rate_last = np.zeros(n)  # log growth per year after the last year
        start = int(self.first.min())
        self.grid = np.arange(start, int(self.last.max()) + 1, dtype=float)
        self.table = np.empty((len(self.grid), n))  # ratios on whole years, linear between given years
        for i, path in enumerate(paths):
            keys = np.array(list(path), dtype=float)
            ratio = np.array(list(path.values()), dtype=float) / path[min(path)]
            if len(keys) > 1:
                self.rate_first[i] = np.log(ratio[1] / ratio[0]) / (keys[1] - keys[0])
                self.rate_last[i] = np.log(ratio[-1] / ratio[-2]) / (keys[-1] - keys[-2])
            self.table[:, i] = np.interp(self.grid, keys, ratio)
        self.columns = np.arange(n)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = t[:, None]
        inside = np.clip(t, self.first, self.last)  # (T, N)
        position = np.clip(inside - self.grid[0], 0, len(self.grid) - 1)
        low = np.minimum(np.floor(position).astype(int), len(self.grid) - 1)
        high = np.minimum(low + 1, len(self.grid) - 1)
        weight = position - low
        base = (1 - weight) * self.table[low, self.columns] + weight * self.table[high, self.columns]
        after = np.maximum(t - self.last, 0)
        before = np.minimum(t - self.first, 0)
        return base * np.exp(self.rate_last * after + self.rate_first * before)


def resolve_actor_set_path(name_or_path: str) -> Path:
    """A bare name refers to ``model/data/<name>.yaml``; anything else is a path."""
    candidate = DATA_DIR / f"{name_or_path}.yaml"
    return candidate if candidate.is_file() else Path(name_or_path)


def load_actor_set(name_or_path: str = DEFAULT_ACTOR_SET) -> ActorSet:
    path = resolve_actor_set_path(name_or_path)
    raw = read_mapping(path)
    try:
        spec = ActorSetFile.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, path) from None
    return ActorSet(spec, str(path))


def synthetic_actor_set(n: int, seed: int = 0) -> ActorSet:
    """A random but well-formed actor set of n states, for tests and scaling benchmarks."""
    if n < 2:
        raise InputError("(synthetic)", "n", "at least 2 actors")
    rng = np.random.default_rng(seed)
    # the fields added for the real economy draw from their own stream, so the rest of a synthetic
    # set (sizes, alignments, trade) is what it was before they existed
    extra = np.random.default_rng([seed, 1])
    codes = [f"S{i:03d}" for i in range(n)]
    actors = {code: _synthetic_actor(code, rng, extra) for code in codes}
    alignments, trade = _synthetic_pairs(codes, actors, rng)
    spec = ActorSetFile.model_validate(
        {
            "name": f"synthetic-{n}",
            "year": 2024,
            "description": "synthetic",
            "actors": actors,
            "alignments": alignments,
            "trade": trade,
        }
    )
    return ActorSet(spec, f"synthetic-{n}")


SYNTHETIC = "synthetic"  # the source, vintage and note of every synthetic figure


def _synthetic_figure(value: float) -> dict:
    """A figure as the actor-set file writes it: every value carries its source, even a made-up one."""
    return {"value": float(value), "source": SYNTHETIC}


def _synthetic_actor(code: str, rng: np.random.Generator, extra: np.random.Generator) -> dict:
    """One state's entry, every figure scaled from one lognormal size so that the state is self-consistent
    (a large economy has a large army and population); the draws from ``rng`` and ``extra`` come in a fixed
    order, so a seed always gives the same set."""
    src, fig = SYNTHETIC, _synthetic_figure
    size = rng.lognormal(0, 1.2)
    gdp = 200 * size
    return {
        "name": f"State {code}",
        "gdp_bn": fig(gdp),
        "gdp_ppp_bn": fig(gdp * extra.uniform(1, 3)),
        "milex_bn": fig(5 * size * rng.uniform(0.5, 2)),
        "milper_k": fig(100 * size**0.5),
        "population_m": fig(50 * size**0.7),
        "urban_population_m": fig(25 * size**0.7),
        "energy_mtce": fig(80 * size),
        "iron_steel_mt": fig(10 * size),
        "growth_forecast": {
            "vintage": src,
            "values": _synthetic_growth(rng.uniform(0.0, 0.06), extra),
            "source": src,
        },
        "growth_uncertainty": fig(0.01),
        "exchange_uncertainty": fig(0.0),  # no exchange-rate walk: synthetic runs are as before it existed
        "population_projection": {"values": _synthetic_population(extra), "source": src},
        "nuclear": {"value": bool(rng.random() < 0.2), "source": src},
        "stability": fig(rng.uniform(0.4, 0.95)),
        "policy": {
            p: {"value": float(rng.uniform(low, min(high, 1.0))), "note": src}
            for p, (low, high) in POLICY_BOUNDS.items()
        },
    }


def _synthetic_pairs(codes: list[str], actors: dict[str, dict], rng: np.random.Generator) -> tuple[list, list]:
    """Alignments and trade for every pair. Alignments come from latent 2-d positions, so that they cohere
    (friends of friends lean together) as real ones do, rather than being independent noise; trade scales
    with the product of the two economies, as a gravity model would have it."""
    src = SYNTHETIC
    latent = rng.normal(size=(len(codes), 2))
    alignments, trade = [], []
    for i, j in combinations(range(len(codes)), 2):
        value = np.tanh(latent[i] @ latent[j] / 2 + rng.normal(0, 0.2))
        alignments.append(
            {"pair": [codes[i], codes[j]], "value": float(value), "justification": "synthetic pair", "sources": [src]}
        )
        base = actors[codes[i]]["gdp_bn"]["value"] * actors[codes[j]]["gdp_bn"]["value"]
        trade.append(
            {
                "pair": [codes[i], codes[j]],
                "a_to_b_bn": float(1e-4 * base * rng.uniform(0.5, 1.5)),
                "b_to_a_bn": float(1e-4 * base * rng.uniform(0.5, 1.5)),
                "source": src,
            }
        )
    return alignments, trade


def _synthetic_growth(first: float, rng: np.random.Generator) -> dict[int, float]:
    """A one- or two-year forecast from 2024; the second year drifts a little from the first."""
    values = {2024: float(first)}
    if rng.random() < 0.5:
        values[2025] = float(np.clip(first + rng.normal(0, 0.005), *GROWTH_BOUNDS))
    return values


def _synthetic_population(rng: np.random.Generator) -> dict[int, float]:
    """A flat-ish path: 100 m in 2024 changing by -0.5 % .. +1.5 % a year over ten years."""
    rate = rng.uniform(-0.005, 0.015)
    return {2024 + k: float(100 * (1 + rate) ** k) for k in range(11)}
