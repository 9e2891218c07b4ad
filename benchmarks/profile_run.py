#!/usr/bin/env python3
"""Where the time of one ``run.py run`` goes, and where a step's time goes: what to speed up next.

``python benchmarks/profile_run.py`` runs ``run seed-2024 --replicates 10000 --no-charts`` in this
process ``--repeats`` times with a clock around each phase (setup of the worlds, ``World.run``, the
tables, appending each chunk's to the table files, the rest of the command) and times the imports in
fresh interpreters; medians. ``--step`` profiles ``World.step`` instead: its top functions
(cProfile, at the run's chunk of 500 worlds), seconds per step against the number of worlds (a fit
``a + b · worlds``: ``a`` is what a step costs whatever its size, the per-operation overhead, ``b`` the
arithmetic), and how many numpy operations one step makes, counted by viewing the world's arrays as a
subclass that counts ufunc calls, array functions and indexing (a lower bound: arrays made afresh, as by
``np.zeros``, are not counted until they meet a counted one). ``benchmarks/bench.py`` keeps the
headline figures (``run_seconds_10k``, ``table_seconds_10k``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a source tree

import run
from powershift.analysis.cli import run as run_command
from powershift.analysis.experiments import engine
from powershift.analysis.experiments.posterior import DEFAULT_POSTERIOR, read_posterior, world_values
from powershift.analysis.results import appending
from powershift.model.scenario import load_scenario
from powershift.model.world import World, world_seed

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "seed-2024"
CHUNK = 500  # run's default chunk: the worlds one World advances at once
STEP_WORLDS = (1, 10, 100, 500, 2000)


@contextlib.contextmanager
def timed(owner: Any, name: str, label: str, totals: collections.Counter) -> Iterator[None]:
    """Add the seconds spent in ``owner.name`` to ``totals[label]`` while in this block."""
    original = getattr(owner, name)

    def clocked(*args: Any, **kwargs: Any) -> Any:
        clock = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - clock

    setattr(owner, name, clocked)
    try:
        yield
    finally:
        setattr(owner, name, original)


def command_phases(replicates: int) -> dict[str, float]:
    """One ``run`` command in this process, split into its phases (seconds)."""
    totals: collections.Counter = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        for owner, name, label in (
            (World, "__init__", "setup"),
            (World, "run", "simulation"),
            (engine, "recording_tables", "tables"),
            (appending.TableFile, "append", "append"),
            (run_command, "write_ensemble", "ensemble"),
            (run_command, "write_streamed", "write results"),
            (run_command, "read_ensemble", "read back"),
        ):
            stack.enter_context(timed(owner, name, label, totals))
        argv = ["run", SCENARIO, "--replicates", str(replicates), "--no-charts", "--quiet"]
        clock = time.perf_counter()
        with contextlib.redirect_stdout(None):
            status = run.main([*argv, "--out", str(Path(tmp) / "run")])
        command = time.perf_counter() - clock
    if status != 0:
        raise RuntimeError(f"run failed with status {status}")
    inside = totals["setup"] + totals["simulation"] + totals["tables"] + totals["append"]
    return {
        "setup (World.__init__)": totals["setup"],
        "simulation (World.run)": totals["simulation"],
        "tables (recording_tables)": totals["tables"],
        "appending them to the table files (TableFile.append)": totals["append"],
        "the rest of write_ensemble (seeds, chunks, outcome summaries)": totals["ensemble"] - inside,
        "staging, manifest and moving the folder into place": totals["write results"] - totals["ensemble"],
        "reading the headline's columns back": totals["read back"],
        "rest of the command (scenario, posterior, checks, headline)": (
            command - totals["write results"] - totals["read back"]
        ),
        "command in process": command,
    }


def interpreter_seconds(code: str, repeats: int) -> float:
    """Median wall time of ``python -c code`` in a fresh interpreter."""
    times = []
    for _ in range(repeats):
        clock = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        times.append(time.perf_counter() - clock)
    return statistics.median(times)


def split(replicates: int, repeats: int) -> None:
    phases: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(repeats):
        for name, seconds in command_phases(replicates).items():
            phases[name].append(seconds)
    start = interpreter_seconds("pass", repeats)
    imports = interpreter_seconds("import run", repeats) - start
    rows = {name: statistics.median(times) for name, times in phases.items()}
    rows |= {"imports (import run)": imports, "interpreter start": start}
    whole = rows["command in process"] + imports + start
    print(f"run {SCENARIO} --replicates {replicates:,} --no-charts: medians of {repeats}")
    for name, seconds in rows.items():
        print(f"  {name:58s} {seconds:7.3f} s  {100 * seconds / whole:5.1f} %")
    print(f"  {'whole command (in process + imports + start)':58s} {whole:7.3f} s")


def posterior_world(worlds: int) -> World:
    """``worlds`` worlds of the scenario as the command runs them (the default posterior's draws)."""
    values = world_values(read_posterior(DEFAULT_POSTERIOR), 0, np.arange(worlds))
    return World(load_scenario(SCENARIO), [world_seed(0, r) for r in range(worlds)], values)


class Counted(np.ndarray):
    """An array that counts the numpy operations made on it (the outermost only: np.clip counts once, not
    also the ufunc it calls) and makes the arrays they return counted too."""

    calls: collections.Counter = collections.Counter()
    depth = 0

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        out = kwargs.get("out")
        with Counted.counting(f"ufunc {name}"):
            kwargs = {k: tuple(map(plain, v)) if k == "out" else plain(v) for k, v in kwargs.items()}
            result = getattr(ufunc, method)(*map(plain, inputs), **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return counted(result)

    def __array_function__(self, func: Callable, types: Any, args: Any, kwargs: Any) -> Any:
        with Counted.counting(f"function {func.__name__}"):
            return counted(super().__array_function__(func, types, args, kwargs))

    def __getitem__(self, key: Any) -> Any:
        with Counted.counting("indexing a[...]"):
            return counted(super().__getitem__(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        with Counted.counting("assigning a[...] ="):
            super().__setitem__(key, value)

    @staticmethod
    @contextlib.contextmanager
    def counting(name: str) -> Iterator[None]:
        if Counted.depth == 0:
            Counted.calls[name] += 1
        Counted.depth += 1
        try:
            yield
        finally:
            Counted.depth -= 1


def plain(x: Any) -> Any:
    return x.view(np.ndarray) if isinstance(x, Counted) else x


def counted(x: Any) -> Any:
    if isinstance(x, np.ndarray) and not isinstance(x, Counted):
        return x.view(Counted)
    if isinstance(x, tuple | list):
        return type(x)(counted(v) for v in x)
    return x


def count_everywhere(obj: Any, seen: set[int]) -> Any:
    """``obj`` with every array reachable from it (attributes of the project's objects, dicts) counted."""
    if id(obj) in seen:
        return obj
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return counted(obj)
    if isinstance(obj, dict):
        for key, value in obj.items():
            obj[key] = count_everywhere(value, seen)
    elif type(obj).__module__.startswith("powershift") and hasattr(obj, "__dict__"):
        for key, value in vars(obj).items():
            new = count_everywhere(value, seen)
            if new is not value:
                object.__setattr__(obj, key, new)  # also into frozen dataclasses
    return obj


def numpy_operations(worlds: int) -> tuple[dict[str, float], bool]:
    """Numpy operations per step, by kind, and whether the counted run recorded exactly what a plain one does."""
    plain_world, world = posterior_world(worlds), posterior_world(worlds)
    plain_world.run()
    count_everywhere(world, {id(world.recording)})
    world.step()  # the first step makes some arrays once
    Counted.calls.clear()
    steps = world.horizon - world.t
    world.run()
    same = all(
        np.array_equal(getattr(plain_world.recording, k), getattr(world.recording, k))
        for k in ("alignment", "trade", "contributions")
    )
    same &= np.array_equal(
        plain_world.recording.event_contributions.dense(), world.recording.event_contributions.dense()
    )
    same &= all(np.array_equal(v, world.recording.actors[k]) for k, v in plain_world.recording.actors.items())
    return {name: calls / steps for name, calls in Counted.calls.most_common()}, same


def parts_of(stats: pstats.Stats, caller: str) -> dict[str, float]:
    """Seconds spent in each function that World.``caller`` calls, most first."""
    raw: dict = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table there
    key = next(k for k in raw if k[2] == caller and k[0].endswith("world.py"))
    parts = {f"{Path(f[0]).stem}.{f[2]}": callers[key][3] for f, (*_, callers) in raw.items() if key in callers}
    return dict(sorted(parts.items(), key=lambda item: -item[1]))


def step_profile(repeats: int, top: int) -> None:
    world = posterior_world(CHUNK)
    profile = cProfile.Profile()
    profile.runcall(world.run)
    print(f"World.step at {CHUNK} worlds ({world.horizon} steps), cProfile, by own time:")
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime")
    stats.print_stats(top)
    for caller in ("step", "_record"):
        print(f"the parts of World.{caller} (the functions it calls), cumulative:")
        for name, seconds in list(parts_of(stats, caller).items())[:12]:
            share = 100 * seconds / stats.total_tt  # type: ignore[attr-defined]
            print(f"  {name:44s} {1e3 * seconds / world.horizon:7.2f} ms per step  {share:5.1f} %")
    per_step = {}
    for worlds in STEP_WORLDS:
        times = []
        for _ in range(repeats):
            world = posterior_world(worlds)
            clock = time.perf_counter()
            world.run()
            times.append((time.perf_counter() - clock) / world.horizon)
        per_step[worlds] = statistics.median(times)
    b, a = np.polyfit(list(per_step), list(per_step.values()), 1)
    print("seconds per step (median of", repeats, "):")
    for worlds, seconds in per_step.items():
        print(
            f"  {worlds:5d} worlds: {1e6 * seconds:9.1f} µs per step, {1e6 * seconds / worlds:7.2f} µs per world-step"
        )
    print(f"  fit: {1e6 * a:.0f} µs per step whatever its size + {1e6 * b:.2f} µs per world")
    kinds, same = numpy_operations(10)
    print(f"numpy operations per step (10 worlds, counted; recording unchanged: {same}): {sum(kinds.values()):.0f}")
    for name, calls in list(kinds.items())[:top]:
        print(f"  {calls:7.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000, help="worlds of the run (default 10,000)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats (medians)")
    parser.add_argument("--step", action="store_true", help="profile World.step instead of the command")
    parser.add_argument("--top", type=int, default=25, help="functions shown by --step (default 25)")
    args = parser.parse_args()
    if args.step:
        step_profile(args.repeats, args.top)
    else:
        split(args.replicates, args.repeats)


if __name__ == "__main__":
    main()
