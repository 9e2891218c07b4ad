"""Running many worlds: runs packed into chunks, one World (Mesa model) per chunk, chunks run
in this process, on a local process pool or on a Dask cluster.

A run is one world: a sweep point (a set of parameter values) and a replicate. Its seed is
``world_seed(seed, replicate)`` whatever chunk or worker runs it, and worlds in a chunk never
interact, so the numbers are the same serially, on a pool or on Dask, for any chunk size or
worker count. Replicate r of every point shares its random numbers (common random numbers),
which keeps noise out of comparisons between points.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import select
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from powershift.analysis.experiments.outcomes import OUTCOME_MEASURES, run_outcomes
from powershift.analysis.results.tables import recording_tables
from powershift.model.files import InputError
from powershift.model.scenario import Scenario
from powershift.model.world import CONTRIBUTIONS, MEASURES, NonFiniteState, World, world_seed

DEFAULT_CHUNK = 500
CHUNK_BYTES = 512 * 1024**2
"""What one chunk's recording and tables may hold: the chunk is made smaller where worlds are large."""
IN_FLIGHT_PER_WORKER = 2  # enough to keep a worker busy; more would only hold memory
DASK_CONNECT_SECONDS = 5
WATCH_SECONDS = 0.5  # how often a worker looks for its parent where it cannot be told at once
ORPHAN_EXIT = 70  # exit status of a worker that ended itself because the run's process was gone


@dataclass(frozen=True)
class Chunk:
    """A slice of runs to advance as one World: each world's point, replicate and parameter values."""

    index: int
    scenario: Scenario
    seed: int
    replicates: np.ndarray
    points: np.ndarray | None = None
    values: dict[str, np.ndarray] = field(default_factory=dict)
    outcomes: bool = True
    tables: bool = False

    @property
    def size(self) -> int:
        return len(self.replicates)


def simulate(chunk: Chunk) -> dict[str, pd.DataFrame]:
    """Run one chunk and return its tables: ``runs`` (outcome summaries) and/or the recording's tables."""
    seeds = [world_seed(chunk.seed, int(r)) for r in chunk.replicates]
    try:
        measures = MEASURES if chunk.tables else OUTCOME_MEASURES
        world = World(chunk.scenario, seeds, chunk.values, record_contributions=chunk.tables, measures=measures)
        world.run()
    except NonFiniteState as exc:  # name the world as the user knows it: its replicate (and point)
        replicate = int(chunk.replicates[int(exc.world)])
        point = "" if chunk.points is None else f" (point {int(chunk.points[int(exc.world)])})"
        raise exc.naming(f"{replicate}{point}") from None
    out: dict[str, pd.DataFrame] = {}
    if chunk.outcomes:
        runs = run_outcomes(world)
        runs.insert(0, "seed", np.int64(chunk.seed))
        runs.insert(0, "replicate", chunk.replicates.astype(np.int64))
        if chunk.points is not None:
            runs.insert(0, "point", chunk.points.astype(np.int64))
        out["runs"] = runs
    if chunk.tables:
        out.update(recording_tables(world, chunk.replicates, chunk.points))
    world.release()
    return out


def world_bytes(scenario: Scenario) -> int:
    """Memory one world's per-step tables need: their numbers, twice (as the recording's arrays while the
    tables are built from them, and pandas' overhead is about as much again)."""
    n, steps = scenario.actors.n, scenario.steps + 1
    pairs = n * (n - 1) // 2
    return 2 * steps * (n * 12 + pairs * (7 + len(CONTRIBUTIONS)) + 9) * 8


