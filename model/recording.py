"""What a run recorded: every series the results tables are made from, step 0 (the initial state) to step S,
for every world (``World.recording``; not the historical record of ``analysis.validation``, which runs are
checked against)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class EventParts:
    """The events' direct pushes on each dyad, event by event, kept as their nonzero entries only.

    Dense, they would be (S+1, W, P, E), half of a chunk's recording, and under 1 % of it nonzero (an
    event touches its own dyads while it acts); writing that much fresh memory every step was most of the
    cost of recording. ``add`` keeps a step's nonzero entries exactly as they are; ``dense`` gives the full
    array back (the entries are put where they were, every other entry is 0).
    """

    shape: tuple[int, int, int, int]  # (S+1, W, P, E)
    _steps: list[tuple[np.ndarray, ...]] = field(default_factory=list)

    def add(self, step: int, parts: np.ndarray, events: np.ndarray) -> None:
        """Keep the nonzero entries of one step's pushes, ``parts`` (len(events), W, P): the rows of the
        events ``events`` (ascending), every other event's push being 0. Only acting events can push, and
        scanning their rows alone, not all E, keeps entries and their order the same."""
        row, world, pair = np.nonzero(parts)
        self._steps.append((np.full(len(row), step), world, pair, events[row], parts[row, world, pair]))

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every kept entry as arrays step, world, pair, event (int64) and value (float64), in no set order."""
        if not self._steps:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty, np.zeros(0)
        step, world, pair, event, value = (np.concatenate(column) for column in zip(*self._steps, strict=True))
        return step.astype(np.int64), world.astype(np.int64), pair.astype(np.int64), event.astype(np.int64), value

    def dense(self) -> np.ndarray:
        """The full (S+1, W, P, E) array."""
        out = np.zeros(self.shape)
        step, world, pair, event, value = self.entries()
        out[step, world, pair, event] = value
        return out


@dataclass
class Recording:
    """Every recorded series of a run, step 0 to step S, for every world."""

    actors: dict[str, np.ndarray] = field(default_factory=dict)  # (S+1, W, N)
    alignment: np.ndarray | None = None  # (S+1, W, P)
    trade: np.ndarray | None = None  # (S+1, W, P)
    contributions: np.ndarray | None = None  # (S+1, W, P, K)
    event_contributions: EventParts | None = None  # the events column of ``contributions`` split by event
    metrics: dict[str, np.ndarray] = field(default_factory=dict)  # (S+1, W)
    fired: list[tuple[int, np.ndarray, int]] = field(default_factory=list)  # (step, worlds, event): Schedule.fired
