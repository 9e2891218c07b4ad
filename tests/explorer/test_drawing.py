"""The views are shared between this process and a helper, and come out the same as drawn here."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from powershift.analysis.explorer import drawing, session, views
from powershift.analysis.explorer.state import Exploration
from tests.conftest import ROOT

ORDERS = [list(views.VIEWS), list(reversed(views.VIEWS)), ["network", "difference", "power_shares"], ["waterfall"]]


@pytest.mark.parametrize("order", ORDERS)
def test_the_visible_view_is_drawn_here_first_and_the_work_is_shared(order) -> None:
    here, there = drawing.split(order)
    assert here[0] == order[0]
    assert sorted(here + there) == sorted(order)
    assert here == [n for n in order if n in here] and there == [n for n in order if n in there]
    if len(order) > 2:
        load = [sum(drawing.COST[n] for n in side) for side in (here, there)]
        assert abs(load[0] - load[1] - drawing.SHIPPING) <= max(drawing.COST.values())


@pytest.fixture(scope="module")
def current() -> session.Look:
    state = Exploration(scenario="baseline", worlds=3, years=2).with_policy("PAK", "hedging", 1.5)
    return session.look(state, None, session.BaselineCache(), lambda *_: None)


@pytest.mark.slow(seconds=8)
def test_views_drawn_in_the_helper_are_those_drawn_here(current) -> None:
    got: dict[str, bytes] = {}
    drawing.draw(current, list(views.VIEWS), views.Choices(), got.__setitem__, lambda: True)
    assert list(got) != [] and set(got) == set(views.VIEWS)
    for name, image in got.items():
        assert image == views.png(name, current, views.Choices()), name


def test_without_a_helper_every_view_is_drawn_here(current, monkeypatch) -> None:
    monkeypatch.setattr(drawing, "helper", lambda: None)
    got: list[str] = []
    drawing.draw(current, ["network", "focus_alignment"], views.Choices(), lambda n, _: got.append(n), lambda: True)
    assert got == ["network", "focus_alignment"]


def test_nothing_is_handed_over_once_the_state_has_moved_on(current, monkeypatch) -> None:
    monkeypatch.setattr(drawing, "helper", lambda: None)
    got: list[str] = []
    drawing.draw(current, ["network", "waterfall"], views.Choices(), lambda n, _: got.append(n), lambda: not got)
    assert got == ["network"]


@pytest.mark.slow(seconds=6)
def test_the_helper_ends_when_the_server_is_killed() -> None:
    """A pool worker whose parent died would wait for work for ever; the explorer's follows its parent out."""
    script = (
        "import os, sys\n"
        "from powershift.analysis.explorer import drawing\n"
        "pool = drawing.helper()\n"
        "print(pool.submit(os.getpid).result(), flush=True)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    worker = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(worker):
        time.sleep(0.2)
    assert not alive(worker)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        return os.path.exists(f"/proc/{pid}")
