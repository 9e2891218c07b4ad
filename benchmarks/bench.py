#!/usr/bin/env python3
"""Benchmark: batched ensembles against the plain Mesa way, sweep throughput and memory, scaling in N.

Not run by CI (it takes several minutes). ``python benchmarks/bench.py --json`` prints one JSON
object; without ``--json`` a readable table. Times are medians of ``--repeats`` runs where a
measurement is cheap enough to repeat; the plain Mesa runs, the larger sweep and scaling at N ≥ 100
are timed once.

- ensemble: ``seed-2024``, 1,000 replicates, default horizon, one World in this process, with the
  outcome summaries a sweep keeps (``ensemble_seconds``) and with every per-step table
  (``ensemble_tables_seconds``, what ``run.py run`` does before writing); one world-step of those 1,000
  worlds (``step_microseconds``: ``World.run`` alone, over worlds × steps);
- run: ``run.py run seed-2024 --replicates 10000 --no-charts`` as a user runs it, in a fresh process
  (``run_seconds_10k``, median of 3, interpreter start and imports included; ``_workers2`` with
  ``--workers 2``), the peak RSS of its process tree, and its tables alone (``table_seconds_10k``): each
  chunk's ``recording_tables`` (20 chunks of 500 worlds, the default posterior's draws, as the command runs
  them: ``table_build_seconds_10k``) and appending them to the Parquet files (``table_write_seconds_10k``);
- plain: the same 1,000 worlds as 1,000 ``SingleWorld`` models (one Mesa model per world, with a
  DataCollector), and through ``mesa.batch_run`` where the installed Mesa has it;
- sweep: ``run.py sweep`` of 2,000 LHS points × 5 replicates on 2 workers, written to disk, in a
  fresh process (the run of median time of at least 3): runs per second over the whole command
  (interpreter start, imports and pool start included) and inside the sweep (``engine_runs_per_second``,
  from the manifest); peak RSS summed over the command and its workers, sampled every 20 ms; the same,
  once, for a sweep five times larger, to show that memory does not grow with the number of runs;
- explorer: what one change in the explorer page costs, server side (the page adds its own rendering and
  transfer): the default state with PAK's hedging moved (alternating 1.8 and 0.2, so every rerun is new
  and the baseline is kept), 200 worlds, ten years, with the committed posterior: the paired look
  (``explorer_look_seconds``: the edited run plus pairing), the default view, all six views on one core and
  as the page draws them (``analysis.explorer.drawing``: here and in a helper process), and the update
  (look plus views as drawn);
  against the plain way, the same 200 worlds as 200 one-world Mesa models of the edited scenario;
- page: the same change made in a real browser (Debian's chromium through Playwright, skipped without
  them) on a ``run.py explore`` server: seconds from pressing Enter in PAK's hedging box until the view
  on screen shows the new look (``page_view_seconds``), and until all six views are drawn and shown
  (``page_all_views_seconds``, opening each tab in turn);
- scaling: seconds per world-step for synthetic sets of N states (100 worlds × 40 steps, no
  events), and the exponent of a log-log least-squares fit;
- large: ensembles of 200 synthetic states, ten years, 10 and 20 worlds, every contribution recorded and
  every table written chunk by chunk as ``run`` writes them, in a fresh process: seconds and peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a source tree

from powershift.analysis.experiments.engine import DEFAULT_CHUNK, Chunk, chunk_bounds, simulate
from powershift.analysis.experiments.ensemble import run_ensemble, write_ensemble
from powershift.analysis.experiments.posterior import DEFAULT_POSTERIOR, read_posterior, world_values
from powershift.analysis.results.appending import TableFiles
from powershift.analysis.results.storage import write_streamed
from powershift.analysis.results.tables import TABLES, recording_tables
from powershift.model.actors import synthetic_actor_set
from powershift.model.scenario import load_scenario, scenario_from_text
from powershift.model.single import SingleWorld
from powershift.model.world import World, world_seed

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("ensemble", "run", "sweep", "explorer", "page", "scaling", "large")
SCENARIO = "seed-2024"
WORLDS = 1000
RUN_WORLDS = 10_000
SCALING_N = (5, 20, 50, 100, 200)
SCALING_WORLDS, SCALING_STEPS = 100, 40
LARGE_N, LARGE_WORLDS = 200, (10, 20)


def median_seconds(action: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        clock = time.perf_counter()
        action()
        times.append(time.perf_counter() - clock)
    return statistics.median(times)


def ensemble(repeats: int) -> dict[str, Any]:
    scenario = load_scenario(SCENARIO)
    chunk = Chunk(0, scenario, 0, np.arange(WORLDS))
    seeds = [world_seed(0, r) for r in range(WORLDS)]
    steps = scenario.steps * WORLDS
    return {
        "ensemble_seconds": median_seconds(lambda: simulate(chunk), repeats),
        "ensemble_tables_seconds": median_seconds(lambda: run_ensemble(scenario, WORLDS, chunk=WORLDS), repeats),
        "step_microseconds": 1e6 * median_runs(lambda: World(scenario, seeds), repeats) / steps,
    }


def median_runs(make: Callable[[], World], repeats: int) -> float:
    """Median seconds of ``World.run`` alone, on a new world each time (building it is not timed)."""
    times = []
    for _ in range(repeats):
        world = make()
        clock = time.perf_counter()
        world.run()
        times.append(time.perf_counter() - clock)
        world.release()
    return statistics.median(times)


def run_command(repeats: int) -> dict[str, Any]:
    """The 10,000-world ``run`` in a fresh process, serially and on two workers, with the peak memory of its
    process tree; and the tables it builds and writes, timed apart from the simulation."""
    out: dict[str, Any] = {}
    for suffix, workers in (("", 1), ("_workers2", 2)):
        times, peaks = [], []
        for _ in range(max(repeats, 3)):
            with tempfile.TemporaryDirectory() as tmp:
                command = [sys.executable, str(ROOT / "run.py"), "run", SCENARIO, "--replicates", str(RUN_WORLDS)]
                command += ["--no-charts", "--quiet", "--workers", str(workers), "--out", str(Path(tmp) / "run")]
                clock = time.perf_counter()
                process = psutil.Popen(command, cwd=tmp, stdout=subprocess.DEVNULL)
                with PeakRss(process) as rss:
                    if process.wait() != 0:
                        raise RuntimeError(f"run failed: {' '.join(command)}")
                times.append(time.perf_counter() - clock)
                peaks.append(rss.peak / 2**20)
        out[f"run_seconds_10k{suffix}"] = statistics.median(times)
        out[f"run_peak_rss_mb{suffix}"] = statistics.median(peaks)
    return {**out, **tables_10k(repeats)}


def tables_10k(repeats: int) -> dict[str, float]:
    """Seconds to build the tables of ``run``'s 10,000 worlds chunk by chunk and to append each chunk's to the
    table files, as ``run`` does (medians); the worlds are simulated again for each repeat, untimed."""
    scenario = load_scenario(SCENARIO)
    posterior = read_posterior(DEFAULT_POSTERIOR) if DEFAULT_POSTERIOR.is_file() else None
    values = {} if posterior is None else world_values(posterior, 0, np.arange(RUN_WORLDS))
    built, written = [], []
    for _ in range(repeats):
        build = write = 0.0
        with tempfile.TemporaryDirectory() as tmp, TableFiles(Path(tmp), TABLES, "parquet") as files:
            for first, last in chunk_bounds(RUN_WORLDS, DEFAULT_CHUNK):
                seeds = [world_seed(0, r) for r in range(first, last)]
                world = World(scenario, seeds, {path: v[first:last] for path, v in values.items()})
                world.run()
                clock = time.perf_counter()
                tables = recording_tables(world, np.arange(first, last))
                build += time.perf_counter() - clock
                world.release()
                clock = time.perf_counter()
                files.append(tables)
                write += time.perf_counter() - clock
        built.append(build)
        written.append(write)
    total = [b + w for b, w in zip(built, written, strict=True)]
    return {
        "table_seconds_10k": statistics.median(total),
        "table_build_seconds_10k": statistics.median(built),
        "table_write_seconds_10k": statistics.median(written),
    }


def large_ensemble() -> dict[str, Any]:
    """Ensembles of 200 synthetic actors over ten years with every contribution recorded and every table
    written, chunk by chunk as ``run`` writes them, in a fresh process: seconds and the peak memory of its
    tree, for two sizes (flat memory means the same peak for both)."""
    out: dict[str, Any] = {}
    for worlds in LARGE_WORLDS:
        with tempfile.TemporaryDirectory() as tmp:
            command = [sys.executable, str(Path(__file__).resolve()), "--large-child", str(worlds), tmp]
            clock = time.perf_counter()
            process = psutil.Popen(command, stdout=subprocess.DEVNULL)
            with PeakRss(process) as rss:
                if process.wait() != 0:
                    raise RuntimeError(f"large ensemble failed: {' '.join(command)}")
            out[f"large_{worlds}_seconds"] = time.perf_counter() - clock
            out[f"large_{worlds}_peak_rss_mb"] = rss.peak / 2**20
    return out


def large_child(worlds: int, folder: str) -> None:
    """What ``large_ensemble`` times: a 200-actor ensemble written to ``folder``."""
    base = scenario_from_text("title: large\ndescription: synthetic actor set\nstart: 2024-01-01\nyears: 10\n")
    scenario = dataclasses.replace(base, actors=synthetic_actor_set(LARGE_N))
    write_streamed(
        Path(folder) / "large", "parquet", lambda staging: write_ensemble(staging, "parquet", scenario, worlds)
    )


def plain(batched: World) -> dict[str, Any]:
    """1,000 one-world Mesa models; whether each equals its world of the batch, bit for bit."""
    clock = time.perf_counter()
    identical = True
    for r in range(WORLDS):
        model = SingleWorld(SCENARIO, rng=0, replicate=r)
        while model.running:
            model.step()
        identical &= np.array_equal(model.recording.alignment[:, 0], batched.recording.alignment[:, r])
        identical &= np.array_equal(
            model.recording.actors["power_share"][:, 0], batched.recording.actors["power_share"][:, r]
        )
    return {"plain_seconds": time.perf_counter() - clock, "identical": bool(identical)}


def batch_run() -> dict[str, Any]:
    """The same amount of work through ``mesa.batch_run`` (1,000 seeds, one model each, serial)."""
    import mesa

    if not hasattr(mesa, "batch_run"):
        return {"batch_run_seconds": None}
    seeds = list(range(WORLDS))
    options = {"number_processes": 1, "data_collection_period": -1, "display_progress": False}
    clock = time.perf_counter()
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa >= 3.4 takes the seeds as an argument
        mesa.batch_run(SingleWorld, {"scenario": SCENARIO}, rng=seeds, **options)
    else:
        mesa.batch_run(SingleWorld, {"scenario": SCENARIO, "rng": seeds}, **options)
    return {"batch_run_seconds": time.perf_counter() - clock}


class PeakRss:
    """Peak of the summed resident memory of a process and all its descendants (workers included).

    Summing RSS counts pages that forked processes share once per process, so it overstates
    the memory really in use: a conservative figure.
    """

    def __init__(self, root: psutil.Process) -> None:
        self.root = root
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        while not self.stop.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):  # the command ended between two samples
                for proc in [self.root, *self.root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):  # a worker that ended between listing and reading
                        total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def sweep(points: int, workers: int) -> dict[str, float]:
    """An LHS sweep of ``points`` × 5 replicates run as a user would, ``run.py sweep`` in a fresh
    process: its wall time (interpreter start and imports included) and the peak RSS of its tree."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep"
        command = [sys.executable, str(ROOT / "run.py"), "sweep", SCENARIO, "--param", "actors.PAK.policy.hedging=0:1"]
        command += ["--sampler", "lhs", "--samples", str(points), "--replicates", "5", "--workers", str(workers)]
        command += ["--quiet", "--out", str(out)]
        clock = time.perf_counter()
        process = psutil.Popen(command, cwd=tmp, stdout=subprocess.DEVNULL)
        with PeakRss(process) as rss:
            if process.wait() != 0:
                raise RuntimeError(f"sweep failed: {' '.join(command)}")
        seconds = time.perf_counter() - clock
        runs = json.loads((out / "manifest.json").read_text())["runs"]
        inside = json.loads((out / "manifest.json").read_text())["seconds"]
    return {
        "runs": runs,
        "seconds": seconds,
        "runs_per_second": runs / seconds,
        "engine_runs_per_second": runs / inside,
        "peak_rss_mb": rss.peak / 2**20,
    }


