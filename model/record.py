"""The observed yearly record, 2010-2024, that historical replays are scored against.

A replay that starts in 2014 is judged on how the states' power shares *changed*, measured with the
headline index (GDP at market exchange rates, GDP at PPP, a military capability stock built from
constant-price military spending), and it is compared with a "trend" baseline that extrapolates the
four years before the start. Both need one yearly series per state and indicator, taken from a
single source and vintage each, with the source of every figure kept. That is this record:
``data/record-2010-2024.yaml``, validated here.

The file keeps, for each indicator, the reference row it was copied from (``reference``: file,
indicator and the power of ten of the unit change, the only arithmetic) and the exact text of each
figure's source: ``sources.<indicator>.text`` for every figure except those listed under
``other``, which carry their own text (and, for SIPRI, the estimate flag). A year the reference
lacks is left out of ``values`` and must be listed under ``gaps``; the loader refuses a record
with an unexplained hole, a gap that is not one, a figure without a value, NaN, or an unknown
field, reporting ``FILE: field.path: what was expected`` as every other input file does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, StringConstraints, ValidationError, model_validator
from pydantic import Strict as StrictType

from model.files import InputError, first_error, read_mapping
from model.parameters import Strict

RECORD = Path(__file__).parent / "data" / "record-2010-2024.yaml"

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Year = Annotated[int, Field(ge=1800, le=2200)]
Value = Annotated[float, StrictType()]  # a YAML number; a quoted string or a boolean is refused


class Reference(Strict):
    """Where an indicator's figures come from: value = reference value x 10**power_of_ten."""

    file: Literal["facts.csv", "macro.csv"]
    indicator: Text
    power_of_ten: int = Field(ge=-12, le=12)


class Indicator(Strict):
    unit: Text
    note: Text
    reference: Reference
    allow_negative: bool = Field(False, description="growth rates may be negative; levels may not")


class OtherSource(Strict):
    """Figures whose source text differs from the indicator's usual one."""

    text: Text
    figures: dict[Code, list[Year]] = Field(min_length=1)
    estimate: bool = Field(False, description="the source marks these figures as estimates")


class Sources(Strict):
    text: Text = Field(description="the source of every figure not listed under `other`")
    other: list[OtherSource] = []


class Gap(Strict):
    indicator: Name
    actors: list[Code] = Field(min_length=1)
    years: list[Year] = Field(min_length=1)
    note: Text


class RecordError(ValueError):
    """A cross-field problem, raised inside validation and reported as ``field: expected``."""

    def __init__(self, field: str, expected: str) -> None:
        self.field = field
        self.expected = expected
        super().__init__(f"{field}: {expected}")


