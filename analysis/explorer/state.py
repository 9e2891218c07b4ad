"""What the explorer's controls hold, and how it becomes a scenario file the command line runs the same way.

The page never builds a scenario by its own rules: a state is a source scenario (a name in
scenarios/, or the text of a file the user loaded) plus edits, and the edits are applied as the
command line's ``--set PATH=VALUE`` assignments (``model.scenario.apply_override``) before the
usual validation. So a slider typed out of range gets the command line's message, word for word,
and the file the page offers for download is the edited document itself: ``powershift run`` on it
draws the same worlds (same seed, same replicates) as the page.

Two edits are not ``--set`` assignments: switching an event off removes it from the list (every
other random draw stays where it was: lotteries are addressed by event id, noise by dyad), and a
horizon shorter than the file's removes the events that could only fire after the new end and
lifts an ``until`` that lies beyond it, which changes nothing the run can see but lets the file
validate.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import zlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ConfigDict, TypeAdapter, ValidationError

from powershift.model.actors import POLICY_NAMES
from powershift.model.files import InputError, parse_mapping, plain, read_mapping
from powershift.model.scenario import (
    Scenario,
    add_years,
    apply_override,
    build_scenario,
    document,
    resolve,
    scenario_names,
)

DEFAULT_SCENARIO = "seed-2024"
DEFAULT_WORLDS = 200
MAX_WORLDS = 2000  # about 5 s a run on this machine: beyond it the page stops feeling live
LINK_FIELD = "state"


@dataclass(frozen=True)
class EventEdit:
    """What the page changed about one event: switched off, its magnitude, its date (``at``, or ``start``)."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # for links (``from_link``)

    on: bool = True
    magnitude: float | None = None
    date: str | None = None


