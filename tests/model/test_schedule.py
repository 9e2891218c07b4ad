"""The event schedule on its own: when events fire, in which worlds, without a World.

``Schedule`` reads the state only through what conditions need, so these tests hand it a
plain namespace of arrays and drive it step by step; the World-level guarantees (batch
independence, effects) are in test_determinism and test_mechanisms.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from powershift.model import randomness
from powershift.model.events import Event
from powershift.model.schedule import Schedule
from powershift.model.world import world_seed
from tests.conftest import FIVE, make_scenario

START = dt.date(2024, 1, 1)
YEARS = 10
STEPS = YEARS * 4
DT = 0.25


def step_of(date: dt.date) -> int:
    """Quarterly steps from START, as the world counts them (docs/reference/events.md §1.2)."""
    return math.floor((date - START).days / 365.25 * 4 + 1e-9)


def events(*docs: dict[str, Any]) -> tuple[Event, ...]:
    return make_scenario(events=list(docs), years=YEARS).events


def keys(seed: int, replicates: list[int]) -> np.ndarray:
    return randomness.world_keys([world_seed(seed, r) for r in replicates])


def quiet(worlds: int) -> SimpleNamespace:
    """A state in which no condition below holds: everything at zero."""
    n = len(FIVE)
    zeros = np.zeros((worlds, n, n))
    return SimpleNamespace(alignment=zeros.copy(), trade=zeros.copy(), blocked=zeros.copy(),
                           shares=np.zeros((worlds, n)), stability=np.zeros((worlds, n)))  # fmt: skip


def firings(schedule: Schedule, worlds: int, state_at: Any = None) -> np.ndarray:
    """Run the whole horizon; (S, E, W) of who fired when. ``state_at(t)`` gives step t's state."""
    out = []
    for t in range(STEPS):
        _, _, fired = schedule.advance(t, state_at(t) if state_at else quiet(worlds))
        out.append(fired)
    return np.array(out)


def build(docs: list[dict[str, Any]], worlds: int = 3, seed: int = 1, **kwargs: Any) -> Schedule:
    return Schedule(events(*docs), FIVE, STEPS, step_of, DT, keys(seed, list(range(worlds))), **kwargs)


SUMMIT = {"id": "s", "type": "summit", "actors": ["PAK", "RUS"]}


def test_a_dated_event_fires_exactly_in_its_step_in_every_world() -> None:
    schedule = build([{**SUMMIT, "at": "2025-07-03"}])
    fired = firings(schedule, 3)[:, 0, :]
    assert step_of(dt.date(2025, 7, 3)) == 6
    assert fired[6].all()
    assert fired.sum() == 3
    assert [(t, list(w), k) for t, w, k in schedule.fired] == [(6, [0, 1, 2], 0)]


def test_a_date_on_the_horizon_never_fires() -> None:
    assert not firings(build([{**SUMMIT, "at": "2034-01-01"}]), 3).any()


def test_every_recurs_from_its_start_until_its_end() -> None:
    yearly = {**SUMMIT, "every": 1, "start": "2025-01-01", "until": "2028-01-01"}
    half_yearly = {**SUMMIT, "id": "h", "every": 0.5}
    fired = firings(build([yearly, half_yearly]), 3)
    assert np.flatnonzero(fired[:, 0, 0]).tolist() == [4, 8, 12]  # 2028-01-01 is `until`: not included
    assert np.flatnonzero(fired[:, 1, 0]).tolist() == list(range(0, STEPS, 2))
    assert (fired == fired[..., :1]).all(), "scheduled events fire in every world alike"


HAZARD = {"id": "crisis", "type": "crisis", "actors": ["IND", "PAK"], "hazard": 0.5}


def test_a_hazard_lottery_is_drawn_per_world_and_is_deterministic_in_the_seed() -> None:
    fired = firings(build([HAZARD], worlds=8, seed=3), 8)[:, 0, :]
    again = firings(build([HAZARD], worlds=8, seed=3), 8)[:, 0, :]
    assert np.array_equal(fired, again)
    assert len({fired[:, w].tobytes() for w in range(8)}) == 8, "each world draws its own lottery"
    # a world's firings depend on its own seed only: not on which other worlds share its batch
    alone = Schedule(events(HAZARD), FIVE, STEPS, step_of, DT, keys(3, [5, 2]))
    assert np.array_equal(firings(alone, 2)[:, 0, :], fired[:, [5, 2]])
    # nor on the other events of the scenario (the lottery's stream is named by the event's id)
    crowded = firings(build([{**SUMMIT, "every": 1}, HAZARD], worlds=8, seed=3), 8)[:, 1, :]
    assert np.array_equal(crowded, fired)
    assert not np.array_equal(firings(build([HAZARD], worlds=8, seed=4), 8)[:, 0, :], fired)
    # the yearly hazard becomes a per-step probability 1 - (1 - 0.5)^(1/4), about 0.16
    assert 0.08 < fired.mean() < 0.25