class YearlyRecord(Strict):
    name: Text
    description: Text
    first_year: Year
    last_year: Year
    indicators: dict[Name, Indicator] = Field(min_length=1)
    sources: dict[Name, Sources]
    values: dict[Code, dict[Name, dict[Year, Value]]] = Field(min_length=1)
    gaps: list[Gap] = []
    caveats: list[Text] = []

    @model_validator(mode="after")
    def _consistent(self) -> YearlyRecord:
        if self.first_year > self.last_year:
            raise RecordError("last_year", f"a year from first_year ({self.first_year}) on")
        for name in self.indicators:
            if name not in self.sources:
                raise RecordError(f"sources.{name}", "a source for every indicator")
        for name in self.sources:
            if name not in self.indicators:
                raise RecordError(f"sources.{name}", f"an indicator listed under indicators ({self._names()})")
        for code, by_indicator in self.values.items():
            for name, by_year in by_indicator.items():
                where = f"values.{code}.{name}"
                if name not in self.indicators:
                    raise RecordError(where, f"an indicator listed under indicators ({self._names()})")
                for year, value in by_year.items():
                    if not self.first_year <= year <= self.last_year:
                        raise RecordError(f"{where}.{year}", f"a year in {self.first_year}..{self.last_year}")
                    if value <= 0 and not self.indicators[name].allow_negative:
                        raise RecordError(f"{where}.{year}", "a positive number")
        self._check_sources()
        self._check_gaps()
        return self

    def _names(self) -> str:
        return ", ".join(self.indicators)

    def _check_sources(self) -> None:
        for name, sources in self.sources.items():
            seen: set[tuple[str, int]] = set()
            for i, other in enumerate(sources.other):
                for code, years in other.figures.items():
                    for year in years:
                        where = f"sources.{name}.other.{i}.figures.{code}"
                        if not self.has(name, code, year):
                            raise RecordError(where, f"figures that have a value ({code} {year} has none)")
                        if (code, year) in seen:
                            raise RecordError(where, f"each figure in one source only ({code} {year} is listed twice)")
                        seen.add((code, year))

    def _check_gaps(self) -> None:
        declared: set[tuple[str, str, int]] = set()
        for i, gap in enumerate(self.gaps):
            if gap.indicator not in self.indicators:
                raise RecordError(f"gaps.{i}.indicator", f"an indicator listed under indicators ({self._names()})")
            for code in gap.actors:
                if code not in self.values:
                    raise RecordError(f"gaps.{i}.actors", f"actors of the record ({', '.join(self.values)})")
                for year in gap.years:
                    if self.has(gap.indicator, code, year):
                        raise RecordError(f"gaps.{i}", f"missing figures only ({code} {year} has a value)")
                    declared.add((gap.indicator, code, year))
        for code in self.values:
            for name in self.indicators:
                for year in self.years:
                    if not self.has(name, code, year) and (name, code, year) not in declared:
                        raise RecordError(f"values.{code}.{name}", f"a value for {year}, or an entry under gaps")

    # ---- reading -------------------------------------------------------------------------------

    @property
    def actors(self) -> list[str]:
        return list(self.values)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def has(self, indicator: str, actor: str, year: int) -> bool:
        return year in self.values.get(actor, {}).get(indicator, {})

    def gap(self, indicator: str, actor: str, year: int) -> Gap | None:
        """The gaps entry that explains a missing figure, if any."""
        return next((g for g in self.gaps if g.indicator == indicator and actor in g.actors and year in g.years), None)

    def value(self, indicator: str, actor: str, year: int) -> float:
        """One figure; a KeyError names what is missing (and the gap note if the record has one)."""
        if indicator not in self.indicators:
            raise KeyError(f"indicator {indicator!r} is not in the record (it has {self._names()})")
        if actor not in self.values:
            raise KeyError(f"actor {actor!r} is not in the record (it has {', '.join(self.values)})")
        by_year = self.values[actor].get(indicator, {})
        if year not in by_year:
            gap = self.gap(indicator, actor, year)
            why = f": {gap.note}" if gap else ""
            raise KeyError(f"no {indicator} for {actor} in year {year}{why}")
        return by_year[year]

    def series(self, indicator: str, codes: list[str], years: list[int]) -> np.ndarray:
        """Values as an array of shape (len(years), len(codes)); KeyError if any figure is missing."""
        out = np.empty((len(years), len(codes)))
        for j, code in enumerate(codes):
            for i, year in enumerate(years):
                out[i, j] = self.value(indicator, code, year)
        return out

    def frame(self) -> pd.DataFrame:
        """Every figure as a row: columns actor, year (int), indicator, value."""
        rows = [
            (code, year, name, value)
            for code, by_indicator in self.values.items()
            for name in self.indicators
            for year, value in sorted(by_indicator.get(name, {}).items())
        ]
        frame = pd.DataFrame(rows, columns=["actor", "year", "indicator", "value"])
        return frame.astype({"actor": str, "year": int, "indicator": str, "value": float})

    def _other(self, indicator: str, actor: str, year: int) -> OtherSource | None:
        return next((o for o in self.sources[indicator].other if year in o.figures.get(actor, [])), None)

    def source(self, indicator: str, actor: str | None = None, year: int | None = None) -> str:
        """The source text: the indicator's usual one, or, given actor and year, that figure's own."""
        if indicator not in self.sources:
            raise KeyError(f"indicator {indicator!r} is not in the record (it has {self._names()})")
        if actor is None and year is None:
            return self.sources[indicator].text
        if actor is None or year is None:
            raise TypeError("source() takes both actor and year, or neither")
        self.value(indicator, actor, year)  # KeyError if the figure does not exist
        other = self._other(indicator, actor, year)
        return other.text if other else self.sources[indicator].text

    def is_estimate(self, indicator: str, actor: str, year: int) -> bool:
        """Whether the figure's source marks it as an estimate (SIPRI's blue cells)."""
        self.value(indicator, actor, year)
        other = self._other(indicator, actor, year)
        return bool(other and other.estimate)


def _input_error(exc: ValidationError, path: Path) -> InputError:
    """Like ``first_error``, but a cross-field RecordError names its own field."""
    err = exc.errors(include_url=False)[0]
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, RecordError):
        return InputError(path, cause.field, cause.expected)
    return first_error(exc, path)


def load_record(path: Path = RECORD) -> YearlyRecord:
    """Read and validate a yearly record; any problem is an InputError naming file and field."""
    path = Path(path)
    raw = read_mapping(path)
    try:
        return YearlyRecord.model_validate(raw)
    except ValidationError as exc:
        raise _input_error(exc, path) from None
