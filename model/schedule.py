"""When events fire, in which worlds, and how intense each is: the timing half of the events.

An event fires on a date (``at``), every k years (``every``), at random with a yearly hazard
drawn per world (``hazard``) or when a condition on the state holds (``when``); see
docs/reference/events.md §1.2-1.4. A :class:`Schedule` holds that timing for every event of one batch
of worlds as (E, W) arrays and advances it one step at a time, turning firings into each
event's level and impulse. What an event *does* with them (``Event.apply``) is the world's
business: the schedule reads the state only through :class:`ConditionState`, so it can be
built and tested without a world.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np

from powershift.model import randomness
from powershift.model.events.base import Condition, Event, intensities

NEVER = 10**9
"""The occurrence cap of an event without ``max_occurrences``."""


class ConditionState(Protocol):
    """What ``when`` conditions read: the state left by the previous step, for every world."""

    alignment: np.ndarray  # (W, N, N)
    trade: np.ndarray  # (W, N, N), exporter to importer
    blocked: np.ndarray  # (W, N, N), share of trade blocked by barriers
    shares: np.ndarray  # (W, N), the power shares states act on
    stability: np.ndarray  # (W, N)


class Schedule:
    """The timing of ``events`` over ``steps`` steps of ``dt`` years for the worlds with ``keys``.

    ``step_of`` turns a date into its step; ``keys`` are the worlds' 64-bit keys
    (``randomness.world_keys``), from which each hazard event draws its lottery in stream
    ``event:<id>``, so a world's firings depend only on its own seed and the event's name.
    ``magnitudes`` gives per-world magnitudes (W,) by event id; other events keep their own.
    ``codes`` are the actor codes in state order, for the conditions.

    Call :meth:`advance` once per step, in order. ``fired`` is the log of firings, (step,
    worlds, event index), in the order they happened: the world records it as ``Recording.fired``.
    """

    def __init__(
        self,
        events: Sequence[Event],
        codes: Sequence[str],
        steps: int,
        step_of: Callable[[dt.date], int],
        step_years: float,
        keys: np.ndarray,
        magnitudes: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.events = tuple(events)
        self.dt = step_years
        e, w = len(self.events), len(keys)
        magnitudes = magnitudes or {}
        self.magnitude = (
            np.stack(
                [
                    np.broadcast_to(np.asarray(magnitudes[ev.id], dtype=float), (w,)).copy()
                    if ev.id in magnitudes
                    else np.full(w, ev.magnitude)
                    for ev in self.events
                ]
            )
            if e
            else np.zeros((0, w))
        )
        streams = np.array([randomness.stream_id(f"event:{ev.id}") for ev in self.events], dtype=np.uint64)
        self.lotteries = randomness.uniforms(keys, streams, np.arange(steps))  # (W, S, E)
        self.age = np.full((e, w), np.inf)  # years since the last firing
        self.intensity = np.zeros((e, w))  # g(age) of the latest step
        self.occurrences = np.zeros((e, w), dtype=int)
        self.scheduled = np.zeros((e, steps), dtype=bool)  # fires in every world (at, every)
        self.window = np.ones((e, steps), dtype=bool)  # may fire at all (start, until)
        self.hazard_per_step = np.zeros(e)
        self.max_occurrences = np.array([ev.max_occurrences or NEVER for ev in self.events], dtype=int)
        codes = list(codes)
        self.conditions: list[tuple[int, Condition, list[int]]] = [
            (k, ev.when, [codes.index(c) for c in ev.when.actors])
            for k, ev in enumerate(self.events)
            if ev.when is not None
        ]
        durations = [np.inf if ev.effective_duration is None else ev.effective_duration for ev in self.events]
        self.ramp = np.array([ev.effective_ramp for ev in self.events], dtype=float)[:, None]
        self.duration = np.array(durations, dtype=float)[:, None]
        self.decay = np.array([ev.decay or 0.0 for ev in self.events], dtype=float)[:, None]
        for k, ev in enumerate(self.events):
            first = step_of(ev.start) if ev.start else 0
            last = step_of(ev.until) if ev.until else steps
            self.window[k, :first] = False
            self.window[k, last:] = False
            if ev.at is not None:
                self._schedule(k, step_of(ev.at))
            elif ev.every is not None:
                j = 0  # every j with t < last; t never decreases in j, so the first t >= last ends it
                while (when := first + round(j * ev.every / self.dt)) < last:
                    self._schedule(k, when)
                    j += 1
            elif ev.hazard is not None:
                self.hazard_per_step[k] = 1.0 - (1.0 - ev.hazard) ** self.dt
        self.fired: list[tuple[int, np.ndarray, int]] = []

    def _schedule(self, k: int, step: int) -> None:
        """Fire event k at ``step`` in every world; a step outside the horizon never comes."""
        if 0 <= step < self.scheduled.shape[1]:
            self.scheduled[k, step] = True

    def advance(self, t: int, state: ConditionState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fire step t's events on ``state`` and move every event's age and intensity on.

        Returns each event's ``levels`` (E, W), magnitude * g, and ``impulses`` (E, W),
        magnitude * max(0, g - g_before), where a firing restarts g from 0; and ``fired`` (E, W),
        which events fired in which worlds.
        """
        fired = self._fires(t, state)
        for k in np.flatnonzero(fired.any(axis=1)):
            self.fired.append((t, np.flatnonzero(fired[k]), int(k)))
        self.occurrences += fired
        self.age = np.where(fired, 0.0, self.age + self.dt)
        g = intensities(self.age, self.ramp, self.duration, self.decay, self.dt)
        before = np.where(fired, 0.0, self.intensity)
        self.intensity = g
        return self.magnitude * g, self.magnitude * np.maximum(g - before, 0.0), fired

    def active(self) -> np.ndarray:
        """The events acting in some world after the latest step (nonzero intensity), as indices."""
        return np.flatnonzero(self.intensity.any(axis=1))

    def _fires(self, t: int, state: ConditionState) -> np.ndarray:
        """Which events fire at step t in which worlds (E, W): on schedule, by lottery or on a condition.

        A conditional event fires the first time its condition holds; with ``repeat`` again once
        its previous firing has faded (intensity 0 at the end of the last step).
        """
        more = self.occurrences < self.max_occurrences[:, None]
        lottery = self.lotteries[:, t, :].T
        drawn = lottery < self.hazard_per_step[:, None]  # never for events without a hazard
        fire = self.scheduled[:, t, None] | (self.window[:, t, None] & more & drawn)
        for k, condition, ids in self.conditions:
            if self.window[k, t]:
                first_time = self.occurrences[k] == 0
                again = self.events[k].repeat & (self.intensity[k] == 0) & more[k]
                fire[k] = (first_time | again) & holds(condition, ids, state)
        return fire


def holds(condition: Condition, ids: list[int], state: ConditionState) -> np.ndarray:
    """Whether ``condition`` on the states ``ids`` holds in each world (W,)."""
    if condition.metric == "alignment":
        x = state.alignment[:, ids[0], ids[1]]
    elif condition.metric == "trade":
        x = state.trade[:, ids[0], ids[1]] + state.trade[:, ids[1], ids[0]]
    elif condition.metric == "sanctions":
        x = state.blocked[:, ids[0], ids[1]]
    elif condition.metric == "power_share":
        x = state.shares[:, ids[0]]
    else:
        x = state.stability[:, ids[0]]
    return x > condition.above if condition.above is not None else x < condition.below
