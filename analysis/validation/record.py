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

Besides the headline-index series, the record holds, per state, the Bailey-Strezhnev-Voeten UN
General Assembly ideal points (final-passage votes ``un_ideal_point``, all votes
``un_ideal_point_all``) and the COW National Material Capabilities v7.0 components (``nmc_*``,
which end in 2022, so 2023-2024 are gaps). Distances between ideal points are derived, never
stored: :meth:`YearlyRecord.un_distance`.

A few figures belong to a pair of states, not to one: bilateral goods trade. They sit in the
optional per-dyad part, under the same rules: ``dyad_indicators`` (unit, note, reference row),
``dyad_sources`` (the usual source text, optional when ``other`` lists every figure with its own,
and ``left_out``: every reference row not used, with its exact period, value and source and why),
``dyads`` (``{"PAK-RUS": {"trade_bn": {2014: 0.473}}}``) and ``dyad_gaps``. A dyad key is two
different actors of the record in alphabetical order joined by "-" (``PAK-RUS``, not
``RUS-PAK``; the order facts.csv uses for its trade rows); every pair of actors needs a value or
a gap entry for every year. The reading methods (:meth:`YearlyRecord.trade`,
:meth:`YearlyRecord.un_distance`) take a dyad in either order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, Strict, StringConstraints, ValidationError, model_validator

from powershift.model.dyads import Dyad
from powershift.model.files import DATA_DIR, InputError, first_error, read_mapping
from powershift.model.parameters import StrictModel

RECORD = DATA_DIR / "record-2010-2024.yaml"

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Year = Annotated[int, Field(ge=1800, le=2200)]
Value = Annotated[float, Strict()]  # a YAML number; a quoted string or a boolean is refused


class Reference(StrictModel):
    """Where an indicator's figures come from: value = reference value x 10**power_of_ten."""

    file: Literal["facts.csv", "macro.csv"]
    indicator: Text
    power_of_ten: int = Field(ge=-12, le=12)


class Indicator(StrictModel):
    unit: Text
    note: Text
    reference: Reference
    allow_negative: bool = Field(False, description="growth rates may be negative; levels may not")


class OtherSource(StrictModel):
    """Figures whose source text differs from the indicator's usual one."""

    text: Text
    figures: dict[Code, list[Year]] = Field(min_length=1)
    estimate: bool = Field(False, description="the source marks these figures as estimates")


class Sources(StrictModel):
    text: Text = Field(description="the source of every figure not listed under `other`")
    other: list[OtherSource] = []


class Gap(StrictModel):
    indicator: Name
    actors: list[Code] = Field(min_length=1)
    years: list[Year] = Field(min_length=1)
    note: Text


class DyadOtherSource(StrictModel):
    """Dyad figures whose source text differs from the dyad indicator's usual one."""

    text: Text
    figures: dict[str, list[Year]] = Field(min_length=1, description="dyad key: years")


class LeftOut(StrictModel):
    """A reference row deliberately not used, copied as it stands (period, value, source) with the reason."""

    dyad: str
    period: Text = Field(description="the reference row's year cell, exactly")
    value: Text = Field(description="the reference row's value cell, exactly")
    source: Text
    why: Text


class DyadSources(StrictModel):
    text: Text | None = Field(
        None, description="the source of every dyad figure not listed under `other`; none if all are listed"
    )
    other: list[DyadOtherSource] = []
    left_out: list[LeftOut] = []


class DyadGap(StrictModel):
    indicator: Name
    dyads: list[str] = Field(min_length=1)
    years: list[Year] = Field(min_length=1)
    note: Text


UN_IDEAL_POINTS = ("un_ideal_point", "un_ideal_point_all")


class RecordError(ValueError):
    """A cross-field problem, raised inside validation and reported as ``field: expected``."""

    def __init__(self, field: str, expected: str) -> None:
        self.field = field
        self.expected = expected
        super().__init__(f"{field}: {expected}")


