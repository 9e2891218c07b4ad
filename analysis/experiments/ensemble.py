"""Ensembles: many stochastic replicates of one scenario, with every table kept.

Replicate r always gets the seed ``world_seed(seed, r)``, so an ensemble gives the same numbers
whatever the chunk size or number of workers: chunking only changes how many worlds one Mesa
model advances at once, and where. With a posterior (``analysis.posterior``) replicate r also takes
the parameter values of a draw chosen by (seed, r) alone; a path given with ``--set`` (``overrides``)
keeps its ``--set`` value in every world.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from powershift.analysis.experiments.engine import (
    DEFAULT_CHUNK,
    Chunk,
    check_chunk,
    chunk_bounds,
    executor,
    fitting_chunk,
    world_bytes,
)
from powershift.analysis.experiments.posterior import (
    DEFAULTS,
    Posterior,
    check_posterior,
    fixed_paths,
    reopen,
    world_values,
)
from powershift.analysis.results.appending import TableFiles
from powershift.analysis.results.storage import Results
from powershift.analysis.results.tables import TABLES
from powershift.model.files import InputError
from powershift.model.scenario import Scenario, scenario_from_text

MAX_REPLICATES = 1_000_000
MEMORY_BUDGET_BYTES = 8 * 1024**3


def estimated_bytes(scenario: Scenario, replicates: int) -> int:
    """Memory the tables of an ensemble need (numbers only; the pandas overhead roughly doubles it)."""
    return world_bytes(scenario) * replicates


def check_replicate_count(replicates: int) -> None:
    if not 1 <= replicates <= MAX_REPLICATES:
        raise InputError("--replicates", "replicates", f"a whole number from 1 to {MAX_REPLICATES:,}, got {replicates}")


def check_replicates(scenario: Scenario, replicates: int) -> None:
    """A number of replicates whose tables fit in memory: for an ensemble gathered whole (``run_ensemble``),
    or read back whole to draw its charts."""
    check_replicate_count(replicates)
    need = estimated_bytes(scenario, replicates)
    if need > MEMORY_BUDGET_BYTES:
        raise InputError(
            "--replicates",
            "replicates",
            f"an ensemble that fits in memory: {replicates:,} replicates need about "
            f"{need / 1024**3:.1f} GiB of tables, the limit is {MEMORY_BUDGET_BYTES / 1024**3:.0f} GiB",
        )


def run_ensemble(
    scenario: Scenario,
    replicates: int = 1,
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    overrides: tuple[str, ...] = (),
    workers: int = 1,
    dask: str | None = None,
    quiet: bool = True,
    posterior: Posterior | None = None,
) -> Results:
    """Run ``replicates`` worlds of a scenario in chunks (see ``analysis.engine``) and gather their tables.

    With a ``posterior`` each world takes its parameter values from one of its draws
    (``analysis.posterior.world_values``), except the paths ``overrides`` sets: pass the ``--set``
    assignments the scenario was loaded with, so that they win over the posterior. The tables are held in
    memory, so their size is checked first (``check_replicates``); ``write_ensemble`` writes them chunk by
    chunk instead.
    """
    check_replicates(scenario, replicates)
    parts: list[dict[str, pd.DataFrame]] = []
    results = stream_ensemble(
        parts.append, scenario, replicates, seed, chunk, overrides, workers, dask, quiet, posterior
    )
    results.tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in TABLES}
    return results


def write_ensemble(
    folder: Path,
    fmt: str,
    scenario: Scenario,
    replicates: int = 1,
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    overrides: tuple[str, ...] = (),
    workers: int = 1,
    dask: str | None = None,
    quiet: bool = True,
    posterior: Posterior | None = None,
) -> tuple[Results, dict[str, int]]:
    """``run_ensemble``, with each chunk's tables appended to the table files in ``folder`` (a staging
    folder) as it finishes instead of gathered: memory holds a few chunks whatever the number of replicates.
    The results (without tables) and each table's row count."""
    with TableFiles(folder, TABLES, fmt) as files:
        results = stream_ensemble(
            files.append, scenario, replicates, seed, chunk, overrides, workers, dask, quiet, posterior
        )
    return results, files.rows


def stream_ensemble(
    take: Callable[[dict[str, pd.DataFrame]], None],
    scenario: Scenario,
    replicates: int,
    seed: int,
    chunk: int,
    overrides: tuple[str, ...],
    workers: int,
    dask: str | None,
    quiet: bool,
    posterior: Posterior | None,
) -> Results:
    """Run the ensemble chunk by chunk and hand each chunk's tables to ``take`` in replicate order.

    Chunks hold at most ``chunk`` worlds, and fewer where the worlds' recordings are large
    (``fitting_chunk``): the numbers do not depend on the chunk size.
    """
    check_replicate_count(replicates)
    check_chunk(chunk)
    fixed = fixed_paths(overrides)
    values: dict[str, np.ndarray] = {}
    parameter_set = dict(DEFAULTS)
    if posterior is not None:
        check_posterior(posterior, scenario, fixed)
        values = world_values(posterior, seed, np.arange(replicates), fixed)
        parameter_set = posterior.record(fixed)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    bounds = chunk_bounds(replicates, fitting_chunk(scenario, chunk))
    chunks = (
        Chunk(
            k,
            scenario,
            seed,
            np.arange(first, last),
            values={path: v[first:last] for path, v in values.items()},
            outcomes=False,
            tables=True,
        )
        for k, (first, last) in enumerate(bounds)
    )
    with executor(workers, dask, len(bounds)) as run:
        # one chunk finishes all at once: a progress bar would only flash
        for tables in in_order(run.run(chunks, replicates, quiet or len(bounds) == 1)):
            take(tables)
    seconds = time.perf_counter() - clock
    return Results(scenario, seed, replicates, tuple(overrides), {}, started, seconds, parameter_set)


def in_order(finished: Iterable[tuple[Chunk, dict[str, pd.DataFrame]]]) -> Iterator[dict[str, pd.DataFrame]]:
    """Chunks' tables in chunk order, from chunks that finish in any order: one that finishes early waits
    (a worker pool runs chunks of one size side by side, so few wait at once)."""
    waiting: dict[int, dict[str, pd.DataFrame]] = {}
    following = 0
    for chunk, tables in finished:
        waiting[chunk.index] = tables
        while following in waiting:
            yield waiting.pop(following)
            following += 1


def rerun(
    source: dict[str, Any], spec: dict[str, Any], label: str, fixed: tuple[str, ...] = (), workers: int = 1
) -> Results:
    """The worlds of the ensemble whose manifest is ``source`` again, from ``spec`` (its resolved scenario,
    perhaps changed: an event removed, a parameter set to 0), with its seed, replicates and parameter set.

    Replicate r draws what it drew before, the same posterior draw included, so the difference from the
    original worlds is the change to ``spec`` alone. The posterior's paths the original run fixed with
    ``--set`` stay fixed (their value is in ``spec``), and so do the ``fixed`` assignments (``PATH=VALUE``).
    """
    record = source.get("parameter_set")
    posterior = reopen(record)
    kept = () if posterior is None else tuple(f"{p}=" for p in posterior.model_parameters if p not in record["paths"])
    scenario = scenario_from_text(yaml.safe_dump(spec, sort_keys=False), label)
    return run_ensemble(
        scenario, source["replicates"], source["seed"], overrides=kept + fixed, workers=workers, posterior=posterior
    )
