"""Table schemas: the columns and column types of every table of the output contract.

:data:`SCHEMAS` holds the columns each table kind must have in format 1 (tables may hold more);
:func:`sweep_schema` adds the columns a sweep's manifest names. :func:`check_schema` and
:func:`check_column_values` hold a table found on disk, Parquet or CSV alike, to them, so a damaged
or foreign table is refused with one line naming the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from powershift.model.files import InputError

INT, FLOAT, TEXT, TIME, BOOL = pa.int64(), pa.float64(), pa.string(), pa.timestamp("ns"), pa.bool_()
KEYS = [("replicate", INT), ("step", INT), ("date", TIME)]
ACTOR_FLOATS = (
    "capability",
    "power_share",
    "gdp",
    "gdp_ppp",
    "population",
    "milex",
    "military_stock",
    "p_bloc1",
    "flip_cost",
    "stability",
    "tilt",
    "allied_power",
    "gdp_mer_share",
    "gdp_ppp_share",
    "military_share",
    "personnel_share",
    "industry_share",
    "energy_share",
    "population_share",
    "urban_population_share",
)
CONTRIBUTION_COLUMNS = tuple(
    f"contrib_{m}"
    for m in ("threat", "economic", "balance", "rival", "hedging", "ties", "relaxation", "noise", "events")
)
RUN_FLOATS = ("bloc_power_0", "polarity", "first_bloc_switch")
METRIC_FLOATS = ("polarity", "balance_index", "landscape_energy", "bloc_gap", "bloc_power_0", "bloc_power_1", "parity")

SCHEMAS: dict[str, pa.Schema] = {
    "trajectories": pa.schema([*KEYS, ("actor", TEXT), *((c, FLOAT) for c in ACTOR_FLOATS), ("bloc", INT)]),
    "alignment": pa.schema(
        [*KEYS, ("actor_a", TEXT), ("actor_b", TEXT), ("alignment", FLOAT), ("trade", FLOAT)]
        + [(c, FLOAT) for c in CONTRIBUTION_COLUMNS]
    ),
    "metrics": pa.schema([*KEYS, *((c, FLOAT) for c in METRIC_FLOATS)]),
    "events": pa.schema([*KEYS, ("event", TEXT), ("type", TEXT), ("actors", TEXT), ("hypothetical", BOOL)]),
    "event_contributions": pa.schema(
        [*KEYS, ("actor_a", TEXT), ("actor_b", TEXT), ("event", TEXT), ("contribution", FLOAT)]
    ),
    "points": pa.schema([("point", INT)]),
    "runs": pa.schema([("point", INT), ("replicate", INT), ("seed", INT), *((c, FLOAT) for c in RUN_FLOATS)]),
    "series": pa.schema([("scenario", TEXT), ("replicate", INT), ("date", TIME), ("outcome", TEXT), ("value", FLOAT)]),
    "parts": pa.schema([("replicate", INT), ("kind", TEXT), ("name", TEXT), ("value", FLOAT), ("what", TEXT)]),
    "sensitivity": pa.schema(
        [("outcome", TEXT), ("parameter", TEXT), ("index", TEXT), ("value", FLOAT), ("conf", FLOAT)]
    ),
}
"""The columns (and their types) every table of each kind must have in format 1; tables may hold more."""

FRACTION_OUTCOMES = ("share_", "bloc_power", "p_bloc1_")
"""A comparison's outcomes (prefixes) that are fractions of 1: power shares and probabilities."""
SHARE_UNIT = "fraction"
"""What a comparison's manifest says its shares are in (``share_unit``); folders without it hold them in percent."""

ENSEMBLE_TABLES = ("trajectories", "alignment", "metrics", "events", "event_contributions")
KEY_COLUMNS = {"replicate", "step", "date", "actor", "actor_a", "actor_b", "point", "seed", "event", "scenario"}
TYPE_NAMES = {"int64": "whole numbers (int64)", "double": "numbers (float64)", "string": "text"}
TYPE_NAMES.update({"timestamp[ns]": "dates", "bool": "true/false values (bool)"})


def sweep_schema(name: str, meta: dict[str, Any]) -> pa.Schema:
    """The schema of a sweep's points, runs or per-step parts: the swept parameters and outcomes are
    named by the manifest."""
    params = [p["path"] for p in meta["design"]["params"]]
    if name == "points":
        return pa.schema([("point", INT), *((p, FLOAT) for p in params)])
    if name == "runs":
        fields = list(SCHEMAS["runs"])
        fields += [pa.field(p, FLOAT) for p in params]
        fields += [pa.field(f"share_{a}", FLOAT) for a in meta["actors"]]
        fields += [pa.field(f"bloc_{a}", INT) for a in meta["actors"]]
        return pa.schema(fields)
    return pa.schema([pa.field("point", INT), *SCHEMAS[name]])


def _compatible(expected: pa.DataType, actual: pa.DataType) -> bool:
    if pa.types.is_integer(expected):
        return pa.types.is_integer(actual)
    if pa.types.is_floating(expected):
        return pa.types.is_floating(actual)
    if pa.types.is_string(expected):
        return pa.types.is_string(actual) or pa.types.is_large_string(actual)
    if pa.types.is_timestamp(expected):
        return pa.types.is_timestamp(actual) or pa.types.is_date(actual)
    if pa.types.is_boolean(expected):
        return pa.types.is_boolean(actual)
    return actual.equals(expected)  # pragma: no cover


def type_name(t: pa.DataType) -> str:
    """A column type as expected, in words a user of the tables knows (``whole numbers (int64)``)."""
    return TYPE_NAMES.get(str(t), str(t))


def found_name(t: pa.DataType) -> str:
    """A column type as found, in the words of :data:`TYPE_NAMES`."""
    for test, name in (
        (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "text"),
        (pa.types.is_boolean, "true/false values"),
        (pa.types.is_integer, "whole numbers"),
        (pa.types.is_floating, "numbers"),
        (pa.types.is_timestamp, "dates"),
    ):
        if test(t):
            return f"{name} ({t})"
    return str(t)


def check_schema(path: Path, schema: pa.Schema, found: pa.Schema, rows: int) -> None:
    """Every column of ``schema`` present in ``found`` with a compatible type (an all-empty column of an
    empty table may have no type); ``alignment_*`` outcome columns of a runs table are numbers."""
    for field in schema:
        if field.name not in found.names:
            raise InputError(path, field.name, f"a column of {type_name(field.type)}: the table has no such column")
        actual = found.field(field.name).type
        if pa.types.is_null(actual) and rows == 0:
            continue
        if not _compatible(field.type, actual):
            raise InputError(path, field.name, f"a column of {type_name(field.type)}, got {found_name(actual)}")


def check_column_values(path: Path, table: pa.Table, schema: pa.Schema, bounds: dict[str, tuple[int, int]]) -> None:
    """Key columns with a value in every row and within ``bounds``: a replicate or step outside the
    manifest's would join rows of runs that were never written."""
    for field in schema:
        column = table.column(field.name)
        if field.name in KEY_COLUMNS and column.null_count:
            raise InputError(path, field.name, "a value in every row (some are missing)")
        if field.name in bounds and len(column) and not pa.types.is_null(column.type):
            low, high = bounds[field.name]
            found = pc.min_max(column).as_py()
            if found["min"] < low or found["max"] > high:
                raise InputError(path, field.name, f"values from {low} to {high}, got {found['min']} to {found['max']}")
