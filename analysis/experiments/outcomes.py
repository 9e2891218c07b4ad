"""Outcome summaries: one row per run, the numbers a sweep keeps when it keeps no trajectories.

Columns (``A``, ``B`` actor codes; dyads are the scenario's focus dyads, or every dyad if it names none):

- ``share_A``: A's power share at the horizon;
- ``alignment_A-B``: the dyad's alignment at the horizon;
- ``bloc_A``: A's bloc at the horizon (0 = the bloc of the start's largest power, 1 = the other);
- ``bloc_power_0``: the power share of bloc 0 at the horizon;
- ``polarity``: the effective number of poles at the horizon;
- ``first_bloc_switch``: years from the start to the first step at which any actor's bloc differs
  from its bloc at the start; NaN if none ever does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from powershift.model.dyads import Dyad
from powershift.model.world import World

OUTCOME_MEASURES = ("power_share", "bloc", "bloc_power_0", "polarity")
"""The recorded series ``run_outcomes`` reads: all a world must measure when no tables are kept."""


def outcome_dyads(world: World) -> list[Dyad]:
    """The dyads whose final alignment is summarised (canonical): the scenario's focus, else all of
    them in the world's pair order."""
    return world.plan.focus_pairs or [d.canonical() for d in Dyad.of_pairs(world.codes)]


def run_outcomes(world: World) -> pd.DataFrame:
    """One row of outcome summaries per world of a finished batch."""
    h = world.recording
    columns: dict[str, np.ndarray] = {}
    for k, code in enumerate(world.codes):
        columns[f"share_{code}"] = h.actors["power_share"][-1, :, k]
    pair_of = {d.canonical(): p for p, d in enumerate(Dyad.of_pairs(world.codes))}
    for dyad in outcome_dyads(world):
        columns[dyad.column("alignment")] = h.alignment[-1, :, pair_of[dyad]]
    bloc = h.actors["bloc"]  # (S+1, W, N)
    for k, code in enumerate(world.codes):
        columns[f"bloc_{code}"] = bloc[-1, :, k].astype(np.int64)
    columns["bloc_power_0"] = h.metrics["bloc_power_0"][-1]
    columns["polarity"] = h.metrics["polarity"][-1]
    switched = (bloc != bloc[:1]).any(axis=2)  # (S+1, W)
    first = np.where(switched.any(axis=0), switched.argmax(axis=0), -1)
    columns["first_bloc_switch"] = np.where(first >= 0, first * world.dt, np.nan)
    return pd.DataFrame(columns)
