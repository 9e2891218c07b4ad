"""Ensembles: many stochastic replicates of one scenario, run as batches of worlds.

Replicate r always gets the seed ``world_seed(seed, r)``, so an ensemble gives the same numbers
whatever the batch size: batching only changes how many worlds one Mesa model advances at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from analysis.tables import TABLES, history_tables
from model.files import InputError
from model.scenario import Scenario
from model.world import CONTRIBUTIONS, World, world_seed

MAX_REPLICATES = 1_000_000
MEMORY_BUDGET_BYTES = 8 * 1024**3
DEFAULT_BATCH = 500


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


def estimated_bytes(scenario: Scenario, replicates: int) -> int:
    """Memory the tables of an ensemble need (numbers only; the pandas overhead roughly doubles it)."""
    n, steps = scenario.actors.n, scenario.steps + 1
    pairs = n * (n - 1) // 2
    per_world = steps * (n * 12 + pairs * (7 + len(CONTRIBUTIONS)) + 9) * 8
    return 2 * per_world * replicates


def check_replicates(scenario: Scenario, replicates: int) -> None:
    if not 1 <= replicates <= MAX_REPLICATES:
        raise InputError("--replicates", "replicates", f"a whole number from 1 to {MAX_REPLICATES:,}, got {replicates}")
    need = estimated_bytes(scenario, replicates)
    if need > MEMORY_BUDGET_BYTES:
        raise InputError(
            "--replicates",
            "replicates",
            f"an ensemble that fits in memory: {replicates:,} replicates need about "
            f"{need / 1024**3:.1f} GiB of tables, the limit is {MEMORY_BUDGET_BYTES / 1024**3:.0f} GiB",
        )


def run_ensemble(
    scenario: Scenario, replicates: int = 1, seed: int = 0, batch: int = DEFAULT_BATCH, overrides: tuple[str, ...] = ()
) -> Results:
    """Run ``replicates`` worlds of a scenario in batches and gather their tables."""
    check_replicates(scenario, replicates)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for first in range(0, replicates, batch):
        count = min(batch, replicates - first)
        world = World(scenario, [world_seed(seed, first + r) for r in range(count)])
        world.run()
        for name, table in history_tables(world, first).items():
            parts[name].append(table)
    tables = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    return Results(scenario, seed, replicates, tuple(overrides), tables, started, time.perf_counter() - clock)