def scaling(repeats: int) -> dict[str, Any]:
    """Seconds per world-step; the per-step contributions are not recorded (at N = 200 they alone
    would take 6.5 GB for 100 worlds), as in a sweep without trajectories."""
    per_step = {}
    base = scenario_from_text("title: scaling\ndescription: synthetic actor sets\nstart: 2024-01-01\nyears: 10\n")
    for n in SCALING_N:
        scenario = dataclasses.replace(base, actors=synthetic_actor_set(n))
        seeds = [world_seed(0, r) for r in range(SCALING_WORLDS)]
        run = lambda s=scenario, w=seeds: World(s, w, record_contributions=False).run()  # noqa: E731
        times = repeats if n <= 50 else 1  # N = 200 takes minutes: timed once
        per_step[str(n)] = median_seconds(run, times) / (SCALING_WORLDS * SCALING_STEPS)
    x, y = np.log(np.array(SCALING_N, dtype=float)), np.log(np.array(list(per_step.values())))
    exponent = float(np.polyfit(x, y, 1)[0])
    return {"scaling": per_step, "scaling_exponent": exponent}


def explorer(repeats: int) -> dict[str, Any]:
    """One slider move in the page: the paired rerun and the views, medians over ``repeats`` moves."""
    from powershift.analysis.explorer import drawing, session, views
    from powershift.analysis.explorer.state import Exploration, scenario_yaml

    chosen, cache = session.default_posterior(), session.BaselineCache()
    drawing.warm_up()
    session.look(Exploration(), chosen, cache, lambda *_: None)  # the baseline, kept from here on
    looks, first, every, shared = [], [], [], []
    for k in range(max(repeats, 3)):
        state = Exploration().with_policy("PAK", "hedging", 1.8 if k % 2 else 0.2)
        clock = time.perf_counter()
        current = session.look(state, chosen, cache, lambda *_: None)
        looks.append(time.perf_counter() - clock)
        clock = time.perf_counter()
        views.png("power_shares", current, views.Choices())
        first.append(time.perf_counter() - clock)
        clock = time.perf_counter()
        for name in views.VIEWS:
            views.png(name, current, views.Choices())
        every.append(time.perf_counter() - clock)
        clock = time.perf_counter()
        drawing.draw(current, list(views.VIEWS), views.Choices(), lambda *_: None, lambda: True)
        shared.append(time.perf_counter() - clock)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "explored.yaml"
        path.write_text(scenario_yaml(state))
        clock = time.perf_counter()
        for r in range(state.worlds):
            model = SingleWorld(str(path), rng=0, replicate=r)
            while model.running:
                model.step()
        plain_seconds = time.perf_counter() - clock
    look_seconds, both_cores = statistics.median(looks), statistics.median(shared)
    return {
        "explorer_look_seconds": look_seconds,
        "explorer_first_view_seconds": statistics.median(first),
        "explorer_all_views_one_core_seconds": statistics.median(every),
        "explorer_all_views_seconds": both_cores,
        "explorer_update_seconds": look_seconds + both_cores,
        "explorer_plain_seconds": plain_seconds,
        "explorer_speedup": plain_seconds / look_seconds,
    }


