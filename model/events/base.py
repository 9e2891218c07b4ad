"""What every event shares: identity, timing, magnitude and the shape of its effect over time.

An event *fires* (on a date, every k years, at random with a yearly hazard drawn per world, or
when a condition on the state holds). From each firing its *intensity* g(age) ramps from 0 to 1
over ``ramp`` years, holds until ``duration`` years have passed (forever if unset), then falls
to 0, or halves every ``decay`` years if a half-life is given. Each type turns intensity into
effects of two kinds:

- **levels** (sanctions in force, a tariff cut, deliveries under way) are ``magnitude * g``;
- **impulses** (an alignment jump, a new tie, a shock) are ``magnitude * max(0, g - g_before)``,
  so a ramped impulse is spread over the ramp and adds up to ``magnitude`` in total.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from powershift.model.events.effects import Effects
from powershift.model.parameters import StrictModel

FADED = 0.01  # a decaying effect below 1 % of its peak counts as over (so a conditional event may repeat)


def intensities(
    age: np.ndarray, ramp: np.ndarray, duration: np.ndarray, decay: np.ndarray, step_years: float
) -> np.ndarray:
    """g(age) for ages in years since the last firing (inf where it never fired), many events at once.

    ``ramp``, ``duration`` (inf if unset) and ``decay`` (the half-life, 0 if none) are each
    event's ``effective_ramp``, ``effective_duration`` and ``decay``, broadcast against ``age``
    (e.g. (E, 1) against (E, W)); one call serves every event of a step.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        g = np.where(ramp > 0, np.minimum(1.0, (age + step_years) / ramp), 1.0)
        ended = age >= duration
        g_end = np.where(ramp > 0, np.minimum(1.0, duration / ramp), 1.0)
        tail = np.where(decay > 0, g_end * np.exp2(-(age - duration) / decay), 0.0)
        g = np.where(ended & (tail >= FADED), tail, np.where(ended, 0.0, g))
    return np.where(np.isfinite(age), g, 0.0)


class Condition(StrictModel):
    """A structured trigger on the state of each world, e.g. alignment(PAK, RUS) above 0.4."""

    metric: Literal["alignment", "trade", "power_share", "stability", "sanctions"]
    actors: list[str] = Field(min_length=1, max_length=2)
    above: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Condition:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of 'above' or 'below'")
        pairwise = self.metric in ("alignment", "trade", "sanctions")
        if pairwise != (len(self.actors) == 2):
            raise ValueError(f"metric {self.metric} takes {'two actors' if pairwise else 'one actor'}")
        return self


def check_codes(codes: list[str], info: ValidationInfo) -> list[str]:
    """Actor codes must belong to the scenario's actor set (given in the validation context)."""
    known = (info.context or {}).get("actors")
    if known is not None:
        for code in codes:
            if code not in known:
                raise ValueError(f"unknown actor {code!r}; known: {', '.join(known)}")
    if len(set(codes)) != len(codes):
        raise ValueError("an actor is listed twice")
    return codes


class Event(StrictModel):
    """Fields common to every event type. Subclasses add their own and define ``apply``."""

    kind: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    type: str
    title: str | None = None
    source: str | None = None
    note: str | None = None
    hypothetical: bool = False
    magnitude: float = Field(1.0, ge=0, le=1)
    at: dt.date | None = None
    every: float | None = Field(None, gt=0, le=100)
    start: dt.date | None = None
    until: dt.date | None = None
    hazard: float | None = Field(None, gt=0, le=1)
    max_occurrences: int | None = Field(None, ge=1, le=1000)
    when: Condition | None = None
    repeat: bool = False
    ramp: float = Field(0.0, ge=0, le=50)
    duration: float | None = Field(None, gt=0, le=100)
    decay: float | None = Field(None, gt=0, le=100)

    @model_validator(mode="after")
    def _one_timing(self) -> Event:
        given = [name for name in ("at", "every", "hazard", "when") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one timing among at, every, hazard, when (got {given or 'none'})")
        if self.start and self.until and self.until <= self.start:
            raise ValueError("'until' must come after 'start'")
        if self.at is not None and (self.start or self.until):
            raise ValueError("'start' and 'until' bound recurring, hazard and conditional events, not 'at'")
        if self.max_occurrences is not None and self.hazard is None and self.when is None:
            raise ValueError("'max_occurrences' applies to hazard and conditional events")
        if self.repeat and self.when is None:
            raise ValueError("'repeat' applies to conditional ('when') events")
        if self.decay is not None and self.duration is None and self.effective_duration is None:
            raise ValueError("'decay' is the half-life after 'duration' ends: give a duration too")
        return self

    @field_validator("when")
    @classmethod
    def _condition_actors(cls, when: Condition | None, info: ValidationInfo) -> Condition | None:
        if when is not None:
            check_codes(when.actors, info)
        return when

    # --- timing -------------------------------------------------------------------------

    @property
    def effective_ramp(self) -> float:
        return self.ramp

    @property
    def effective_duration(self) -> float | None:
        return self.duration

    def dates(self) -> list[tuple[str, dt.date]]:
        """The dates the file names, for the horizon check."""
        return [(name, getattr(self, name)) for name in ("at", "start", "until") if getattr(self, name)]

    # --- effects ------------------------------------------------------------------------

    def parties(self) -> list[str]:
        """The actors this event involves, for the events table and chart markers."""
        raise NotImplementedError

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        """Add this event's effects for one step; ``level``/``impulse`` have shape (W,)."""
        raise NotImplementedError

    @classmethod
    def example(cls) -> dict[str, Any]:
        """A complete, valid example of this type, used in docs/reference/events.md and the tests."""
        raise NotImplementedError


class Multilateral(Event):
    """An event among two or more states, acting on every pair of them."""

    actors: list[str] = Field(min_length=2)

    _codes = field_validator("actors")(check_codes)

    def parties(self) -> list[str]:
        return list(self.actors)


class Domestic(Event):
    """An event inside one state."""

    actor: str

    @field_validator("actor")
    @classmethod
    def _code(cls, code: str, info: ValidationInfo) -> str:
        return check_codes([code], info)[0]

    def parties(self) -> list[str]:
        return [self.actor]
