"""Scenario files: what a user writes to describe a future, validated before anything runs.

A scenario is a YAML mapping: title, description, start date, horizon, the actor set, optional
overrides of actor policies and model parameters, and a list of events. ``--set PATH=VALUE``
edits the document by dotted path before validation (events are addressed by id), so the same
names work in files, on the command line and in sweeps.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from powershift.model import extends
from powershift.model.actors import DEFAULT_ACTOR_SET, ActorSet, check_policy, load_actor_set
from powershift.model.dyads import Dyad
from powershift.model.events import EVENT_TYPES, Event
from powershift.model.files import (
    PROJECT_ROOT,
    InputError,
    field_error,
    first_error,
    load_yaml,
    parse_mapping,
    plain,
    read_mapping,
)
from powershift.model.parameters import Parameters, StrictModel
from powershift.model.paths import ParamPath, split_assignment

SCENARIO_DIR = PROJECT_ROOT / "scenarios"

# The calendar a run can hold: its tables store dates as pandas datetime64[ns], whose range is
# 1677-09-21 00:12:43 .. 2262-04-11 23:47:16. Every step's date must fall within these days.
FIRST_DATE = dt.date(1677, 9, 22)
LAST_DATE = dt.date(2262, 4, 11)


class ActorOverride(StrictModel):
    policy: dict[str, float] = {}
    growth: float | None = Field(None, ge=-0.2, le=0.3)
    stability: float | None = Field(None, ge=0, le=1)
    exchange_drift: float | None = Field(
        None, ge=-0.3, le=0.3, description="yearly log change of the real exchange rate against the dollar"
    )

    _policy = field_validator("policy")(check_policy)


class ScenarioSpec(Parameters):
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    sources: list[str] = []
    start: dt.date
    years: float = Field(gt=0, le=100)
    steps_per_year: int = Field(4, ge=1, le=52)
    actor_set: str = DEFAULT_ACTOR_SET
    focus: list[str] = []
    friction: dict[str, float] = {}
    actors: dict[str, ActorOverride] = {}
    events_from: str | None = Field(
        None, min_length=1, description="a scenario whose events within this horizon come before this file's own"
    )
    events: list[dict[str, Any]] = []

    @model_validator(mode="after")
    def _calendar(self) -> ScenarioSpec:
        """At least one step, and every step's date (the last may lie up to a step past the end) in the calendar."""
        step = 1 / self.steps_per_year
        length = (
            f"{step:g} year{'s' * (step != 1)} at {self.steps_per_year} step{'s' * (self.steps_per_year != 1)} a year"
        )
        room = calendar_years(self.start, self.steps_per_year)
        if self.start < FIRST_DATE:
            raise field_error("start", f"a date on or after {FIRST_DATE} (the calendar's first day)", self.start)
        if room < step:
            raise field_error(
                "start", f"a date at least one step ({length}) before {LAST_DATE} (the calendar's last day)", self.start
            )
        if self.years < step * (1 - 1e-9):
            raise field_error("years", f"a horizon of at least one step ({length})", self.years)
        if self.years > room:
            raise field_error(
                "years",
                f"a horizon whose last step falls by {LAST_DATE} (the calendar's last day): "
                f"at most {room:g} years from {self.start}",
                self.years,
            )
        return self

    @property
    def end(self) -> dt.date:
        return add_years(self.start, self.years)


def calendar_years(start: dt.date, steps_per_year: int) -> float:
    """The longest horizon from start (in hundredths of a year) whose last step still falls by LAST_DATE.

    The last step lies up to one step past the end (the step count is rounded), so one step is kept in hand.
    """
    step = 1 / steps_per_year
    years = math.floor(100 * ((LAST_DATE - start).days / 365.25 - step)) / 100
    while years > 0 and add_years(start, years + step) > LAST_DATE:
        years -= 0.01
    return max(0.0, round(years, 2))


