"""Parameter sweeps that lose nothing: every finished chunk is on disk, and a resumed sweep runs
only what is missing.

A sweep folder holds:

- ``manifest.json``: the design, the scenario's hash, the chunk size and the status
  (``running`` until every chunk is written, then ``complete``);
- ``points.parquet``: one row per design point (``point`` and one column per swept path);
- ``runs/part-NNNNN.parquet``: one row per run (point, replicate, seed, parameter values and the
  outcome summaries of ``analysis.outcomes``), one part per chunk;
- with ``--trajectories``: ``trajectories/``, ``alignment/``, ``metrics/``, ``events/`` parts with the
  per-step tables of ``analysis.tables`` and a ``point`` column;
- ``charts/``: the headline outcome against each swept parameter (and over the first two), and for
  sobol and morris designs ``sensitivity.csv`` and ``charts/sensitivity.png``.

Each part is written to a temporary name and renamed, and the runs part of a chunk is written
last, so a chunk counts as done only when everything it produces is on disk. Run k of a sweep is
replicate ``k % R`` of point ``k // R``, and chunk c holds runs ``[c·size, (c+1)·size)``: a chunk's
contents never depend on how the sweep was interrupted.

Until the sweep is complete its folder holds an ``INCOMPLETE`` marker, which ``plot`` (and
:func:`read_runs`) refuse; a resumed sweep checks every finished part (columns, types, rows, runs)
before trusting it. A sweep folder is locked while a process writes it (``analysis.results.locks``):
a second ``--resume`` of the same sweep stops at once instead of recomputing the same chunks.
"""

from __future__ import annotations

import os
import platform
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powershift.analysis.experiments.design import SweepDesign, check_params, point_count, sample_points
from powershift.analysis.experiments.engine import Chunk, Executor, check_chunk, chunk_bounds, executor
from powershift.analysis.experiments.ensemble import estimated_bytes
from powershift.analysis.results import manifests, sweep_reader
from powershift.analysis.results.disk import disk_error
from powershift.analysis.results.locks import lock, release
from powershift.analysis.results.manifests import FORMAT_VERSION, MANIFEST, write_manifest
from powershift.analysis.results.paths import check_output, check_path
from powershift.analysis.results.staging import INCOMPLETE, staging_folder, write_marker
from powershift.analysis.results.storage import package_version
from powershift.analysis.results.tables import TABLES
from powershift.model.files import InputError
from powershift.model.scenario import Scenario, load_scenario
from powershift.model.world import NonFiniteState

POINTS = "points.parquet"
RUN_BYTES = 256  # a runs row on disk, generously
UNFINISHED = (
    "a sweep still running or interrupted: finish it with the same 'run.py sweep' command and --resume --out {}"
)
KEPT = "the finished chunks are kept: free some space and run the same command with --resume"

SweepExtras = Callable[[Path, dict[str, Any], np.ndarray, pd.DataFrame], dict[str, int]]
"""What a caller adds to a finished sweep before it is marked complete (the command line: sensitivity indices
and charts), given the folder, its manifest, the design's points and the runs table; it returns the row counts
of any tables it wrote, which the manifest records."""


@dataclass
class SweepResult:
    """What a sweep did: ``simulated`` is the seconds its runs took (what a progress bar's rate counts),
    ``seconds`` those of the whole call, sensitivity indices and charts included."""

    folder: Path
    runs: int
    ran: int
    seconds: float
    simulated: float


def part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def write_atomic(table: pd.DataFrame, path: Path) -> None:
    """Write a Parquet file under a temporary name, then rename it: readers see all of it or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        table.to_parquet(staging, index=False)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def read_manifest(folder: Path) -> dict[str, Any]:
    """A sweep folder's manifest, validated (format version, schema), finished or not."""
    return manifests.read_manifest(Path(folder), "sweep", complete=False)


