"""Reading one table file: confined to its folder, checked against its schema, whole.

A table path from a manifest must lead to a regular file inside the results folder
(:func:`confined`); a Parquet or CSV table is read only after its columns, types, row count and key
values are checked (:func:`read_table`), and a truncated or damaged file is one line, not a traceback.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from powershift.analysis.results.disk import short_message
from powershift.analysis.results.schemas import check_column_values, check_schema, type_name
from powershift.model.files import InputError


def confined(folder: Path, relative: str, source: Path, field: str) -> Path:
    """``folder/relative``, if that is a regular file inside ``folder`` (no absolute path, no '..',
    no symlink out of it)."""
    rel = Path(relative)
    if not relative or rel.is_absolute() or ".." in rel.parts or relative.startswith("~"):
        raise InputError(source, field, f"a file inside the results folder, got {relative!r}")
    path = folder / rel
    try:
        real, root = path.resolve(), folder.resolve()
    except (OSError, RuntimeError):
        raise InputError(source, field, f"a file inside the results folder, got {relative!r}") from None
    if root not in real.parents:
        raise InputError(source, field, f"a file inside the results folder, got {relative!r} (it leads outside)")
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        raise InputError(
            path, "(file)", f"the {field.split('.')[-1]} table the manifest lists (it is missing)"
        ) from None
    if not stat.S_ISREG(mode):
        raise InputError(path, "(file)", "a regular file")
    return path


def parquet_schema(path: Path) -> tuple[pa.Schema, int]:
    """A Parquet file's schema and row count from its footer, or one line saying it is damaged."""
    try:
        meta = pq.ParquetFile(path).metadata
        return meta.schema.to_arrow_schema(), meta.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(
            path, "(file)", f"a whole Parquet file (it is truncated or damaged: {short_message(exc)})"
        ) from None


def read_table(
    path: Path,
    schema: pa.Schema,
    rows: int | None = None,
    why: str = "",
    bounds: dict[str, tuple[int, int]] | None = None,
    columns: list[str] | None = None,
    steps: tuple[int, ...] | None = None,
) -> pd.DataFrame:
    """A Parquet or CSV table, after checking its columns and types against ``schema``, its row count
    against ``rows`` (``why`` says where the count comes from) and key columns against ``bounds``.

    ``steps`` keeps only the rows of those steps (the row count is still checked for the whole table):
    a reader of a few steps of a large ensemble then decodes and checks only those rows' values."""
    keep = None if steps is None else pc.field("step").isin(list(steps))
    if path.suffix == ".parquet":
        found, count = parquet_schema(path)
        check_schema(path, schema, found, count)
        check_rows(path, rows, count, why)
        try:
            table = pq.read_table(path, columns=columns, filters=keep)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise InputError(path, "(file)", f"a whole Parquet file (it is damaged: {short_message(exc)})") from None
    elif path.suffix == ".csv":
        table = read_csv(path, schema)
        check_schema(path, schema, table.schema, table.num_rows)
        check_rows(path, rows, table.num_rows, why)
        if keep is not None:
            table = table.filter(keep)
        if columns is not None:
            table = table.select(columns)
    else:
        raise InputError(path, "(file)", "a .parquet or .csv table")
    check_column_values(path, table, pa.schema([f for f in schema if f.name in table.column_names]), bounds or {})
    frame = table.to_pandas()
    if "date" in frame and frame["date"].dtype.kind != "M":
        frame["date"] = pd.to_datetime(frame["date"])
    return frame


def check_rows(path: Path, rows: int | None, count: int, why: str) -> None:
    """A table's row count as the manifest implies (``why`` says how): fewer rows mean a truncated file."""
    if rows is not None and count != rows:
        because = f" ({why})" if why else ""
        raise InputError(path, "(rows)", f"{rows:,} rows{because}, found {count:,} (the table is truncated or damaged)")


def read_csv(path: Path, schema: pa.Schema) -> pa.Table:
    """A CSV table read whole, with the schema's columns converted to their types: a file cut short
    (no line end at its end, a short last line), or a value of the wrong type, is refused."""
    try:
        with path.open("rb") as file:
            file.seek(0, os.SEEK_END)
            if file.tell() == 0:
                raise InputError(path, "(file)", "a CSV table with a header line (the file is empty)")
            file.seek(-1, os.SEEK_END)
            if file.read(1) != b"\n":
                raise InputError(path, "(file)", "a whole CSV table (it does not end with a line end: truncated)")
            file.seek(0)
            header = file.readline().decode("utf-8", "replace").rstrip("\r\n").split(",")
    except OSError as exc:
        raise InputError(path, "(file)", f"a readable file ({exc.strerror})") from None
    types = {f.name: f.type for f in schema}
    options = pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    try:
        return pacsv.read_csv(path, convert_options=options)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        cell = re.search(r"CSV column #(\d+): CSV conversion error to (\w+): invalid value '([^']*)'", text)
        if cell:
            index, value = int(cell[1]), cell[3]
            name = header[index] if index < len(header) else f"column {index}"
            expected = type_name(types.get(name, pa.string()))
            raise InputError(path, name, f"a column of {expected}, got the value {value!r}") from None
        short = re.search(r"Expected (\d+) columns, got (\d+)", text)
        if short:
            raise InputError(
                path,
                "(file)",
                f"a whole CSV table: a line has {short[2]} of the {short[1]} columns (truncated or damaged)",
            ) from None
        raise InputError(path, "(file)", f"a readable CSV table ({short_message(exc)})") from None