PAGE_JS = "(name) => { const i = document.querySelector(`img.view-${name}`); return !!i && i.complete; }"


def page(repeats: int) -> dict[str, Any]:
    """One change typed into the page, timed in the browser until it is on screen."""
    import shutil
    import socket
    import urllib.request

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"page_skipped": "playwright is not installed"}
    chromium = shutil.which("chromium")
    if chromium is None:
        return {"page_skipped": "no chromium on PATH"}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "explore", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(240):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url, timeout=2).close()
                break
            time.sleep(0.25)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            tab = browser.new_page(viewport={"width": 1600, "height": 1000})
            tab.goto(url)
            tab.wait_for_function(PAGE_JS, arg="power_shares", timeout=120_000)
            tab.wait_for_timeout(5000)  # the helper process has imported the charts
            views, every = [], []
            for k in range(max(repeats, 3)):
                tab.get_by_role("tab", name="Power shares").click()
                tab.wait_for_function(PAGE_JS, arg="power_shares")
                box = tab.locator(".policy-hedging input")
                box.fill("1.8" if k % 2 else "0.2")
                clock = time.perf_counter()
                box.press("Enter")
                tab.locator("img.view-power_shares").wait_for(state="detached", timeout=30_000)
                tab.wait_for_function(PAGE_JS, arg="power_shares", timeout=30_000)
                views.append(time.perf_counter() - clock)
                for name, title in (
                    ("difference", "Difference from baseline"),
                    ("focus_alignment", "Focus alignment"),
                    ("bloc_safety", "Bloc safety"),
                    ("network", "Network"),
                    ("waterfall", "Why it moved"),
                ):
                    tab.get_by_role("tab", name=title).click()
                    tab.wait_for_function(PAGE_JS, arg=name, timeout=30_000)
                every.append(time.perf_counter() - clock)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"page_view_seconds": statistics.median(views), "page_all_views_seconds": statistics.median(every)}


