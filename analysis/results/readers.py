"""Readers: any results folder run.py wrote, as its validated manifest and tables.

Each kind has its reader (:data:`READERS`; :func:`read_folder` picks it from the manifest). A reader
takes exactly the tables the manifest lists, each confined to the folder, and checks that each has
the number of rows the manifest implies (replicates × steps × actors, and the recorded row count of
every table) and only the manifest's actors, so nothing is used that was not written whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from powershift.analysis.results.manifests import MANIFEST, folder_kind, read_manifest
from powershift.analysis.results.schemas import ENSEMBLE_TABLES, FRACTION_OUTCOMES, SCHEMAS, SHARE_UNIT
from powershift.analysis.results.sweep_reader import read_sweep
from powershift.analysis.results.table_reader import confined, read_table
from powershift.model.files import InputError


def table_files(folder: Path, meta: dict[str, Any], required: tuple[str, ...], suffix: str) -> dict[str, Path]:
    """The manifest's table paths, each confined to the folder; exactly the ``required`` tables."""
    source = folder / MANIFEST
    tables = meta["tables"]
    for name in required:
        if name not in tables:
            raise InputError(source, f"tables.{name}", f"the {name} table (every {meta['kind']} folder has one)")
    for name in tables:
        if name not in required:
            raise InputError(source, f"tables.{name}", f"one of the tables {', '.join(required)}")
    for name in required:
        if name not in meta["rows"]:
            raise InputError(source, f"rows.{name}", f"the row count of the {name} table")
    paths = {}
    for name in required:
        path = confined(folder, tables[name], source, f"tables.{name}")
        if path.suffix != suffix:
            raise InputError(source, f"tables.{name}", f"a {suffix} file (format {meta.get('format')})")
        paths[name] = path
    return paths


def structural_rows(meta: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Rows the fixed-size tables of an ensemble must have, with how the count arises."""
    r, s, n = meta["replicates"], meta["steps"] + 1, len(meta["actors"])
    base = f"{r} replicates × {s} steps"
    return {
        "trajectories": (r * s * n, f"{base} × {n} actors"),
        "alignment": (r * s * n * (n - 1) // 2, f"{base} × {n * (n - 1) // 2} dyads"),
        "metrics": (r * s, base),
    }


def read_ensemble(
    folder: Path,
    complete: bool = True,
    only: tuple[str, ...] = ENSEMBLE_TABLES,
    columns: list[str] | None = None,
    steps: tuple[int, ...] | None = None,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A results folder written by ``run.py run``: its manifest and its five tables, all validated (or the
    tables ``only`` names, with only the ``columns`` listed, and only the rows of ``steps``; the columns
    must then include ``step``). ``complete=False`` reads a folder still being written (its writer drawing
    charts from it)."""
    folder = Path(folder)
    meta = read_manifest(folder, "ensemble", complete)
    source = folder / MANIFEST
    if len(set(meta["actors"])) != len(meta["actors"]):
        raise InputError(source, "actors", "different actor codes (one is repeated)")
    paths = table_files(folder, meta, ENSEMBLE_TABLES, f".{meta['format']}")
    fixed = structural_rows(meta)
    for name, (rows, why) in fixed.items():
        if meta["rows"][name] != rows:
            raise InputError(source, f"rows.{name}", f"{rows:,} ({why}), got {meta['rows'][name]:,}")
    bounds = {"replicate": (0, meta["replicates"] - 1), "step": (0, meta["steps"])}
    tables = {}
    for name in only:
        why = fixed[name][1] + ", as manifest.json says" if name in fixed else "as manifest.json says"
        tables[name] = read_table(paths[name], SCHEMAS[name], meta["rows"][name], why, bounds, columns, steps)
    actors = set(meta["actors"])
    for name, column in (("trajectories", "actor"), ("alignment", "actor_a"), ("alignment", "actor_b")):
        unknown = set(pd.unique(tables[name][column])) - actors if column in tables.get(name, ()) else set()
        if unknown:
            raise InputError(
                paths[name], column, f"actors of the manifest ({', '.join(meta['actors'])}), got {sorted(unknown)[0]!r}"
            )
    return meta, tables


def read_comparison(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A folder written by ``run.py compare``: its manifest and series table, validated, with shares and
    probabilities as fractions of 1. Folders written before one unit was kept held them in percent and do
    not name their ``share_unit``: those are read back as fractions, so charts drawn from them are right."""
    meta, tables = read_single_table(folder, "comparison", "series")
    if meta.get("share_unit") != SHARE_UNIT:
        series = tables["series"]
        percent = series["outcome"].str.startswith(FRACTION_OUTCOMES)
        tables["series"] = series.assign(value=series["value"].where(~percent, series["value"] / 100))
    return meta, tables


def read_explanation(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A folder written by ``run.py explain``: its manifest and parts table, validated."""
    return read_single_table(folder, "explanation", "parts")


def read_share_explanation(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A folder written by ``run.py explain --state``: its manifest and parts table, validated."""
    return read_single_table(folder, "share_explanation", "parts")


def read_single_table(folder: Path, kind: str, name: str) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A folder of one parquet table (a comparison's series, an explanation's parts): the manifest of
    that kind, then the table it names, checked against its schema and row count."""
    folder = Path(folder)
    meta = read_manifest(folder, kind)
    path = table_files(folder, meta, (name,), ".parquet")[name]
    return meta, {name: read_table(path, SCHEMAS[name], meta["rows"][name], "as manifest.json says")}


READERS = {
    "ensemble": read_ensemble,
    "sweep": read_sweep,
    "comparison": read_comparison,
    "explanation": read_explanation,
    "share_explanation": read_share_explanation,
}


def read_folder(folder: str | Path) -> tuple[str, dict[str, Any], dict[str, pd.DataFrame]]:
    """Any folder run.py wrote: its kind, validated manifest and tables."""
    kind = folder_kind(Path(folder))
    meta, tables = READERS[kind](Path(folder))
    return kind, meta, tables