def fitting_chunk(scenario: Scenario, chunk: int) -> int:
    """At most ``chunk`` worlds, and no more than fit in ``CHUNK_BYTES`` with their tables (``world_bytes``):
    500 worlds of 5 actors take about 75 MB, a world of 200 actors about 200 MB. The numbers do not depend
    on the chunk size, so this changes only memory and speed."""
    return max(1, min(chunk, CHUNK_BYTES // world_bytes(scenario)))


def chunk_bounds(runs: int, size: int) -> list[tuple[int, int]]:
    """Run ranges [first, last) of chunks of at most ``size`` runs."""
    return [(first, min(first + size, runs)) for first in range(0, runs, size)]


def check_workers(workers: int) -> None:
    if not 1 <= workers <= 256:
        raise InputError("--workers", "workers", f"a whole number from 1 to 256, got {workers}")


def check_chunk(chunk: int) -> None:
    if not 1 <= chunk <= 100_000:
        raise InputError("--chunk", "chunk", f"a whole number of worlds from 1 to 100,000, got {chunk}")


@dataclass
class Executor:
    """Where chunks run: ``submit`` hands one over, ``next_done`` waits for some to finish.

    Without ``submit`` chunks run one by one in this process.
    """

    slots: int = 1
    submit: Callable[[Chunk], Any] | None = None
    next_done: Callable[[set[Any]], set[Any]] | None = None

    def run(
        self, chunks: Iterable[Chunk], total_runs: int, quiet: bool = True
    ) -> Iterator[tuple[Chunk, dict[str, pd.DataFrame]]]:
        """Yield each chunk with its tables as it finishes (not necessarily in order), with a progress bar.

        At most ``slots`` chunks are in flight at once, so memory does not grow with the number of runs.
        """
        with tqdm(total=total_runs, unit="run", disable=quiet, dynamic_ncols=True, smoothing=0.1) as bar:
            finished = self._bounded(chunks) if self.submit else ((c, simulate(c)) for c in chunks)
            for chunk, tables in finished:
                bar.update(chunk.size)
                yield chunk, tables

    def _bounded(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, dict[str, pd.DataFrame]]]:
        assert self.submit is not None and self.next_done is not None
        pending: dict[Any, Chunk] = {}
        source = iter(chunks)
        for chunk in source:
            pending[self.submit(chunk)] = chunk
            if len(pending) >= self.slots:
                break
        while pending:
            for future in self.next_done(set(pending)):
                chunk = pending.pop(future)
                result = future.result()
                for extra in source:
                    pending[self.submit(extra)] = extra
                    break
                yield chunk, result


@contextlib.contextmanager
def executor(workers: int = 1, dask: str | None = None, chunks: int | None = None) -> Iterator[Executor]:
    """An executor for the run: this process (one worker), a local process pool, or a Dask cluster.

    Opened before anything is written, so an unreachable scheduler or a bad worker count leaves no
    trace. A local pool gets no more workers than there are ``chunks``: a worker costs a process start.
    """
    check_workers(workers)
    workers = workers if chunks is None else max(1, min(workers, chunks))
    if dask is not None:
        with dask_client(dask, workers) as client:
            yield dask_executor(client)
    elif workers == 1:
        yield Executor()
    else:
        context = pool_context()
        if context.get_start_method() == "forkserver":
            # the server imports the model now, while this process prepares the run, not at the first chunk
            multiprocessing.forkserver.ensure_running()
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
        ) as pool:
            if context.get_start_method() == "fork":
                _fork_workers(pool)

            def next_done(futures: set[Future]) -> set[Future]:
                return wait(futures, return_when=FIRST_COMPLETED).done

            try:
                yield Executor(workers * IN_FLIGHT_PER_WORKER, lambda c: pool.submit(simulate, c), next_done)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise


def _fork_workers(pool: ProcessPoolExecutor) -> None:
    """Fork every worker of a fork pool now, before a progress bar starts its thread.

    Python 3.12 and later warn at every fork of a process with more than one thread, native ones
    included; ``start_method`` forks only without other Python threads, and the native ones are fork-safe
    (see there), so that warning is silenced here, for these forks only.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning)
        pool.submit(int).result()


def start_method() -> str:
    """How pool workers start. By fork where this process has no other Python thread (the command line):
    the workers then begin with everything imported, about 0.8 s sooner than from a forkserver, and no
    other Python thread can hold a lock the child would inherit taken. (The native threads numpy's and
    scipy's OpenBLAS and Arrow's jemalloc keep are theirs to make safe, and they do, with at-fork
    handlers.) A process with other Python threads (a page's server, a notebook, a test runner) is never
    forked: its workers fork from a forkserver that imported the model once; spawn where neither exists.
    The numbers are the same whichever way (tested).
    """
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def pool_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context of a local pool, started as ``start_method`` says."""
    context = multiprocessing.get_context(start_method())
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["powershift.analysis.experiments.engine"])
    return context


