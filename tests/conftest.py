"""Shared helpers for the behaviour tests: build small scenarios, run them, index dyads.

The helpers are plain functions, imported as ``from tests.conftest import ...``; the fixtures here
are the ones several test files use (``no_locks_left``).
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import yaml

from powershift.model.actors import synthetic_actor_set
from powershift.model.scenario import Scenario, scenario_from_text
from powershift.model.world import CONTRIBUTIONS, Recording, World, world_seed

NO_EXCHANGE_WALK: dict[str, Any] = {"exchange_uncertainty": 0.0}
"""Economy settings that hold real exchange rates at their drift (the model before the random walk)."""


def scenario_dict(
    events: Iterable[dict[str, Any]] = (),
    mechanisms: dict[str, Any] | None = None,
    actors: dict[str, Any] | None = None,
    years: float = 5,
    noise: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A minimal valid scenario document; noise is off unless asked for.

    With noise off the random walk of real exchange rates is off too (``economy.exchange_uncertainty:
    0`` unless the caller's ``economy`` sets it): in the model it is a switch of its own, like the
    growth offsets (which stay on here), but the noise-off tests were written for market-rate GDP
    that moves only with real GDP and ``exchange_drift``.
    """
    mech: dict[str, Any] = {} if noise else {"noise": {"enabled": False}}
    for name, settings in (mechanisms or {}).items():
        merged = dict(mech.get(name, {})) if isinstance(settings, dict) else {}
        if isinstance(settings, dict):
            merged.update(settings)
            mech[name] = merged
        else:
            mech[name] = settings
    doc: dict[str, Any] = {
        "title": "t",
        "description": "d",
        "start": "2024-01-01",
        "years": years,
        "mechanisms": mech,
        "events": list(events),
    }
    if actors:
        doc["actors"] = actors
    doc.update(extra)
    if not noise:
        doc["economy"] = {**NO_EXCHANGE_WALK, **dict(doc.get("economy") or {})}
    return doc


def make_scenario(*args: Any, **kwargs: Any) -> Scenario:
    return scenario_from_text(yaml.safe_dump(scenario_dict(*args, **kwargs), sort_keys=False))


def run(scenario: Scenario, seed: int = 7, worlds: int = 1, values: dict[str, np.ndarray] | None = None) -> Recording:
    return World(scenario, [world_seed(seed, r) for r in range(worlds)], values=values).run()


def run_world(
    scenario: Scenario, seed: int = 7, worlds: int = 1, values: dict[str, np.ndarray] | None = None
) -> tuple[World, Recording]:
    world = World(scenario, [world_seed(seed, r) for r in range(worlds)], values=values)
    return world, world.run()


def pair_index(codes: list[str], a: str, b: str) -> int:
    """Position of dyad a-b among the upper-triangle pairs in actor order."""
    i, j = sorted((codes.index(a), codes.index(b)))
    rows, cols = np.triu_indices(len(codes), 1)
    return int(np.flatnonzero((rows == i) & (cols == j))[0])


FIVE = ["PAK", "RUS", "IND", "USA", "CHN"]


def dyad(a: str, b: str) -> int:
    """Pair index in the default five-2024 set."""
    return pair_index(FIVE, a, b)


def column(name: str) -> int:
    return CONTRIBUTIONS.index(name)


def history_arrays(h: Recording) -> dict[str, np.ndarray]:
    """Every array recorded in a Recording, by name."""
    out = {f"actors.{k}": v for k, v in h.actors.items()}
    out.update({f"metrics.{k}": v for k, v in h.metrics.items()})
    out["alignment"] = h.alignment
    out["trade"] = h.trade
    out["contributions"] = h.contributions
    out["event_contributions"] = h.event_contributions.dense()  # kept sparse: compared as the full array
    return out


def write_synthetic(n: int, directory: Path, seed: int = 0) -> str:
    """Write a synthetic actor set of n states as YAML and return its path."""
    path = directory / f"synthetic-{n}-{seed}.yaml"
    path.write_text(yaml.safe_dump(synthetic_actor_set(n, seed).spec.model_dump(mode="json"), sort_keys=False))
    return str(path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On pytest-xdist workers, the slowest tests first (by ``slow(seconds=...)``, 3 s when unsaid).

    ``--dist worksteal`` hands each worker a contiguous share of this order and lets an idle worker
    take queued tests from a busy one, so a one-minute test started first is balanced by the other
    worker's share; started last, it would be the run's tail. The sort is stable (tests of equal
    weight keep their order) and runs only on workers: ``-n 0`` keeps the file order.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return

    def seconds(item: pytest.Item) -> float:
        mark = item.get_closest_marker("slow")
        return 0.0 if mark is None else float(mark.kwargs.get("seconds", 3))

    items.sort(key=seconds, reverse=True)


ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
"""The shared sourced figures the data files are copied from; tests that read them skip without them."""


def experiment(name: str) -> ModuleType:
    """A script of docs/experiments, imported as a module (the docs quote what its functions print)."""
    path = ROOT / "docs" / "experiments" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def reference_rows(name: str) -> dict[tuple[str, str, int], dict[str, str]]:
    """A reference CSV's yearly rows by (indicator, country or pair, year); skips when it is absent."""
    if not (REFERENCE / name).is_file():
        pytest.skip(f"reference data not available: {REFERENCE / name} is missing")
    with open(REFERENCE / name, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["year"].isdigit()]
    return {(r["indicator"], r["country_or_pair"], int(r["year"])): r for r in rows}


@pytest.fixture
def no_locks_left() -> Iterator[None]:
    """Commands run in this process release their locks at exit; between tests, release them here."""
    from powershift.analysis.results import locks

    yield
    locks.release_all()


def cli_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """run.py in this process: exit status, stdout, stderr."""
    import run

    capsys.readouterr()
    status = run.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def cli_at(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """run.py in this process, started from folder ``cwd``, its output captured: what a subprocess gives.

    Same call and result as a subprocess (``returncode``, ``stdout``, ``stderr``), without the 1.5-2 s an
    interpreter takes to start and import; usable where ``capsys`` is not (module-scoped fixtures).
    """
    import run

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = run.main(list(args))
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["run.py", *args], status, out.getvalue(), err.getvalue())
