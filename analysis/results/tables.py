"""Tidy tables from a World's recording: the output contract every later tool reads.

- ``trajectories``: replicate, step, date, actor, capability, ``power_share`` (on the index the
  scenario chose, ``power.index``: economic_military, cinc or net_resources), each power
  component's share (gdp_mer_share, gdp_ppp_share, military_share, personnel_share,
  industry_share, energy_share, population_share, urban_population_share), the levels gdp (real,
  market rates, base-year USD bn), gdp_ppp, population, milex, military_stock; ``bloc`` (0/1,
  bloc 0 = the side of the start's largest power), ``p_bloc1`` (the probability that the state is
  in bloc 1, every split into two blocs weighed by how likely ``blocs.temperature`` years of
  alignment noise are to bring it about), ``flip_cost`` (the landscape energy rise if the state
  alone switched side, in power-share² × alignment: small = close to switching), stability,
  tilt, allied_power
- ``alignment``: replicate, step, date, actor_a, actor_b (actor_a < actor_b), alignment, trade,
  one ``contrib_<mechanism>`` column per mechanism, contrib_events
- ``metrics``: replicate, step, date, polarity, balance_index, landscape_energy, ``bloc_gap`` (the
  energy of the nearest other split above the best one's), bloc_power_0, bloc_power_1, parity
- ``events``: replicate, step, date, event, type, actors, hypothetical
- ``event_contributions``: replicate, step, date, actor_a, actor_b, event, contribution: the
  ``contrib_events`` column split by event, nonzero entries only (each event's direct push on
  each dyad; its indirect effects through trade or ties show in the mechanisms' columns)

Step 0 is the initial state; step k is the state after k steps. An event's step is the step
during which it fired (its effects first show at step + 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from powershift.model.dyads import Dyad
from powershift.model.world import ACTOR_SERIES, CONTRIBUTIONS, METRIC_SERIES, World

TABLES = ("trajectories", "alignment", "metrics", "events", "event_contributions")


def recording_tables(
    world: World, replicates: np.ndarray | None = None, points: np.ndarray | None = None
) -> dict[str, pd.DataFrame]:
    """All the tables of a recording (``World.recording``), for the worlds of one chunk.

    ``replicates`` numbers the worlds (default 0, 1, ...); a sweep also passes each world's sweep
    ``points``, which then lead every table as a ``point`` column.
    """
    steps, worlds = world.recording.alignment.shape[:2]
    dates = pd.to_datetime([world.date_of(s) for s in range(steps)])
    replicate = np.arange(worlds) if replicates is None else np.asarray(replicates)
    a, b = dyad_names(world)
    return {
        "trajectories": trajectory_table(world, dates, replicate, points),
        "alignment": alignment_table(world, dates, replicate, points, a, b),
        "metrics": metrics_table(world, dates, replicate, points),
        "events": events_table(world, dates, replicate, points),
        "event_contributions": event_contributions(world, dates, replicate, points, a, b),
    }


def _frame(index: dict[str, np.ndarray], columns: dict[str, np.ndarray], points: np.ndarray | None) -> pd.DataFrame:
    """One table from its key and value columns. The key's ``world`` (a position in the chunk) means nothing
    outside the chunk, so it is dropped, or turned into the world's sweep ``point`` when there is one."""
    table = pd.DataFrame({**index, **columns})
    if points is not None:
        table.insert(0, "point", np.asarray(points)[table.pop("world")])
    else:
        table.pop("world")
    return table


def _keys(grid_w: np.ndarray, grid_s: np.ndarray, replicate: np.ndarray, dates: pd.DatetimeIndex) -> dict:
    """The world, replicate, step and date key columns shared by the per-step tables, from their grids."""
    return {
        "world": grid_w.ravel(),
        "replicate": replicate[grid_w.ravel()],
        "step": grid_s.ravel(),
        "date": dates[grid_s.ravel()],
    }


def trajectory_table(
    world: World, dates: pd.DatetimeIndex, replicate: np.ndarray, points: np.ndarray | None
) -> pd.DataFrame:
    """One row per world, step and actor: the history's (S+1, W, N) series laid out in that order, which is
    the order readers expect (replicate, step, actor)."""
    h = world.recording
    steps, worlds = h.alignment.shape[:2]
    grid_w, grid_s, grid_a = np.meshgrid(np.arange(worlds), np.arange(steps), np.arange(world.n), indexing="ij")
    trajectories = _frame(
        {**_keys(grid_w, grid_s, replicate, dates), "actor": np.array(world.codes)[grid_a.ravel()]},
        {k: np.moveaxis(h.actors[k], 1, 0).ravel() for k in ACTOR_SERIES},
        points,
    )
    trajectories["bloc"] = trajectories["bloc"].astype(int)
    return trajectories


