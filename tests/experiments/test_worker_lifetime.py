"""Workers die with the run: when only the run's process is killed outright (SIGKILL, as the OOM
killer does), its pool or Dask-local workers (forked from it, or from a forkserver) and the forkserver
and resource tracker end within seconds, and a caller reading the run's stdout and stderr sees them close.

Processes are followed through /proc (Linux only, like the forkserver), each by pid and start time
so that a reused pid is never taken for a survivor.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from powershift.analysis.experiments.engine import ORPHAN_EXIT

ROOT = Path(__file__).resolve().parents[2]
GRACE = 10.0  # seconds the whole tree has to go once the run's process is killed
STARTUP = 180.0  # seconds the sweep has to get its workers busy (a loaded CI machine is slow)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

Proc = tuple[int, int]  # pid and start time (clock ticks after boot)


def stat(pid: int) -> tuple[str, int, int] | None:
    """State, parent pid and start time of ``pid``, or None if there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = text.rsplit(b")", 1)[1].split()
    return fields[0].decode(), int(fields[1]), int(fields[19])


def descendants(root: int) -> dict[Proc, str]:
    """Every living descendant of ``root``, with its command line."""
    parents: dict[int, list[tuple[int, int]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := stat(int(entry))) is not None and info[0] not in ("Z", "X"):
            parents.setdefault(info[1], []).append((int(entry), info[2]))
    found: dict[Proc, str] = {}
    todo = [root]
    while todo:
        for pid, start in parents.get(todo.pop(), []):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            found[(pid, start)] = cmdline
            todo.append(pid)
    return found


def alive(proc: Proc) -> bool:
    info = stat(proc[0])
    return info is not None and info[2] == proc[1] and info[0] not in ("Z", "X")


def stdio(pid: int) -> list[str]:
    return [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in (0, 1, 2)]


def drain(stream, closed: dict[str, float], name: str) -> None:  # type: ignore[no-untyped-def]
    while stream.read(65536):
        pass
    closed[name] = time.monotonic()


THREADED = """
import runpy, sys, threading
threading.Thread(target=threading.Event().wait, daemon=True).start()
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def start_sweep(out: Path, *extra: str, thread: bool = False) -> subprocess.Popen[bytes]:
    """The sweep as a command; ``thread`` starts it with a second thread running, so that its pool is
    started from a forkserver (a process with threads is not forked)."""
    command = [sys.executable, *(["-c", THREADED] if thread else []), str(ROOT / "run.py")]
    command += ["sweep", "seed-2024", "--param", "alignment.rate=0.1:0.5"]
    command += ["--sampler", "lhs", "--samples", "4000", "--replicates", "5", "--workers", "2"]
    command += ["--out", str(out), *extra]
    return subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_workers(run: subprocess.Popen[bytes], out: Path, marker: str, count: int) -> dict[Proc, str]:
    """The run's descendants once ``count`` of them match ``marker`` and the first chunk is on disk."""
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        assert run.poll() is None, f"the sweep ended early (status {run.returncode})"
        tree = descendants(run.pid)
        workers = [cmd for cmd in tree.values() if marker in cmd]
        if len(workers) >= count and any((out / "runs").glob("part-*.parquet")):
            return tree
        time.sleep(0.2)
    raise AssertionError(f"no busy workers after {STARTUP:.0f} s: {descendants(run.pid)}")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "thread", "marker", "count"),
    [
        ((), False, "sweep seed-2024", 2),  # two workers forked from the run's process, same command line
        ((), True, "multiprocessing.forkserver", 3),  # the forkserver and two workers forked from it
        (("--dask", "local"), False, "multiprocessing.spawn", 2),  # two Dask worker processes
    ],
    ids=["pool-fork", "pool-forkserver", "dask-local"],
)
def test_killing_the_run_ends_every_process_it_started(
    tmp_path: Path, extra: tuple[str, ...], thread: bool, marker: str, count: int
) -> None:
    run = start_sweep(tmp_path / "sweep", *extra, thread=thread)
    closed: dict[str, float] = {}
    readers = [
        threading.Thread(target=drain, args=(stream, closed, name), daemon=True)
        for name, stream in (("stdout", run.stdout), ("stderr", run.stderr))
    ]
    for reader in readers:
        reader.start()
    tree: dict[Proc, str] = {}
    try:
        tree = wait_for_workers(run, tmp_path / "sweep", marker, count)
        workers = [proc for proc, cmd in tree.items() if marker in cmd]
        for pid, _ in workers:  # the forkserver and every worker: never the caller's pipes
            assert stdio(pid) == [os.devnull] * 3, (pid, tree[(pid, _)])

        os.kill(run.pid, signal.SIGKILL)  # only the run's process, as the OOM killer would
        killed = time.monotonic()
        while time.monotonic() - killed < GRACE and [p for p in tree if alive(p)]:
            time.sleep(0.1)
        survivors = {p: tree[p] for p in tree if alive(p)}
        assert not survivors, f"still running {GRACE:.0f} s after the run was killed: {survivors}"
        for reader in readers:
            reader.join(max(0.0, killed + GRACE - time.monotonic()))
        assert set(closed) == {"stdout", "stderr"}, f"pipes still open {GRACE:.0f} s later: {sorted(closed)} closed"
        assert max(closed.values()) - killed < GRACE
    finally:
        if run.poll() is None:
            run.kill()
        run.wait(30)
        for pid, start in tree:
            if alive((pid, start)):
                os.kill(pid, signal.SIGKILL)


WATCHER = """
import os, sys, time
if sys.argv[2] == "poll":
    def no_pidfd(pid):
        raise OSError("no pidfds here")
    os.pidfd_open = no_pidfd
from powershift.analysis.experiments.engine import _exit_when_gone
_exit_when_gone(int(sys.argv[1]))
print("watching", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("how", ["pidfd", "poll"])
def test_watch_ends_a_process_when_the_watched_one_exits_even_unreaped(how: str) -> None:
    """The watch fires for a process that is not the watcher's parent and that nobody has reaped
    yet (a zombie): what a forkserver's child sees when the run's process is killed."""
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER, str(watched.pid), how], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert watcher.stdout is not None and watcher.stdout.readline() == b"watching\n"
        time.sleep(1.0)
        assert watcher.poll() is None, "the watcher ended while the watched process ran"
        watched.kill()  # not waited for: it stays a zombie while the watcher looks
        assert watcher.wait(5) == ORPHAN_EXIT
        assert stat(watched.pid) is not None and stat(watched.pid)[0] == "Z"  # type: ignore[index]
    finally:
        for proc in (watched, watcher):
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