def add_years(start: dt.date, years: float) -> dt.date:
    """The calendar date ``years`` after start (whole years by the calendar, the rest in days)."""
    whole = int(years)
    shifted = start.replace(year=start.year + whole, day=min(start.day, 28) if start.month == 2 else start.day)
    return shifted + dt.timedelta(days=round((years - whole) * 365.25))


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its actor set, typed events and provenance."""

    name: str
    path: str
    sha256: str
    spec: ScenarioSpec
    events: tuple[Event, ...]
    actors: ActorSet

    @property
    def steps(self) -> int:
        return max(1, round(self.spec.years * self.spec.steps_per_year))

    @property
    def focus_pairs(self) -> list[Dyad]:
        """The focus dyads, each in alphabetical order (as results tables hold pairs)."""
        return [Dyad.parse(p).canonical() for p in self.spec.focus]


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def resolve(name_or_path: str) -> Path:
    """A bare name refers to ``scenarios/<name>.yaml``; anything else is a path."""
    candidate = SCENARIO_DIR / f"{name_or_path}.yaml"
    if candidate.is_file() and "/" not in name_or_path:
        return candidate
    path = Path(name_or_path)
    if not path.exists() and path.suffix == "":
        close = difflib.get_close_matches(name_or_path, scenario_names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else " (see 'run.py list')"
        raise InputError(name_or_path, "(scenario)", f"a scenario name or file{hint}")
    return path


def load_scenario(
    name_or_path: str, overrides: list[str] | tuple[str, ...] = (), years: float | None = None
) -> Scenario:
    path = resolve(name_or_path)
    raw, digests = document(read_mapping(path), path)
    for assignment in overrides:
        apply_override(raw, assignment)
    scenario = build_scenario(raw, path, digest(path.read_bytes(), digests))
    return scenario if years is None else with_horizon(scenario, years)


def document(raw: dict[str, Any], path: Path) -> tuple[dict[str, Any], list[str]]:
    """A scenario file's document as validation sees it, and a digest of every other file it draws on: its
    parents merged (``extends``, see ``model.extends``), the events it inherits copied in (``events_from``),
    its ``set:`` entries applied. Resolved before ``--set``, so that ``--set events.<id>...`` reaches an
    inherited event too."""
    raw, digests = extends.resolve(raw, path, inline_events_from)
    raw, inherited = inline_events_from(raw, path)
    for key, value in (raw.pop("set", None) or {}).items():
        assign(raw, key, value, path, f"set.{key}")
    return raw, [*digests, *inherited]


def digest(text: bytes, others: list[str]) -> str:
    """A scenario's sha256: of its file, and of the files it draws on when there are any."""
    own = hashlib.sha256(text).hexdigest()
    return hashlib.sha256("+".join([own, *others]).encode()).hexdigest() if others else own


def inline_events_from(raw: dict[str, Any], path: Path) -> tuple[dict[str, Any], list[str]]:
    """The document with the events of its ``events_from`` scenario copied in before its own (and the key
    dropped), and that file's digest; unchanged without the key. The window is the file's own start and
    years, so the events are checked against the document before ``--set`` or ``--years`` change them."""
    if raw.get("events_from") is None:
        return raw, []
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, path) from None
    inherited, source_sha256 = inherited_events(spec, load_actor_set(spec.actor_set).codes, path)
    own = raw.get("events") or []
    expanded = {k: v for k, v in raw.items() if k != "events_from"}
    expanded["events"] = [*inherited, *(own if isinstance(own, list) else [own])]
    return expanded, [source_sha256]


def with_horizon(scenario: Scenario, years: float) -> Scenario:
    """The same scenario run for another number of years; events after the new end never fire."""
    try:
        spec = ScenarioSpec.model_validate({**scenario.spec.model_dump(), "years": years})
    except ValidationError as exc:
        raise first_error(exc, "--years") from None
    return replace(scenario, spec=spec)


def scenario_from_text(text: str, name: str = "(text)") -> Scenario:
    """Build a scenario from YAML text (for the Python API and tests); ``extends`` paths are relative to the
    working directory."""
    raw, digests = document(parse_mapping(text, name), Path(name))
    return build_scenario(raw, Path(name), digest(text.encode(), digests))


def build_scenario(raw: dict[str, Any], path: Path, sha256: str) -> Scenario:
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, path) from None
    actors = load_actor_set(spec.actor_set)
    check_actor_overrides(spec, actors, path)
    check_focus(spec, actors, path)
    if spec.events_from is not None:  # a document not made by ``document`` (``document`` copies them in)
        raw, inherited = inline_events_from(raw, path)
        return build_scenario(raw, path, digest(sha256.encode(), inherited))
    events = tuple(parse_event(item, i, actors.codes, path) for i, item in enumerate(spec.events))
    check_event_ids(events, path)
    for event in events:
        check_horizon(event, spec, path)
        check_period(event, spec, path)
    return Scenario(path.stem, str(path), sha256, spec, events, actors)