def dyad_names(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's two codes in alphabetical order (actor_a < actor_b), whatever the actors' order in the
    world, so that a dyad has one name in every table and every scenario."""
    dyads = [d.canonical() for d in Dyad.of_pairs(world.codes)]
    kind = np.array(world.codes).dtype
    return np.array([d.a for d in dyads], dtype=kind), np.array([d.b for d in dyads], dtype=kind)


def alignment_table(
    world: World,
    dates: pd.DatetimeIndex,
    replicate: np.ndarray,
    points: np.ndarray | None,
    a: np.ndarray,
    b: np.ndarray,
) -> pd.DataFrame:
    """One row per world, step and dyad: alignment, trade and what each mechanism contributed to the step."""
    h = world.recording
    steps, worlds = h.alignment.shape[:2]
    grid_w, grid_s, grid_p = np.meshgrid(np.arange(worlds), np.arange(steps), np.arange(len(a)), indexing="ij")
    contrib = np.moveaxis(h.contributions, 1, 0).reshape(-1, len(CONTRIBUTIONS))
    return _frame(
        {**_keys(grid_w, grid_s, replicate, dates), "actor_a": a[grid_p.ravel()], "actor_b": b[grid_p.ravel()]},
        {
            "alignment": np.moveaxis(h.alignment, 1, 0).ravel(),
            "trade": np.moveaxis(h.trade, 1, 0).ravel(),
            **{f"contrib_{name}": contrib[:, k] for k, name in enumerate(CONTRIBUTIONS)},
        },
        points,
    )


def metrics_table(
    world: World, dates: pd.DatetimeIndex, replicate: np.ndarray, points: np.ndarray | None
) -> pd.DataFrame:
    """One row per world and step: the system-level measures (polarity, blocs, energy)."""
    h = world.recording
    steps, worlds = h.alignment.shape[:2]
    grid_w, grid_s = np.meshgrid(np.arange(worlds), np.arange(steps), indexing="ij")
    return _frame(
        _keys(grid_w, grid_s, replicate, dates),
        {k: np.moveaxis(h.metrics[k], 1, 0).ravel() for k in METRIC_SERIES},
        points,
    )


def events_table(
    world: World, dates: pd.DatetimeIndex, replicate: np.ndarray, points: np.ndarray | None
) -> pd.DataFrame:
    """One row per event firing, in a stable order; typed columns even when nothing fired, so that chunks
    with and without firings concatenate into one schema."""
    fired = world.recording.fired
    counts = [len(worlds_fired) for _, worlds_fired, _ in fired]
    steps = np.repeat(np.array([step for step, _, _ in fired], dtype=np.int64), counts)
    kinds = np.repeat(np.array([k for _, _, k in fired], dtype=np.int64), counts)
    worlds_fired = np.concatenate([np.asarray(w, dtype=np.int64) for _, w, _ in fired]) if fired else np.empty(0, int)
    declared = world.events
    firings = _frame(
        {
            "world": worlds_fired,
            "replicate": replicate[worlds_fired],
            "step": steps,
            "date": dates[steps],
            "event": np.array([e.id for e in declared], dtype=object)[kinds],
            "type": np.array([e.kind for e in declared], dtype=object)[kinds],
            "actors": np.array([",".join(e.parties()) for e in declared], dtype=object)[kinds],
        },
        {"hypothetical": np.array([e.hypothetical for e in declared], dtype=bool)[kinds]},
        points,
    )
    columns = ["replicate", "step", "date", "event", "type", "actors", "hypothetical"]
    columns = ["point"] * (points is not None) + columns
    events = firings if fired else pd.DataFrame(columns=columns)
    events = events.astype({"replicate": "int64", "step": "int64", "date": "datetime64[ns]", "hypothetical": bool})
    order = ["point"] * (points is not None) + ["replicate", "step", "event"]
    return events.sort_values(order, kind="stable").reset_index(drop=True)


def event_contributions(
    world: World,
    dates: pd.DatetimeIndex,
    replicate: np.ndarray,
    points: np.ndarray | None,
    actor_a: np.ndarray,
    actor_b: np.ndarray,
) -> pd.DataFrame:
    """The nonzero per-event contributions as a long table (most events touch few dyads and steps)."""
    steps, worlds, pairs, events = np.nonzero(world.recording.event_contributions)
    table = pd.DataFrame(
        {
            "replicate": replicate[worlds].astype("int64"),
            "step": steps.astype("int64"),
            "date": dates[steps],
            "actor_a": actor_a[pairs],
            "actor_b": actor_b[pairs],
            "event": np.array([e.id for e in world.events], dtype=object)[events],
            "contribution": world.recording.event_contributions[steps, worlds, pairs, events],
        }
    )
    table = table.astype({"actor_a": "str", "actor_b": "str", "event": "str"})  # also when empty
    if points is not None:
        table.insert(0, "point", np.asarray(points)[worlds])
    order = ["point"] * (points is not None) + ["replicate", "step", "actor_a", "actor_b", "event"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)
