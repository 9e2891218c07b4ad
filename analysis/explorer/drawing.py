"""Drawing the views of a look on both cores: some in the page's thread, the rest in one helper process.

Matplotlib holds the interpreter lock while it lays out text and ticks, so threads do not draw two
charts at once; six views take about 2.5 s on one core, which is longer than a live page should
lag. The helper process draws its share at the same time (it gets a pickled copy of the look,
about 0.1 s each way for 200 worlds), and the views are split by what each costs to draw, the
visible one always here and first. Without a helper (it failed to start, or died), every view is
drawn here, one after the other: slower, never different.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from powershift.analysis.explorer.session import Look
from powershift.analysis.explorer.views import Choices, png

# Seconds each view takes to draw at 200 worlds and ten years on this machine (benchmarks/bench.py, explorer):
# only their ratios matter, to give each side about the same work.
COST = {
    "power_shares": 0.3,
    "difference": 0.75,
    "focus_alignment": 0.25,
    "bloc_safety": 0.5,
    "network": 0.13,
    "waterfall": 0.3,
}
SHIPPING = 0.15  # pickling the look to the helper and back

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def helper() -> ProcessPoolExecutor | None:
    """The helper process, started once (spawned: the page's threads are not forked into it)."""
    global _pool
    with _lock:
        if _pool is None:
            try:
                _pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=follow, initargs=(os.getpid(),)
                )
                atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
            except OSError:
                return None
        return _pool


def follow(parent: int) -> None:
    """In the helper: end when the page's server ends, however it ends (a pool's worker whose parent was killed
    would otherwise wait for work for ever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def ready() -> bool:
    """Nothing, in the helper: unpickling this function there imports the charts."""
    return True


def warm_up() -> None:
    """Start the helper and import the charts there now, so the first change does not wait for it."""
    pool = helper()
    if pool is not None:
        pool.submit(ready)


def split(order: list[str]) -> tuple[list[str], list[str]]:
    """The views to draw here (the first of ``order`` always, as the reader is looking at it) and in the helper,
    so that both sides finish at about the same time."""
    here, there = order[:1], []
    load_here, load_there = COST.get(order[0], 0.3) if order else 0.0, SHIPPING
    for name in sorted(order[1:], key=lambda n: -COST.get(n, 0.3)):
        if load_there < load_here:
            there.append(name)
            load_there += COST.get(name, 0.3)
        else:
            here.append(name)
            load_here += COST.get(name, 0.3)
    return [n for n in order if n in here], [n for n in order if n in there]


def draw_there(current: Look, names: list[str], picked: Choices) -> dict[str, bytes]:
    """In the helper process: the named views as PNGs."""
    return {name: png(name, current, picked) for name in names}


def draw(
    current: Look, order: list[str], picked: Choices, deliver: Callable[[str, bytes], None], wanted: Callable[[], bool]
) -> None:
    """Draw the views in ``order`` and hand each to ``deliver`` as soon as it is drawn; stop handing them over
    once ``wanted()`` is False (the reader has changed the state since)."""
    here, there = split(order)
    pool = helper() if there else None
    future: Future[dict[str, bytes]] | None = None
    if pool is not None:
        try:
            future = pool.submit(draw_there, current, there, picked)
        except RuntimeError:  # the helper died or was shut down: draw everything here
            future = None
    if future is None:
        here, there = order, []
    for name in here:
        if not wanted():
            return
        deliver(name, png(name, current, picked))
    if future is not None:
        try:
            images = future.result()
        except BrokenProcessPool:  # a helper that died mid-way: draw its share here rather than show nothing
            images = {name: png(name, current, picked) for name in there}
        for name in there:
            if wanted():
                deliver(name, images[name])
