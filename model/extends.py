"""Scenarios that build on others: ``extends:`` resolved into one document before validation.

A file with ``extends: PARENT`` (a scenario name, or a path relative to the file's own folder) is
its parent's document with the file's own keys laid over it:

- a mapping merges key by key (``actors.PAK.policy.hedging`` in the child changes that policy
  and keeps the parent's others); any other value (a number, a date, a list such as ``focus``)
  replaces the parent's;
- ``events`` add to the parent's, after them; a child event with the id of a parent event
  replaces it where it stood;
- ``remove_events: [id, ...]`` drops parent events by id (an id the parent lacks is refused);
- ``set: {dotted.path: value}`` then sets any field by the ``--set`` path the command line uses
  (``events.<id>.magnitude`` included), after the merge.

A parent may extend another (a chain), never itself through the chain. The parent's own
``events_from`` is resolved into its events first, so a child can remove or replace any of them.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from powershift.model.files import PROJECT_ROOT, InputError, read_mapping

SCENARIO_DIR = PROJECT_ROOT / "scenarios"
KEYS = ("extends", "remove_events", "set")  # read here, never seen by the schema
MAX_CHAIN = 20


def parent_path(name: Any, child: Path) -> Path:
    """Where ``extends: name`` points: ``scenarios/<name>.yaml`` for a bare name, else a path from the child file."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(child, "extends", f"a scenario name or a path to a scenario file, got {name!r}")
    if "/" not in name and not name.endswith((".yaml", ".yml")):
        path = SCENARIO_DIR / f"{name}.yaml"
        if not path.is_file():
            names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see 'run.py list'"
            raise InputError(child, "extends", f"the name of a scenario in scenarios/ ({hint}), got {name!r}")
        return path
    path = Path(name) if Path(name).is_absolute() else child.parent / name
    if not path.is_file():
        raise InputError(child, "extends", f"an existing scenario file, got {name!r} ({path} does not exist)")
    return path


Expand = Callable[[dict[str, Any], Path], tuple[dict[str, Any], list[str]]]


def resolve(
    raw: dict[str, Any], path: Path, expand: Expand, chain: tuple[Path, ...] = ()
) -> tuple[dict[str, Any], list[str]]:
    """The document ``raw`` (read from ``path``) with its ``extends`` chain merged in, and a digest of every
    other file read. ``expand`` resolves a parent's own ``events_from`` before the merge (``model.scenario``
    passes it: the schema lives there). The merged ``set:`` entries stay under ``set``, to be applied last."""
    name = raw.get("extends")
    if name is None:
        unused = [k for k in KEYS[1:] if k in raw]
        if unused:
            raise InputError(path, unused[0], "a key of a scenario that extends another (give 'extends:' too)")
        return raw, []
    here = path.resolve()
    parent_file = parent_path(name, path)
    if parent_file.resolve() in (*chain, here):
        names = " → ".join(p.stem for p in (*chain, here, parent_file.resolve()))
        raise InputError(path, "extends", f"a chain of scenarios without a cycle, got {names}")
    if len(chain) >= MAX_CHAIN:
        raise InputError(path, "extends", f"a chain of at most {MAX_CHAIN} scenarios")
    parent, digests = resolve(read_mapping(parent_file), parent_file, expand, (*chain, here))
    parent, inherited = expand(parent, parent_file)
    digests = [*digests, *inherited, hashlib.sha256(parent_file.read_bytes()).hexdigest()]
    return merge(parent, raw, path, parent_file.stem), digests


def merge(parent: dict[str, Any], child: dict[str, Any], path: Path, parent_name: str) -> dict[str, Any]:
    """The child's keys laid over the parent's (see the module's docstring); the child's ``set:`` entries are
    kept under ``set`` after the parent's, to be applied once the whole chain is merged."""
    merged = merged_mapping({k: v for k, v in parent.items() if k != "set"}, child, path, ("",))
    events = parent.get("events") or []
    removed = child.get("remove_events") or []
    if not isinstance(removed, list):
        raise InputError(path, "remove_events", "a list of event ids")
    ids = [e.get("id") for e in events if isinstance(e, dict)]
    for k, event_id in enumerate(removed):
        if event_id not in ids:
            raise InputError(path, f"remove_events.{k}", f"the id of an event of {parent_name}, got {event_id!r}")
    kept = [e for e in events if not (isinstance(e, dict) and e.get("id") in removed)]
    merged["events"] = merged_events(kept, child.get("events") or [], path)
    settings = {**(parent.get("set") or {}), **checked_settings(child.get("set"), path)}
    for key in KEYS:
        merged.pop(key, None)
    if settings:
        merged["set"] = settings
    return merged


def merged_mapping(parent: dict[str, Any], child: dict[str, Any], path: Path, at: tuple[str, ...]) -> dict[str, Any]:
    out = dict(parent)
    for key, value in child.items():
        if at == ("",) and key in (*KEYS, "events"):
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged_mapping(out[key], value, path, (*at, str(key)))
        else:
            out[key] = value
    return out


def merged_events(parent: list[Any], child: Any, path: Path) -> list[Any]:
    """The parent's events with the child's laid over them: same id replaces in place, a new id is added."""
    if not isinstance(child, list):
        raise InputError(path, "events", "a list of events")
    out = list(parent)
    where = {e.get("id"): k for k, e in enumerate(out) if isinstance(e, dict)}
    for event in child:
        k = where.get(event.get("id")) if isinstance(event, dict) else None
        if k is None:
            out.append(event)
        else:
            out[k] = event
    return out


def checked_settings(settings: Any, path: Path) -> dict[str, Any]:
    if settings is None:
        return {}
    if not isinstance(settings, dict) or not all(isinstance(k, str) for k in settings):
        raise InputError(path, "set", "a mapping of dotted parameter paths to values ({mechanisms.threat.weight: 0.5})")
    return settings