@dataclass(frozen=True)
class Exploration:
    """Everything the controls hold. ``text`` is a loaded file's YAML (None: ``scenarios/<scenario>.yaml``)."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    scenario: str = DEFAULT_SCENARIO
    text: str | None = None
    years: float | None = None
    worlds: int = DEFAULT_WORLDS
    seed: int = 0
    index: str | None = None
    policy: dict[str, dict[str, float]] = field(default_factory=dict)
    events: dict[str, EventEdit] = field(default_factory=dict)

    @property
    def edited(self) -> bool:
        """Whether a policy or an event differs from the source (the horizon, seed and index are shared)."""
        return bool(self.policy) or any(edit != EventEdit() for edit in self.events.values())

    @property
    def label(self) -> str:
        """The name the edited scenario runs under: its file name when downloaded."""
        return f"{self.scenario}-explored" if self.edited else self.scenario

    def baseline(self) -> Exploration:
        """The same source, horizon, worlds, seed and index without the policy and event edits: the paired reference."""
        return replace(self, policy={}, events={})

    def with_policy(self, actor: str, name: str, value: float) -> Exploration:
        policy = {code: dict(values) for code, values in self.policy.items()}
        policy.setdefault(actor, {})[name] = value
        return replace(self, policy=policy)

    def with_event(self, event_id: str, **changes: Any) -> Exploration:
        edit = replace(self.events.get(event_id, EventEdit()), **changes)
        return replace(self, events={**self.events, event_id: edit})

    def key(self) -> str:
        """A text that is equal for equal states (the baseline cache's key)."""
        return json.dumps(asdict(self), sort_keys=True)


LINK = TypeAdapter(Exploration)  # validates a link's decoded state: types, fields, nothing extra


def source_document(state: Exploration) -> dict[str, Any]:
    """The source scenario as one raw mapping (``model.scenario.document``: parents merged, ``events_from``
    events copied in, ``set:`` applied), so that every event can be switched or edited and the downloaded
    file stands on its own."""
    raw = read_mapping(resolve(state.scenario)) if state.text is None else parse_mapping(state.text, source_name(state))
    return document(raw, Path(source_name(state)))[0]


def source_name(state: Exploration) -> str:
    """What error messages call the source: its file, as the command line would."""
    return f"{state.scenario}.yaml" if state.text is not None else str(resolve(state.scenario))


def assignments(state: Exploration) -> list[str]:
    """The edits that are ``--set`` assignments, in the command line's words."""
    sets = [f"years={plain(state.years)}"] if state.years is not None else []
    if state.index is not None:
        sets.append(f"power.index={state.index}")
    for code, values in sorted(state.policy.items()):
        sets += [f"actors.{code}.policy.{name}={plain(value)}" for name, value in sorted(values.items())]
    return sets


def event_assignments(state: Exploration, raw: dict[str, Any]) -> list[str]:
    """Magnitude and date edits of the events still in the document."""
    sets = []
    for item in raw.get("events") or []:
        edit = state.events.get(item.get("id")) if isinstance(item, dict) else None
        if edit is None:
            continue
        if edit.magnitude is not None:
            sets.append(f"events.{item['id']}.magnitude={plain(edit.magnitude)}")
        if edit.date is not None:  # a dated event moves its date, a recurring or hazard one its first day
            sets.append(f"events.{item['id']}.{'at' if 'at' in item else 'start'}={edit.date}")
    return sets


def edited_document(state: Exploration) -> dict[str, Any]:
    """The scenario file the page runs: the source with events switched off, fitted to the horizon, and the
    ``--set`` edits applied. Raises the command line's ``InputError`` for a bad edit."""
    raw = source_document(state)
    if isinstance(raw.get("events"), list):
        raw["events"] = [e for e in raw["events"] if switched_on(state, e)]
    for assignment in assignments(state):
        apply_override(raw, assignment)
    raw = fit_horizon(raw)  # before the date edits: a date moved past the end is refused, not dropped
    for assignment in event_assignments(state, raw):
        apply_override(raw, assignment)
    return raw


def switched_on(state: Exploration, item: Any) -> bool:
    """Whether an event of the document stays in (a malformed one does, so that validation names it)."""
    return not isinstance(item, dict) or state.events.get(item.get("id"), EventEdit()).on


def fit_horizon(raw: dict[str, Any]) -> dict[str, Any]:
    """Drop the events that could fire only after the end, and an ``until`` beyond it: neither can act within
    the run, and a file naming a date past its own end does not validate."""
    try:
        end = add_years(to_date(raw["start"]), float(raw["years"]))
    except (KeyError, TypeError, ValueError):
        return raw  # validation names the missing or malformed field
    kept = []
    for item in raw.get("events") or []:
        if isinstance(item, dict):
            firsts = [to_date(item.get(k)) for k in ("at", "start") if item.get(k) is not None]
            if any(day is not None and day > end for day in firsts):
                continue
            until = to_date(item.get("until"))
            if until is not None and until > end:
                item = {k: v for k, v in item.items() if k != "until"}
        kept.append(item)
    if "events" in raw:
        raw["events"] = kept
    return raw


def to_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def build(state: Exploration) -> Scenario:
    """The edited scenario, validated as its downloaded file would be (same name, same checks)."""
    raw = edited_document(state)
    text = scenario_text(state, raw)
    path = Path(f"{state.label}.yaml")
    try:  # the document, not a parse of its text: the same values (tests/explorer: the download runs the same)
        return build_scenario(raw, path, sha256(text))
    except InputError as exc:  # name the source, as `--set` on it would: the edited file exists only in memory
        if exc.source != str(path):
            raise
        raise InputError(source_name(state), exc.field, exc.expected) from None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_yaml(state: Exploration) -> str:
    """The edited scenario as a file ``powershift run`` accepts, with a header that says what was changed."""
    return scenario_text(state, edited_document(state))


def scenario_text(state: Exploration, raw: dict[str, Any]) -> str:
    header = [f"# Scenario {state.label!r}, written by the powershift explorer from {state.scenario!r}."]
    header += [f"# --set {s}" for s in assignments(state)]
    header += [f"# event {k} switched off" for k, e in sorted(state.events.items()) if not e.on]
    header.append(f"# Same numbers: powershift run {state.label}.yaml --replicates {state.worlds} --seed {state.seed}")
    body = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
    return "\n".join(header) + "\n" + body


def to_link(state: Exploration) -> str:
    """The state as a query string (compressed JSON, URL-safe base64): a link that restores the page."""
    packed = zlib.compress(json.dumps(asdict(state), separators=(",", ":")).encode(), 9)
    return f"{LINK_FIELD}={base64.urlsafe_b64encode(packed).decode().rstrip('=')}"


def from_link(query: str) -> Exploration:
    """The state a link holds. A link is text anyone can edit, so it is validated like a file: a cut or
    hand-edited one is refused in one line, and it may only name a shipped scenario (never a path on the
    server) unless it carries the file's text itself."""
    fields = dict(part.split("=", 1) for part in query.lstrip("?").split("&") if "=" in part)
    if LINK_FIELD not in fields:
        return Exploration()
    text = fields[LINK_FIELD]
    try:
        data = zlib.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, zlib.error, ValueError):
        raise InputError("link", LINK_FIELD, "a link copied from the explorer (this one is cut or changed)") from None
    try:
        state = LINK.validate_json(data, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join([LINK_FIELD, *(str(part) for part in first["loc"])])
        raise InputError("link", field, f"a link copied from the explorer ({first['msg']})") from None
    if state.text is None and state.scenario not in scenario_names():
        raise InputError(
            "link", f"{LINK_FIELD}.scenario", f"a named scenario (see 'run.py list'), got {state.scenario!r}"
        )
    return state


def policies(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Each state's policy values in a scenario, as the sliders start: the actor set's, then the file's overrides."""
    actors = scenario.actors
    values = {
        code: {name: float(actors.policy[name][i]) for name in POLICY_NAMES} for i, code in enumerate(actors.codes)
    }
    for code, override in scenario.spec.actors.items():
        values[code].update(override.policy)
    return values


def event_rows(state: Exploration) -> list[dict[str, Any]]:
    """The source's events as the page lists them: id, type, title, magnitude, and the date it can move (``at``,
    else ``start``, else none), each with the page's edit applied."""
    rows = []
    for item in source_document(state).get("events") or []:
        if not isinstance(item, dict) or "id" not in item:
            continue
        edit = state.events.get(str(item["id"]), EventEdit())
        date_field = "at" if "at" in item else "start" if "start" in item else None
        rows.append(
            {
                "id": str(item["id"]),
                "type": str(item.get("type", "")),
                "title": str(item.get("title") or item["id"]),
                "on": edit.on,
                "magnitude": edit.magnitude if edit.magnitude is not None else float(item.get("magnitude", 1.0)),
                "date_field": date_field,
                "date": edit.date or (str(item[date_field]) if date_field else None),
            }
        )
    return rows