class YearlyRecord(StrictModel):
    name: Text
    description: Text
    first_year: Year
    last_year: Year
    indicators: dict[Name, Indicator] = Field(min_length=1)
    sources: dict[Name, Sources]
    values: dict[Code, dict[Name, dict[Year, Value]]] = Field(min_length=1)
    gaps: list[Gap] = []
    caveats: list[Text] = []
    dyad_indicators: dict[Name, Indicator] = {}
    dyad_sources: dict[Name, DyadSources] = {}
    dyads: dict[str, dict[Name, dict[Year, Value]]] = {}
    dyad_gaps: list[DyadGap] = []

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
        self._check_dyads()
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

    def _dyad_names(self) -> str:
        return ", ".join(self.dyad_indicators) or "none"

    def _check_dyad_key(self, where: str, key: str) -> None:
        actors = ", ".join(self.values)
        expected = f"a dyad key: two different actors of the record ({actors}) in alphabetical order, joined by '-'"
        try:
            dyad = Dyad.parse(key, self.values)
        except ValueError:
            raise RecordError(where, f"{expected}, got {key!r}") from None
        if dyad != dyad.canonical():
            raise RecordError(where, f"{expected} ({dyad.canonical()}), got {key!r}")

    def _check_dyads(self) -> None:
        for name in self.dyad_indicators:
            if name not in self.dyad_sources:
                raise RecordError(f"dyad_sources.{name}", "a source for every dyad indicator")
        for name, sources in self.dyad_sources.items():
            if name not in self.dyad_indicators:
                where = f"dyad_sources.{name}"
                raise RecordError(where, f"an indicator listed under dyad_indicators ({self._dyad_names()})")
            for i, row in enumerate(sources.left_out):
                self._check_dyad_key(f"dyad_sources.{name}.left_out.{i}.dyad", row.dyad)
        for key, by_indicator in self.dyads.items():
            self._check_dyad_key(f"dyads.{key}", key)
            for name, by_year in by_indicator.items():
                where = f"dyads.{key}.{name}"
                if name not in self.dyad_indicators:
                    raise RecordError(where, f"an indicator listed under dyad_indicators ({self._dyad_names()})")
                for year, value in by_year.items():
                    if not self.first_year <= year <= self.last_year:
                        raise RecordError(f"{where}.{year}", f"a year in {self.first_year}..{self.last_year}")
                    if value <= 0 and not self.dyad_indicators[name].allow_negative:
                        raise RecordError(f"{where}.{year}", "a positive number")
        for name, sources in self.dyad_sources.items():
            seen: set[tuple[str, int]] = set()
            for i, other in enumerate(sources.other):
                for key, years in other.figures.items():
                    where = f"dyad_sources.{name}.other.{i}.figures.{key}"
                    self._check_dyad_key(where, key)
                    for year in years:
                        if not self._has_dyad(name, key, year):
                            raise RecordError(where, f"figures that have a value ({key} {year} has none)")
                        if (key, year) in seen:
                            raise RecordError(where, f"each figure in one source only ({key} {year} is listed twice)")
                        seen.add((key, year))
            if sources.text is None:
                for key, by_indicator in self.dyads.items():
                    for year in by_indicator.get(name, {}):
                        if (key, year) not in seen:
                            where = f"dyad_sources.{name}.other"
                            raise RecordError(where, f"a source for {key} {year} (there is no usual `text`)")
        declared: set[tuple[str, str, int]] = set()
        for i, gap in enumerate(self.dyad_gaps):
            if gap.indicator not in self.dyad_indicators:
                where = f"dyad_gaps.{i}.indicator"
                raise RecordError(where, f"an indicator listed under dyad_indicators ({self._dyad_names()})")
            for key in gap.dyads:
                self._check_dyad_key(f"dyad_gaps.{i}.dyads", key)
                for year in gap.years:
                    if self._has_dyad(gap.indicator, key, year):
                        raise RecordError(f"dyad_gaps.{i}", f"missing figures only ({key} {year} has a value)")
                    declared.add((gap.indicator, key, year))
        for key in self.dyad_keys:
            for name in self.dyad_indicators:
                for year in self.years:
                    if not self._has_dyad(name, key, year) and (name, key, year) not in declared:
                        raise RecordError(f"dyads.{key}.{name}", f"a value for {year}, or an entry under dyad_gaps")

    def _has_dyad(self, indicator: str, key: str, year: int) -> bool:
        return year in self.dyads.get(key, {}).get(indicator, {})

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

    # ---- reading: pairs of states ---------------------------------------------------------------

    @property
    def dyad_keys(self) -> list[str]:
        """Every pair of the record's actors, as the record's keys (alphabetical: "PAK-RUS")."""
        return [str(d) for d in Dyad.every(self.values)]

    def _pair(self, dyad: str) -> Dyad:
        """A dyad in either order ("PAK-RUS" or "RUS-PAK") as its two codes, as given."""
        try:
            pair = Dyad.parse(dyad)
        except ValueError:
            raise ValueError(
                f"a dyad is two different actor codes joined by '-' (e.g. 'PAK-RUS'), got {dyad!r}"
            ) from None
        for code in pair:
            if code not in self.values:
                raise KeyError(f"actor {code!r} is not in the record (it has {', '.join(self.values)})")
        return pair

    def _dyad_key(self, dyad: str) -> str:
        return str(self._pair(dyad).canonical())

    def dyad_gap(self, indicator: str, dyad: str, year: int) -> DyadGap | None:
        """The dyad_gaps entry that explains a missing dyad figure, if any (dyad in either order)."""
        key = self._dyad_key(dyad)
        return next(
            (g for g in self.dyad_gaps if g.indicator == indicator and key in g.dyads and year in g.years), None
        )

    def dyad_value(self, indicator: str, dyad: str, year: int) -> float:
        """One figure of a pair of states (dyad in either order); a KeyError names what is missing."""
        if indicator not in self.dyad_indicators:
            raise KeyError(f"dyad indicator {indicator!r} is not in the record (it has {self._dyad_names()})")
        key = self._dyad_key(dyad)
        by_year = self.dyads.get(key, {}).get(indicator, {})
        if year not in by_year:
            gap = self.dyad_gap(indicator, key, year)
            why = f": {gap.note}" if gap else ""
            raise KeyError(f"no {indicator} for {key} in year {year}{why}")
        return by_year[year]

    def has_dyad(self, indicator: str, dyad: str, year: int) -> bool:
        return self._has_dyad(indicator, self._dyad_key(dyad), year)

    def dyad_source(self, indicator: str, dyad: str, year: int) -> str:
        """The source text of one dyad figure: its own under ``other``, else the indicator's usual one."""
        self.dyad_value(indicator, dyad, year)  # KeyError if the figure does not exist
        key = self._dyad_key(dyad)
        sources = self.dyad_sources[indicator]
        other = next((o for o in sources.other if year in o.figures.get(key, [])), None)
        if other is not None:
            return other.text
        if sources.text is None:  # the validator gives every figure a source, so this cannot happen
            raise KeyError(f"no source for {indicator} {key} {year}")
        return sources.text

    def dyad_frame(self) -> pd.DataFrame:
        """Every dyad figure as a row: columns dyad (alphabetical key), year (int), indicator, value."""
        rows = [
            (key, year, name, value)
            for key, by_indicator in self.dyads.items()
            for name in self.dyad_indicators
            for year, value in sorted(by_indicator.get(name, {}).items())
        ]
        frame = pd.DataFrame(rows, columns=["dyad", "year", "indicator", "value"])
        return frame.astype({"dyad": str, "year": int, "indicator": str, "value": float})

    def trade(self, dyad: str, year: int) -> float:
        """Bilateral goods trade, both directions, current US$ bn (``trade_bn``); dyad in either order.

        Known only for the years the reference has a clean calendar-year figure (every pair in 2014
        from COW Dyadic Trade v4.0, a few pairs in 2021-2024 from national headline figures, which
        are not like-for-like with COW's); any other year raises a KeyError quoting the gap note.
        """
        return self.dyad_value("trade_bn", dyad, year)

    def un_distance(self, dyad: str, year: int, indicator: str = "un_ideal_point") -> float:
        """|ideal point of a - ideal point of b| in ``year``: the UN voting alignment proxy.

        ``dyad`` is two codes in either order ("PAK-RUS" = "RUS-PAK"); ``indicator`` is
        ``un_ideal_point`` (final-passage votes, 2010-2024) or ``un_ideal_point_all`` (all votes,
        ends 2023). Smaller means closer voting. Read changes in a distance, not its level: the
        ideal points place a state on one dimension of UN General Assembly voting, so they measure
        how a state votes on the Assembly's agenda ("Global-South" voting against the US and its
        allies), not bilateral warmth. India and Pakistan, hostile neighbours, sit close together
        in every year (0.149 in 2014, 0.037 in 2019); what tells something is a dyad moving
        together or apart. The distance is computed from the record's 3-decimal point estimates,
        so it can differ by 0.001 from facts.csv's ``UNGA_idealpoint_distance_*`` rows, which were
        computed from unrounded ones. Distances are derived here, never stored.
        """
        if indicator not in UN_IDEAL_POINTS:
            raise ValueError(
                f"un_distance reads an ideal-point indicator ({', '.join(UN_IDEAL_POINTS)}), got {indicator!r}"
            )
        a, b = self._pair(dyad)
        return abs(self.value(indicator, a, year) - self.value(indicator, b, year))


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