# Workers end with the run's process, even when it is killed outright (SIGKILL, the OOM killer),
# which gives it no chance to stop them. prctl(PR_SET_PDEATHSIG) cannot do it: a forkserver's
# children have the forkserver as parent, and the forkserver stays up as long as any of its
# children holds the pipe it watches, so neither a worker's parent nor that pipe ever changes.
# Instead every worker (and the forkserver) watches the run's process by pid: a pidfd becomes
# readable the moment that process exits, even before its caller reaps it; without pidfds the
# watch polls every WATCH_SECONDS. The multiprocessing resource tracker ends by itself once the
# last process holding its pipe (the run's process, the workers) is gone.
#
# Workers, and the forkserver they fork from, also point their stdin, stdout and stderr at
# /dev/null, so a caller reading the run's pipes sees them close when the run's process ends.
# (Their errors travel back as exceptions, not as text.) The resource tracker is started by the
# standard library with the run's stdio and keeps it until it exits, right after the workers.


def _start_worker(parent: int) -> None:
    """Pool worker initializer: detach from the caller's stdio and end when ``parent`` does."""
    _detach_stdio()
    _exit_when_gone(parent)


def _detach_stdio() -> None:
    """Point file descriptors 0, 1 and 2 at /dev/null."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in (0, 1, 2):
            os.dup2(null, fd)
    finally:
        if null > 2:
            os.close(null)


def _exit_when_gone(pid: int) -> None:
    """End this process (``os._exit``) from a daemon thread as soon as process ``pid`` has exited."""
    try:
        handle: int | None = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(ORPHAN_EXIT)
    except (AttributeError, OSError):  # not Linux, an old kernel or a sandbox without pidfds
        handle = None
    direct = os.getppid() == pid

    def watch() -> None:
        if handle is not None:
            exited = select.poll()
            exited.register(handle, select.POLLIN)
            while not exited.poll():
                pass
        else:
            while _alive(pid) and not (direct and os.getppid() != pid):
                time.sleep(WATCH_SECONDS)
        os._exit(ORPHAN_EXIT)

    threading.Thread(target=watch, name="powershift-exit-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, exited but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the pid now belongs to another user's process
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc: trust kill
        return True
    return state not in (b"Z", b"X")


def _in_forkserver() -> bool:
    """Whether this process is a multiprocessing forkserver (importing this module as its preload)."""
    return multiprocessing.parent_process() is None and any(
        "multiprocessing.forkserver import main" in arg for arg in getattr(sys, "orig_argv", ())
    )


if _in_forkserver():  # its parent is the run's process, whose pool asked for this preload
    _detach_stdio()
    _exit_when_gone(os.getppid())


@contextlib.contextmanager
def dask_client(address: str, workers: int) -> Iterator[Any]:
    """A Dask client on ``address``, or on a new loopback ``LocalCluster`` when address is 'local'."""
    from dask.distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        with cluster, Client(cluster) as client:
            _guard_local_workers(client)
            yield client
        return
    try:
        client = Client(address, timeout=DASK_CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(
            "--dask", address, f"a reachable Dask scheduler ('local' or tcp://HOST:PORT): {reason}"
        ) from None
    with client:
        yield client


def _guard_local_workers(client: Any) -> None:
    """Give a LocalCluster's workers what pool workers have: no hold on the caller's stdio, and an
    end with the run's process. (distributed already ends a worker process once the pipe from its
    parent, this process, closes; this watch does not depend on it.) Never for a remote scheduler's
    workers: they are not this run's to end."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class ExitWithRun(WorkerPlugin):
        name = "powershift-exit-with-run"

        def __init__(self, parent: int) -> None:
            self.parent = parent

        def setup(self, worker: Any) -> None:
            _detach_stdio()
            _exit_when_gone(self.parent)

    register = getattr(client, "register_plugin", None) or client.register_worker_plugin
    register(ExitWithRun(os.getpid()))


def dask_executor(client: Any) -> Executor:
    from dask.distributed import wait as dask_wait

    def next_done(futures: set[Any]) -> set[Any]:
        return dask_wait(list(futures), return_when="FIRST_COMPLETED").done

    slots = max(1, len(client.scheduler_info().get("workers", {}))) * IN_FLIGHT_PER_WORKER
    return Executor(slots, lambda c: client.submit(simulate, c, pure=False), next_done)