def new_manifest(design: SweepDesign, scenario: Scenario, chunk: int, points: int) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "kind": "sweep",
        "design": design.model_dump(mode="json"),
        "scenario": scenario.name,
        "scenario_path": scenario.path,
        "scenario_sha256": scenario.sha256,
        "actors": scenario.actors.codes,
        "steps": scenario.steps,
        "steps_per_year": scenario.spec.steps_per_year,
        "points": points,
        "runs": points * design.replicates,
        "chunk": chunk,
        "status": "running",
        "version": package_version(),
        "python": platform.python_version(),
        "mesa": version("mesa"),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": 0.0,
    }


def design_scenario(design: SweepDesign) -> Scenario:
    """The swept scenario, after checking that every swept path and range is valid for it."""
    scenario = load_scenario(design.scenario, tuple(design.set), design.years)
    check_params(design, scenario)
    return scenario


def prepare(
    design: SweepDesign, scenario: Scenario, out: Path, chunk: int, resume: bool
) -> tuple[dict[str, Any], np.ndarray]:
    """Start a new sweep folder, or reopen one to resume (it must hold the same design)."""
    if resume:
        meta = read_manifest(out)
        if meta["design"] != design.model_dump(mode="json"):
            raise InputError(out / MANIFEST, "design", "the same design as this command (resume with the same flags)")
        if meta["scenario_sha256"] != scenario.sha256:
            raise InputError(out / MANIFEST, "scenario_sha256", "the scenario file unchanged since the sweep began")
        table = sweep_reader.read_points(out, meta)
        points = table.sort_values("point").drop(columns="point")[[p.path for p in design.params]].to_numpy()
        return meta, points
    points = sample_points(design)
    assert len(points) == point_count(design)
    meta = new_manifest(design, scenario, chunk, len(points))
    with staging_folder(out, UNFINISHED.format(out), keep_marker=True) as staging:
        table = pd.DataFrame(points, columns=[p.path for p in design.params])
        table.insert(0, "point", np.arange(len(points), dtype=np.int64))
        write_atomic(table, staging / POINTS)
        write_manifest(staging, meta)  # the folder appears with its design in place, or not at all
    return meta, points


def done_chunks(out: Path, meta: dict[str, Any] | None = None) -> set[int]:
    """The chunks whose parts are all on disk, each part checked before it is trusted."""
    return sweep_reader.check_sweep_chunks(out, meta or read_manifest(out))


def pending_chunks(
    design: SweepDesign, scenario: Scenario, points: np.ndarray, size: int, skip: set[int]
) -> Iterator[Chunk]:
    total, reps = len(points) * design.replicates, design.replicates
    for index, (first, last) in enumerate(chunk_bounds(total, size)):
        if index in skip:
            continue
        run = np.arange(first, last)
        point, replicate = run // reps, run % reps
        values = {p.path: points[point, d] for d, p in enumerate(design.params)}
        yield Chunk(index, scenario, design.seed, replicate, point, values, outcomes=True, tables=design.trajectories)


def store_chunk(out: Path, design: SweepDesign, chunk: Chunk, tables: dict[str, pd.DataFrame]) -> None:
    name = part_name(chunk.index)
    if design.trajectories:
        for table in TABLES:
            write_atomic(tables[table], out / table / name)
    runs = tables["runs"]
    for d, param in enumerate(design.params):
        runs.insert(3 + d, param.path, chunk.values[param.path])
    write_atomic(runs, out / "runs" / name)


def sweep_bytes(design: SweepDesign, scenario: Scenario, runs: int) -> int:
    """Disk a sweep's runs need: a runs row each, and with --trajectories every run's per-step tables."""
    per_run = RUN_BYTES + (estimated_bytes(scenario, 1) if design.trajectories else 0)
    return runs * per_run


