"""Results folders: written whole or not at all, and never over an existing folder.

Everything (tables, manifest, charts) is first written to a hidden sibling staging folder
(``.NAME.partial-PID``, marked ``INCOMPLETE``), which is renamed into place only when complete; an
interrupted run leaves no half-written results, a full disk leaves nothing at all, and a second
writer to the same folder is stopped by its lock. Reading validates the folder first (format
version, table paths, columns, types, row counts). See ``analysis.results.staging``, ``.locks``
and ``.readers``.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from powershift.analysis.results import paths, readers
from powershift.analysis.results.locks import lock, release
from powershift.analysis.results.manifests import FORMAT_VERSION, write_manifest
from powershift.analysis.results.paths import check_output
from powershift.analysis.results.schemas import KEY_COLUMNS
from powershift.analysis.results.staging import staging_folder
from powershift.model.files import InputError
from powershift.model.scenario import Scenario

FORMATS = ("parquet", "csv")
DEFAULT_PARAMETERS: dict[str, Any] = {"set": "defaults"}
"""The parameter-set record of worlds run with the default parameters (no posterior)."""

Extras = Callable[[Path, dict[str, Any], dict[str, pd.DataFrame]], None]
"""What a caller adds to a folder before it is published, e.g. the command line's charts: called with the
staging folder, the folder's manifest and its tables, so that the additions appear with the rest or not at all."""


@dataclass
class Results:
    """An ensemble's tables and what is needed to reproduce them."""

    scenario: Scenario
    seed: int
    replicates: int
    overrides: tuple[str, ...] = ()
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    started: str = ""
    seconds: float = 0.0
    parameter_set: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMETERS))
    """Which parameters the worlds ran with: ``{"set": "defaults"}``, or a posterior's ``record()``."""


def package_version() -> str:
    try:
        return version("powershift")
    except Exception:  # running from a source tree that was never installed
        return "unknown"


def default_folder(root: Path, name: str) -> Path:
    """results/<name>, or results/<name>-2, -3, ... if taken or being written by another run: a new
    folder, never an old one, locked for this process until its results are written."""
    return paths.default_folder(root, name)


def manifest(results: Results, fmt: str, rows: dict[str, int] | None = None) -> dict[str, Any]:
    """An ensemble folder's manifest; ``rows`` are the tables' row counts where the tables were written
    chunk by chunk rather than held (``results.tables`` is then empty)."""
    scenario = results.scenario
    if rows is None:
        rows = {name: len(table) for name, table in results.tables.items()}
    return {
        "format_version": FORMAT_VERSION,
        "kind": "ensemble",
        "scenario": scenario.name,
        "scenario_path": scenario.path,
        "scenario_sha256": scenario.sha256,
        "title": scenario.spec.title,
        "seed": results.seed,
        "replicates": results.replicates,
        "overrides": list(results.overrides),
        "parameter_set": dict(results.parameter_set),
        "parameters": scenario.spec.model_dump(mode="json"),
        "actor_set": scenario.actors.spec.name,
        "actors": scenario.actors.codes,
        "steps": scenario.steps,
        "steps_per_year": scenario.spec.steps_per_year,
        "format": fmt,
        "tables": {name: f"{name}.{fmt}" for name in rows},
        "rows": dict(rows),
        "version": package_version(),
        "python": platform.python_version(),
        "mesa": version("mesa"),
        "started": results.started,
        "seconds": round(results.seconds, 3),
    }


def write_table(table: pd.DataFrame, path: Path, fmt: str) -> None:
    """Write one table. Parquet dictionary-encodes only the key columns (few distinct values, repeated): on
    the value columns, nearly all distinct, a dictionary is built and thrown away, which took most of the time
    of writing an ensemble's tables; the files are smaller and read back the same."""
    if fmt == "parquet":
        table.to_parquet(path, index=False, use_dictionary=[c for c in table.columns if c in KEY_COLUMNS])
    else:
        table.to_csv(path, index=False)


@contextmanager
def new_folder(out: Path, estimated_bytes: int = 0) -> Iterator[Path]:
    """A hidden staging folder that becomes ``out`` only if everything inside is written.

    ``out`` is checked first (``paths.check_output``: it must not exist, results are never
    overwritten) and locked against other writers; on any error, a full disk or Ctrl-C the staging
    folder is removed and nothing is left behind.
    """
    check_output(out, estimated_bytes)
    lock(out)
    try:
        with staging_folder(out) as staging:
            yield staging
    finally:
        release(out)


def write_results(results: Results, out: Path, fmt: str = "parquet", extras: Extras | None = None) -> Path:
    """Write tables, manifest.json and whatever ``extras`` adds (charts) to a new folder ``out``."""
    if fmt not in FORMATS:
        raise InputError("--format", "format", f"one of {', '.join(FORMATS)}, got {fmt!r}")
    need = sum(int(t.memory_usage(index=False).sum()) for t in results.tables.values())
    with new_folder(out, need) as staging:
        for name, table in results.tables.items():
            write_table(table, staging / f"{name}.{fmt}", fmt)
        meta = manifest(results, fmt)
        write_manifest(staging, meta)
        if extras is not None:
            extras(staging, meta, results.tables)
    return out


Produce = Callable[[Path], tuple[Results, dict[str, int]]]
"""What writes an ensemble's tables into a staging folder, chunk by chunk, and returns its results (without
tables) and the tables' row counts: ``analysis.experiments.ensemble.write_ensemble``."""


def write_streamed(
    out: Path, fmt: str, produce: Produce, estimated_bytes: int = 0, extras: Extras | None = None
) -> tuple[dict[str, Any], dict[str, pd.DataFrame] | None]:
    """Write an ensemble's folder ``out`` whose tables ``produce`` writes as its worlds run, then its
    manifest and whatever ``extras`` adds. For ``extras`` the tables are read back whole, through the reader
    every later tool uses, so they are also checked. The manifest, and those tables (None without ``extras``)."""
    if fmt not in FORMATS:
        raise InputError("--format", "format", f"one of {', '.join(FORMATS)}, got {fmt!r}")
    with new_folder(out, estimated_bytes) as staging:
        results, rows = produce(staging)
        meta = manifest(results, fmt, rows)
        write_manifest(staging, meta)
        tables = None
        if extras is not None:
            meta, tables = readers.read_ensemble(staging, complete=False)
            extras(staging, meta, tables)
    return meta, tables


def read_results(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Load a results folder's manifest and tables, after validating all of them
    (``readers.read_ensemble``)."""
    return readers.read_ensemble(Path(folder))
