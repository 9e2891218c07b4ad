"""Results folders: written whole or not at all, and never over an existing folder.

Everything (tables, manifest, charts) is first written to a hidden sibling folder, which is
renamed into place only when complete; an interrupted run leaves no half-written results.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.ensemble import Results
from model.files import InputError

FORMATS = ("parquet", "csv")


def package_version() -> str:
    try:
        return version("powershift")
    except Exception:  # running from a source tree that was never installed
        return "unknown"


def default_folder(root: Path, name: str) -> Path:
    """results/<name>, or results/<name>-2, -3, ... if taken: a new folder, never an old one."""
    candidate, k = root / name, 2
    while candidate.exists():
        candidate, k = root / f"{name}-{k}", k + 1
    return candidate


def manifest(results: Results, fmt: str) -> dict[str, Any]:
    scenario = results.scenario
    return {
        "kind": "ensemble",
        "scenario": scenario.name,
        "scenario_path": scenario.path,
        "scenario_sha256": scenario.sha256,
        "title": scenario.spec.title,
        "seed": results.seed,
        "replicates": results.replicates,
        "overrides": list(results.overrides),
        "parameters": scenario.spec.model_dump(mode="json"),
        "actor_set": scenario.actors.spec.name,
        "actors": scenario.actors.codes,
        "steps": scenario.steps,
        "steps_per_year": scenario.spec.steps_per_year,
        "format": fmt,
        "tables": {name: f"{name}.{fmt}" for name in results.tables},
        "version": package_version(),
        "python": platform.python_version(),
        "mesa": version("mesa"),
        "started": results.started,
        "seconds": round(results.seconds, 3),
    }


def write_table(table: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        table.to_parquet(path, index=False)
    else:
        table.to_csv(path, index=False)


@contextmanager
def new_folder(out: Path) -> Iterator[Path]:
    """A hidden staging folder that becomes ``out`` only if everything inside is written.

    ``out`` must not exist (results are never overwritten); on any error, or Ctrl-C, the staging
    folder is removed and nothing is left behind.
    """
    if out.exists():
        raise InputError(out, "--out", "a folder that does not exist yet (results are never overwritten)")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_results(
    results: Results, out: Path, fmt: str = "parquet", extras: Callable[[Path], None] | None = None
) -> Path:
    """Write tables, manifest.json and whatever ``extras`` adds (charts) to a new folder ``out``."""
    if fmt not in FORMATS:
        raise InputError("--format", "format", f"one of {', '.join(FORMATS)}, got {fmt!r}")
    with new_folder(out) as staging:
        for name, table in results.tables.items():
            write_table(table, staging / f"{name}.{fmt}", fmt)
        (staging / "manifest.json").write_text(json.dumps(manifest(results, fmt), indent=2) + "\n")
        if extras is not None:
            extras(staging)
    return out


def read_results(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Load a results folder's manifest and tables."""
    path = folder / "manifest.json"
    if not folder.is_dir():
        raise InputError(folder, "RESULTS", "an existing results folder")
    if not path.is_file():
        raise InputError(folder, "manifest.json", "a results folder written by 'run.py run'")
    meta = json.loads(path.read_text())
    if meta.get("kind", "ensemble") != "ensemble":
        raise InputError(path, "kind", f"a results folder written by 'run.py run', not a {meta['kind']} folder")
    reader = pd.read_parquet if meta["format"] == "parquet" else pd.read_csv
    tables = {name: reader(folder / file) for name, file in meta["tables"].items()}
    if meta["format"] == "csv":
        for table in tables.values():
            table["date"] = pd.to_datetime(table["date"])
    return meta, tables