def run_sweep(
    design: SweepDesign,
    out: Path,
    chunk: int,
    workers: int = 1,
    dask: str | None = None,
    resume: bool = False,
    quiet: bool = True,
    extras: SweepExtras | None = None,
) -> SweepResult:
    """Run (or finish) a sweep into ``out``; ``extras`` then adds what the caller wants (sensitivity indices,
    charts) before the folder is marked complete.

    ``out`` is checked and locked before any work: a second process writing the same sweep stops at once.
    """
    out = Path(out)
    check_chunk(chunk)
    scenario = design_scenario(design)
    total = point_count(design) * design.replicates
    check_target(out, resume, design, scenario, total)
    lock(out)
    try:
        with executor(workers, dask, -(-total // chunk)) as runner:
            meta, points = prepare(design, scenario, out, chunk, resume)
            for stale in out.rglob(".*.tmp-*"):
                stale.unlink()  # left by a process killed while writing; its chunk is not done (we hold the lock)
            clock = time.perf_counter()
            ran = run_pending(runner, out, design, scenario, meta, points, resume, quiet)
            simulated = time.perf_counter() - clock
        total = meta["runs"]
        seconds = mark_complete(out, meta, points, extras, clock)
    finally:
        release(out)
    return SweepResult(out, total, ran, seconds, simulated)


def check_target(out: Path, resume: bool, design: SweepDesign, scenario: Scenario, total: int) -> None:
    """Refuse a wrong ``out`` before any work: a resume needs the sweep's folder, and a new sweep a folder
    that does not exist yet and the disk for all ``total`` runs, so that a mistyped path or a full disk
    costs nothing."""
    check_path(out)
    if resume:
        if not out.is_dir():
            raise InputError(out, "--out", "the folder of the sweep to resume (it does not exist)")
    elif out.is_dir():
        raise InputError(out, "--out", "a folder that does not exist yet (or --resume to finish that sweep)")
    else:
        check_output(out, sweep_bytes(design, scenario, total))


def run_pending(
    runner: Executor,
    out: Path,
    design: SweepDesign,
    scenario: Scenario,
    meta: dict[str, Any],
    points: np.ndarray,
    resume: bool,
    quiet: bool,
) -> int:
    """Run the chunks not yet on disk, storing each as it finishes so that an interruption loses only the
    chunks in flight; the number of runs made."""
    skip = done_chunks(out, meta)
    total = meta["runs"]
    left = total - sum(min(meta["chunk"], total - k * meta["chunk"]) for k in skip)
    if resume:
        check_output(out, sweep_bytes(design, scenario, left), existing_folder=True)
        write_marker(out, UNFINISHED.format(out))  # being written again until complete
    todo = pending_chunks(design, scenario, points, meta["chunk"], skip)
    ran = 0
    try:
        for finished, tables in runner.run(todo, left, quiet):
            store_chunk(out, design, finished, tables)
            ran += finished.size
    except OSError as exc:
        raise disk_error(out, exc, kept=KEPT) from None
    except NonFiniteState:
        if not resume:  # this design cannot run: a new sweep leaves nothing (a resumed one keeps its chunks)
            shutil.rmtree(out, ignore_errors=True)
        raise
    return ran


def mark_complete(
    out: Path, meta: dict[str, Any], points: np.ndarray, extras: SweepExtras | None, clock: float
) -> float:
    """Add the caller's ``extras``, then mark the folder complete: last, so that a folder that looks complete
    has everything in it. The seconds since ``clock``, which the manifest adds to those of earlier attempts."""
    try:
        runs = sweep_reader.read_runs(out, meta, whole=True)
        rows: dict[str, int] = {}
        if extras is not None:
            rows.update(extras(out, meta, points, runs))
        seconds = time.perf_counter() - clock
        done = {**meta, "status": "complete", "seconds": round(meta["seconds"] + seconds, 3)}
        if rows:
            done["rows"] = rows
        write_manifest(out, done)
        (out / INCOMPLETE).unlink(missing_ok=True)  # only now does the folder look complete
    except OSError as exc:
        raise disk_error(out, exc, kept=KEPT) from None
    return seconds


def read_runs(folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The runs table of a finished sweep folder, ordered by point and replicate; the folder is validated
    first (manifest, every part), and an unfinished sweep is refused."""
    folder = Path(folder)
    meta = manifests.read_manifest(folder, "sweep")
    if meta["status"] != "complete":
        raise InputError(folder / MANIFEST, "status", "a finished sweep (" + UNFINISHED.format(folder) + ")")
    return sweep_reader.read_runs(folder, meta, columns, whole=True)