def machine() -> dict[str, Any]:
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "python": platform.python_version(),
        "mesa": version("mesa"),
        "numpy": version("numpy"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the cheap measurements (median)")
    parser.add_argument("--workers", type=int, default=2, help="workers for the sweep (default 2)")
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="what to measure (default all; 'ensemble' includes the plain Mesa runs, ~10 minutes)",
    )
    parser.add_argument("--large-child", nargs=2, metavar=("WORLDS", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.large_child:
        large_child(int(args.large_child[0]), args.large_child[1])
        return

    out: dict[str, Any] = machine()
    if "ensemble" in args.parts:
        out.update(ensemble(args.repeats))
        batched = World(load_scenario(SCENARIO), [world_seed(0, r) for r in range(WORLDS)])
        batched.run()
        out.update(plain(batched))
        out["ensemble_speedup"] = out["plain_seconds"] / out["ensemble_seconds"]
        out.update(batch_run())
        del batched
    if "run" in args.parts:
        out.update(run_command(args.repeats))
    if "sweep" in args.parts:
        for prefix, points, repeats in (("sweep", 2000, max(args.repeats, 3)), ("sweep_large", 10_000, 1)):
            measured = sorted((sweep(points, args.workers) for _ in range(repeats)), key=lambda m: m["seconds"])
            out.update({f"{prefix}_{key}": value for key, value in measured[len(measured) // 2].items()})
    if "explorer" in args.parts:
        out.update(explorer(args.repeats))
    if "page" in args.parts:
        out.update(page(args.repeats))
    if "scaling" in args.parts:
        out.update(scaling(args.repeats))
    if "large" in args.parts:
        out.update(large_ensemble())
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for key, value in out.items():
        shown = f"{value:.4g}" if isinstance(value, float) else value
        print(f"{key:30s} {shown}")


if __name__ == "__main__":
    main()
