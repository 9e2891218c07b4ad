"""Reading a sweep folder: its chunks' parts, each checked before it is trusted.

A sweep is written in chunks of runs, one Parquet part per chunk and table (``runs/part-00000.parquet``,
...). A part's footer is checked against the sweep's schema and row count (:func:`check_sweep_part`),
a runs part must hold exactly the runs of its chunk (:func:`check_runs_of_chunk`), and a resumed sweep
learns which chunks are done from the parts that pass (:func:`check_sweep_chunks`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from powershift.analysis.results.manifests import MANIFEST, read_manifest
from powershift.analysis.results.schemas import ENSEMBLE_TABLES, INT, SCHEMAS, check_schema, sweep_schema
from powershift.analysis.results.table_reader import check_rows, parquet_schema, read_table
from powershift.model.files import InputError

RESUME_HINT = " (finish it with the same 'run.py sweep' command and --resume --out {folder})"
PART = re.compile(r"^part-(\d{5,})\.parquet$")


def chunk_count(meta: dict[str, Any]) -> int:
    """How many chunks the sweep's runs are written in (the last may be short)."""
    return -(-meta["runs"] // meta["chunk"])


def chunk_rows(meta: dict[str, Any], index: int) -> int:
    """How many runs chunk ``index`` holds: the chunk size, or what is left for the last one."""
    return min(meta["chunk"], meta["runs"] - index * meta["chunk"])


def sweep_parts(folder: Path, meta: dict[str, Any], table: str = "runs") -> dict[int, Path]:
    """The finished parts of one sweep table by chunk index; a part named outside the sweep's chunks is refused."""
    parts = {}
    for path in sorted((folder / table).glob("part-*.parquet")):
        match = PART.match(path.name)
        index = int(match[1]) if match else -1
        if not 0 <= index < chunk_count(meta):
            raise InputError(path, "(file)", f"a part of chunks 0 to {chunk_count(meta) - 1} of this sweep")
        parts[index] = path
    return parts


def check_sweep_part(path: Path, meta: dict[str, Any], table: str, index: int) -> None:
    """A part's footer: columns, types and (for the fixed-size tables) its row count."""
    found, count = parquet_schema(path)
    check_schema(path, sweep_schema(table, meta), found, count)
    runs = chunk_rows(meta, index)
    s, n = meta["steps"] + 1, len(meta["actors"])
    expected = {
        "runs": (runs, f"chunk {index}: {runs} runs"),
        "trajectories": (runs * s * n, f"chunk {index}: {runs} runs × {s} steps × {n} actors"),
        "alignment": (
            runs * s * n * (n - 1) // 2,
            f"chunk {index}: {runs} runs × {s} steps × {n * (n - 1) // 2} dyads",
        ),
        "metrics": (runs * s, f"chunk {index}: {runs} runs × {s} steps"),
    }
    if table in expected:
        check_rows(path, *expected[table][:1], count, expected[table][1])


def read_points(folder: Path, meta: dict[str, Any]) -> pd.DataFrame:
    """The sweep's design points, one row per point the manifest counts: every run refers to one."""
    path = folder / "points.parquet"
    if not path.is_file():
        raise InputError(path, "(file)", "the sweep's design points (the file is missing)")
    bounds = {"point": (0, meta["points"] - 1)}
    return read_table(path, sweep_schema("points", meta), meta["points"], "points, as manifest.json says", bounds)


def read_runs(
    folder: Path, meta: dict[str, Any], columns: list[str] | None = None, whole: bool = False
) -> pd.DataFrame:
    """The runs table of a sweep, every part checked (columns, types, row count, and that it holds
    the runs of its chunk); with ``whole``, every chunk must be there."""
    parts = sweep_parts(folder, meta)
    if not parts:
        raise InputError(folder, "runs", "a sweep folder with finished runs")
    if whole:
        missing = [k for k in range(chunk_count(meta)) if k not in parts]
        if missing:
            raise InputError(
                folder / "runs" / f"part-{missing[0]:05d}.parquet",
                "(file)",
                "every chunk of the sweep (this one is missing)",
            )
    reps, schema = meta["design"]["replicates"], sweep_schema("runs", meta)
    frames = []
    for index, path in sorted(parts.items()):
        check_sweep_part(path, meta, "runs", index)
        bounds = {"point": (0, meta["points"] - 1), "replicate": (0, reps - 1)}
        frame = read_table(path, schema, chunk_rows(meta, index), f"chunk {index}", bounds)
        check_runs_of_chunk(path, meta, index, frame)
        frames.append(frame if columns is None else frame[columns])
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


def check_runs_of_chunk(path: Path, meta: dict[str, Any], index: int, frame: pd.DataFrame) -> None:
    """A runs part holds exactly the runs of its chunk (run k = point k // R, replicate k % R)."""
    reps, first = meta["design"]["replicates"], index * meta["chunk"]
    run = np.sort(frame["point"].to_numpy() * reps + frame["replicate"].to_numpy())
    if not np.array_equal(run, np.arange(first, first + chunk_rows(meta, index))):
        last = first + chunk_rows(meta, index) - 1
        raise InputError(path, "point", f"the runs {first} to {last} of chunk {index} (its rows are of other runs)")


def check_sweep_chunks(folder: Path, meta: dict[str, Any]) -> set[int]:
    """The chunks of a sweep that are done (their runs part is there), each part checked before it is
    trusted; with trajectories, a done chunk's per-step parts must be there and whole too."""
    done = sweep_parts(folder, meta)
    reps = meta["design"]["replicates"]
    bounds = {"point": (0, meta["points"] - 1), "replicate": (0, reps - 1)}
    keys = pa.schema([("point", INT), ("replicate", INT)])
    for index, path in done.items():
        try:
            check_sweep_part(path, meta, "runs", index)
            frame = read_table(path, keys, None, "", bounds, ["point", "replicate"])
            check_runs_of_chunk(path, meta, index, frame)
            if meta["design"].get("trajectories"):
                for table in ENSEMBLE_TABLES:
                    part = folder / table / path.name
                    if not part.is_file():
                        raise InputError(part, "(file)", f"the {table} part of finished chunk {index} (it is missing)")
                    check_sweep_part(part, meta, table, index)
        except InputError as exc:
            redo = f"delete {path.relative_to(folder)} and --resume runs chunk {index} again"
            raise InputError(exc.source, exc.field, f"{exc.expected}; {redo}") from None
    return set(done)


def read_sweep(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A finished sweep folder: its manifest, every run, and its sensitivity indices if it has them."""
    folder = Path(folder)
    meta = read_manifest(folder, "sweep")
    if meta["status"] != "complete":
        raise InputError(folder / MANIFEST, "status", "a finished sweep" + RESUME_HINT.format(folder=folder))
    read_points(folder, meta)
    tables = {"runs": read_runs(folder, meta, whole=True)}
    sensitivity = folder / "sensitivity.csv"
    if sensitivity.is_file():
        rows = (meta.get("rows") or {}).get("sensitivity")
        tables["sensitivity"] = read_table(sensitivity, SCHEMAS["sensitivity"], rows, "as manifest.json says")
    return meta, tables