def inherited_events(spec: ScenarioSpec, codes: list[str], path: Path) -> tuple[list[dict[str, Any]], str]:
    """The events of scenario ``spec.events_from`` all of whose dates lie within this horizon, and its sha256.

    Undated events (a hazard or condition without a window) are not inherited; the other scenario
    may not itself inherit (one level only), so a file's events are always found in one of two files.
    """
    name = spec.events_from or ""
    source = SCENARIO_DIR / f"{name}.yaml"
    if "/" in name or not source.is_file():
        close = difflib.get_close_matches(name, scenario_names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else " (see 'run.py list')"
        raise InputError(path, "events_from", f"the name of a scenario in scenarios/{hint}, got {name!r}")
    if source.resolve() == path.resolve():
        raise InputError(path, "events_from", "another scenario than this one")
    raw = read_mapping(source)
    if raw.get("events_from") is not None:
        raise InputError(path, "events_from", f"a scenario without events_from of its own ({name} has one)")
    items = raw.get("events") or []
    if not isinstance(items, list):
        raise InputError(source, "events", "a list of events")
    kept = []
    for i, item in enumerate(items):
        dates = [date for _, date in parse_event(item, i, codes, source).dates()]
        if dates and all(spec.start <= date <= spec.end for date in dates):
            kept.append(item)
    return kept, hashlib.sha256(source.read_bytes()).hexdigest()


def parse_event(item: Any, position: int, codes: list[str], path: Path) -> Event:
    label = f"events.{item.get('id', position) if isinstance(item, dict) else position}"
    if not isinstance(item, dict):
        raise InputError(path, label, "a mapping describing one event")
    kind = item.get("type")
    if kind not in EVENT_TYPES:
        close = difflib.get_close_matches(str(kind), EVENT_TYPES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(EVENT_TYPES)}"
        raise InputError(path, f"{label}.type", f"a known event type, got {kind!r}{hint}")
    try:
        return EVENT_TYPES[kind].model_validate(item, context={"actors": codes})
    except ValidationError as exc:
        raise first_error(exc, path, prefix=label) from None


def check_event_ids(events: tuple[Event, ...], path: Path) -> None:
    seen: set[str] = set()
    for event in events:
        if event.id in seen:
            raise InputError(path, f"events.{event.id}.id", "a unique event id (this one is used twice)")
        seen.add(event.id)


def check_horizon(event: Event, spec: ScenarioSpec, path: Path) -> None:
    for name, date in event.dates():
        if not spec.start <= date <= spec.end:
            raise InputError(
                path, f"events.{event.id}.{name}", f"a date within the horizon {spec.start} .. {spec.end}, got {date}"
            )


def check_period(event: Event, spec: ScenarioSpec, path: Path) -> None:
    """A recurring event fires at most once a step: a shorter period cannot be represented (and would not end)."""
    step = 1 / spec.steps_per_year
    if event.every is not None and event.every < step * (1 - 1e-9):
        raise InputError(
            path,
            f"events.{event.id}.every",
            f"a period of at least one step ({step:g} years at {spec.steps_per_year} steps a year), "
            f"got {plain(event.every)}",
        )


def check_actor_overrides(spec: ScenarioSpec, actors: ActorSet, path: Path) -> None:
    for code in spec.actors:
        if code not in actors.codes:
            raise InputError(path, f"actors.{code}", f"an actor of set {actors.spec.name} ({', '.join(actors.codes)})")


def check_focus(spec: ScenarioSpec, actors: ActorSet, path: Path) -> None:
    named = [(f"focus.{i}", pair) for i, pair in enumerate(spec.focus)] + [(f"friction.{p}", p) for p in spec.friction]
    for field, pair in named:
        try:
            Dyad.parse(pair, actors.codes)
        except ValueError:
            raise InputError(
                path, field, f"a dyad 'A-B' of two actors among {', '.join(actors.codes)}, got {pair!r}"
            ) from None
    for pair, value in spec.friction.items():
        if not 0 <= value <= 1:
            raise InputError(path, f"friction.{pair}", f"a share within [0, 1], got {value}")


def apply_override(raw: dict[str, Any], assignment: str) -> None:
    """Apply ``PATH=VALUE`` to the raw document; VALUE is parsed as YAML (numbers, booleans, lists)."""
    sides = split_assignment(assignment)
    if sides is None:
        raise InputError("--set", assignment, "PATH=VALUE")
    path, text = sides
    try:
        value = load_yaml(text, "--set")
    except InputError as exc:
        raise InputError("--set", path, f"a YAML value ({exc.expected}), got {plain(text)}") from None
    assign(raw, path.strip(), value, "--set", path)


def assign(raw: dict[str, Any], dotted: str, value: Any, source: str | Path, label: str) -> None:
    """Set the field a dotted path names (``events.<id>.<field>`` addresses an event by id) to ``value``;
    refusals name ``source`` and ``label`` (``--set`` and the path, or a file and its ``set.<path>``)."""
    try:
        param = ParamPath.parse(dotted)
    except ValueError:
        raise InputError(source, label, "a dotted path such as mechanisms.threat.weight") from None
    if not known_path(param):
        raise InputError(source, label, "a known parameter path (see docs/reference/cli.md, 'Parameter paths')")
    node: Any = raw
    parts = list(param.parts)
    if parts[0] == "events":  # known_path has made sure it is events.<id>.<field>
        matches = [e for e in raw.get("events") or [] if isinstance(e, dict) and e.get("id") == parts[1]]
        if not matches:
            raise InputError(source, label, "the id of an event in this scenario")
        node, parts = matches[0], parts[2:]
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise InputError(source, label, f"a mapping at {part!r}")
        node = child
    node[parts[-1]] = value


def known_path(path: ParamPath) -> bool:
    """Whether a dotted path names a field the schema knows (so typos fail before running); an
    event's or an actor's fields are checked when the edited document is validated."""
    if path.head in ("events", "actors"):
        return len(path) >= 3
    model: Any = ScenarioSpec
    for part in path.parts:
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return False
        model = fields[part].annotation
    return True
