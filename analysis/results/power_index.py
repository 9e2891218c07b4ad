"""Which power index a folder's shares are measured on, and how to name it.

The manifest records it (``parameters.power.index``); folders written before the index was a choice were on
the headline economic-military index. Charts and comparison tables both name it, so it lives with the
results it describes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from powershift.model.paths import split_assignment
from powershift.model.scenario import load_scenario

DEFAULT_INDEX = "economic_military"  # what folders written before power.index existed were on
INDEX_NAMES = {
    "economic_military": "economic–military index",
    "cinc": "CINC index",
    "net_resources": "net-resources index",
}
MIXED = "mixed"  # a comparison whose members are on different indices


def index_name(index: str) -> str:
    """How a chart names a power index: 'economic–military index', 'CINC index', ..."""
    if index == MIXED:
        return "index differs by scenario"
    return INDEX_NAMES.get(index, f"{index.replace('_', ' ')} index")


def power_index(meta: dict[str, Any]) -> str:
    """The power index a folder's shares are measured on, from its manifest.

    An ensemble's resolved ``parameters.power.index``; a comparison's members' (``MIXED`` when they
    differ); a sweep's scenario with its ``--set`` overrides; an explanation's source. Folders written
    before the index was a choice were on the headline economic-military index, the default.
    """
    kind = meta.get("kind", "ensemble")
    if kind == "explanation":
        return power_index(meta["source"])
    if kind == "share_explanation":
        return str(meta["index"])
    if kind == "comparison":
        indices = set(member_indices(meta).values())
        return indices.pop() if len(indices) == 1 else MIXED
    recorded = ((meta.get("parameters") or {}).get("power") or {}).get("index") or meta.get("power_index")
    if recorded:
        return str(recorded)
    if kind == "sweep":
        design = meta.get("design", {})
        return sweep_index(str(meta.get("scenario_path") or meta.get("scenario")), tuple(design.get("set") or ()))
    return DEFAULT_INDEX


def member_indices(meta: dict[str, Any]) -> dict[str, str]:
    """Each comparison member's power index, by label (the default for folders that recorded none)."""
    members = meta.get("members") or [{"label": s} for s in meta.get("scenarios", [])]
    return {m["label"]: m.get("power_index") or DEFAULT_INDEX for m in members}


@lru_cache(maxsize=32)
def sweep_index(scenario: str, overrides: tuple[str, ...]) -> str:
    """A sweep's index: its manifest keeps the design, not the resolved parameters, so it is read from
    the scenario as the sweep loaded it (``power.index`` cannot be swept: it is not a number)."""
    for assignment in reversed(overrides):
        path, value = split_assignment(assignment) or (assignment, "")
        if path.strip() == "power.index":
            return value.strip().strip("'\"")
    try:
        return str(load_scenario(scenario).spec.power.index)
    except Exception:  # the scenario moved or no longer loads: the default is what an old sweep was on
        return DEFAULT_INDEX