def test_a_hazard_event_fires_only_inside_its_window() -> None:
    windowed = {**HAZARD, "hazard": 0.9, "start": "2026-01-01", "until": "2030-01-01"}
    fired = firings(build([windowed], worlds=8), 8)[:, 0, :]
    inside = np.zeros(STEPS, dtype=bool)
    inside[8:24] = True
    assert fired[inside].any()
    assert not fired[~inside].any()


def test_max_occurrences_caps_the_firings_in_each_world() -> None:
    capped = {**HAZARD, "hazard": 0.9, "max_occurrences": 2}
    fired = firings(build([capped, {**capped, "id": "free", "max_occurrences": None}], worlds=6), 6)
    assert (fired[:, 0, :].sum(axis=0) == 2).all()
    assert (fired[:, 1, :].sum(axis=0) > 2).all(), "uncapped, the same hazard fires more often"


FTA = {
    "id": "fta",
    "type": "trade_agreement",
    "actors": ["PAK", "RUS"],
    "duration": 0.5,
    "when": {"metric": "alignment", "actors": ["PAK", "RUS"], "above": 0.3},
}
PAK, RUS = FIVE.index("PAK"), FIVE.index("RUS")


def warming(from_step: list[int]) -> Any:
    """PAK-RUS alignment 0.5 from the given step on in each world (0 before)."""

    def state_at(t: int) -> SimpleNamespace:
        state = quiet(len(from_step))
        state.alignment[:, PAK, RUS] = np.where(t >= np.array(from_step), 0.5, 0.0)
        return state

    return state_at


def test_a_conditional_event_fires_when_its_condition_first_holds_and_not_again_without_repeat() -> None:
    fired = firings(build([FTA], worlds=2), 2, warming([3, 5]))[:, 0, :]
    assert np.flatnonzero(fired[:, 0]).tolist() == [3]
    assert np.flatnonzero(fired[:, 1]).tolist() == [5]


def test_a_repeating_conditional_event_fires_again_once_its_last_firing_has_faded() -> None:
    # duration 0.5 years: intensity is 1 in the firing step and the next, 0 in the one after,
    # so with the condition still holding it fires every third step
    fired = firings(build([{**FTA, "repeat": True}], worlds=2), 2, warming([3, 5]))[:, 0, :]
    assert np.flatnonzero(fired[:, 0]).tolist() == list(range(3, STEPS, 3))
    assert np.flatnonzero(fired[:, 1]).tolist() == list(range(5, STEPS, 3))
    capped = firings(build([{**FTA, "repeat": True, "max_occurrences": 2}], worlds=2), 2, warming([3, 5]))
    assert np.flatnonzero(capped[:, 0, 0]).tolist() == [3, 6]


@pytest.mark.parametrize(
    ("metric", "actors", "set_state"),
    [
        ("trade", ["PAK", "RUS"], lambda s: s.trade.__setitem__((slice(None), RUS, PAK), 0.5)),  # either direction
        ("sanctions", ["PAK", "RUS"], lambda s: s.blocked.__setitem__((slice(None), PAK, RUS), 0.5)),
        ("power_share", ["RUS"], lambda s: s.shares.__setitem__((slice(None), RUS), 0.5)),
        ("stability", ["RUS"], lambda s: s.stability.__setitem__((slice(None), RUS), 0.5)),
    ],
)
def test_each_condition_metric_reads_its_part_of_the_state(metric: str, actors: list[str], set_state: Any) -> None:
    event = {**FTA, "when": {"metric": metric, "actors": actors, "above": 0.3}}

    def state_at(t: int) -> SimpleNamespace:
        state = quiet(1)
        if t >= 4:
            set_state(state)
        return state

    assert np.flatnonzero(firings(build([event], worlds=1), 1, state_at)[:, 0, 0]).tolist() == [4]


def test_levels_and_impulses_follow_the_intensity_and_per_world_magnitudes() -> None:
    ramped = {**SUMMIT, "at": "2024-05-01", "ramp": 1.0, "duration": 2.0}
    assert step_of(dt.date(2024, 5, 1)) == 1
    schedule = build([ramped], worlds=2, magnitudes={"s": np.array([0.4, 1.0])})
    levels, impulses = [], []
    for t in range(STEPS):
        level, impulse, _ = schedule.advance(t, quiet(2))
        levels.append(level[0])
        impulses.append(impulse[0])
    levels, impulses = np.array(levels), np.array(impulses)
    assert np.allclose(levels[1:5, 1], [0.25, 0.5, 0.75, 1.0]) and np.allclose(levels[5:9, 1], 1.0)
    assert np.all(levels[9:] == 0) and np.all(levels[0] == 0)
    assert np.allclose(impulses.sum(axis=0), [0.4, 1.0]), "a ramped impulse adds up to its magnitude"
    assert np.allclose(levels[:, 0], 0.4 * levels[:, 1])


def test_the_schedule_needs_no_world() -> None:
    code = "import sys, powershift.model.schedule; sys.exit('powershift.model.world' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
