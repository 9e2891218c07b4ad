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

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from powershift.model.dyads import Dyad
from powershift.model.world import ACTOR_SERIES, CONTRIBUTIONS, METRIC_SERIES, World

TABLES = ("trajectories", "alignment", "metrics", "events", "event_contributions")
TEXT = pd.Series(["text"]).dtype
"""The dtype this pandas gives a column of strings: Arrow-backed ``str`` on pandas 3, ``object`` before."""

Column = np.ndarray | pd.api.extensions.ExtensionArray

# The per-step tables are an ensemble's bulk (6 million rows for 10,000 worlds of seed-2024), so they are laid
# out from the recording's arrays: keys by repeating and tiling, text by Arrow's take from the few names
# (converting one Python string per row was most of the old cost), and each run of value columns of one dtype
# copied once, transposed into row order, into the (columns, rows) block the frame then holds as it is. Such
# frames are put side by side with ``pd.concat(axis=1)``, which copies nothing on pandas 3, where a dict of
# columns would be copied again into pandas' own blocks. tests/results/test_tables.py keeps the straightforward
# way of building them, which these tables must equal.


def recording_tables(
    world: World, replicates: np.ndarray | None = None, points: np.ndarray | None = None
) -> dict[str, pd.DataFrame]:
    """All the tables of a recording (``World.recording``), for the worlds of one chunk.

    ``replicates`` numbers the worlds (default 0, 1, ...); a sweep also passes each world's sweep
    ``points``, which then lead every table as a ``point`` column.
    """
    steps, worlds = world.recording.alignment.shape[:2]
    dates = pd.to_datetime([world.date_of(s) for s in range(steps)]).to_numpy()
    replicate = np.arange(worlds) if replicates is None else np.asarray(replicates)
    point = None if points is None else np.asarray(points)
    a, b = dyad_names(world)
    return {
        "trajectories": trajectory_table(world, dates, replicate, point),
        "alignment": alignment_table(world, dates, replicate, point, a, b),
        "metrics": metrics_table(world, dates, replicate, point),
        "events": events_table(world, dates, replicate, point),
        "event_contributions": event_contributions(world, dates, replicate, point, a, b),
    }


def _text(names: Sequence[str], index: np.ndarray) -> Column:
    """The column ``names[index]``, typed as pandas types strings (``TEXT``)."""
    if isinstance(TEXT, pd.StringDtype):
        return pd.array(pa.array([str(n) for n in names], type=pa.large_string()).take(index), dtype=TEXT)
    return np.asarray(names, dtype=object)[index]


def _table(columns: dict[str, Column], series: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """A frame of 1-D ``columns``, each held as it is, followed by the value ``series``: arrays of any shape
    in row order (often transposed views of the recording), consecutive ones of one dtype stacked with one copy
    into one block."""
    series = series or {}
    runs: list[list[str]] = []
    for name, values in series.items():
        if runs and series[runs[-1][0]].dtype == values.dtype:
            runs[-1].append(name)
        else:
            runs.append([name])
    parts = [pd.DataFrame({name: values}, copy=False) for name, values in columns.items()]
    for names in runs:
        shape, dtype = series[names[0]].shape, series[names[0]].dtype
        block = np.empty((len(names), int(np.prod(shape))), dtype=dtype)  # C order: each row a column
        for row, name in zip(block, names, strict=True):
            row.reshape(shape)[...] = series[name]
        parts.append(pd.DataFrame(block.T, columns=names, copy=False))
    return pd.concat(parts, axis=1)


def _keys(
    replicate: np.ndarray, points: np.ndarray | None, dates: np.ndarray, steps: int, items: int
) -> dict[str, Column]:
    """The key columns of a table with one row per world, step and item (actor or dyad), in that order."""
    per_world, worlds = steps * items, len(replicate)
    step = np.repeat(np.arange(steps), items)
    leading = {} if points is None else {"point": np.repeat(points, per_world)}
    return leading | {
        "replicate": np.repeat(replicate, per_world),
        "step": np.tile(step, worlds),
        "date": np.tile(dates[step], worlds),
    }


def trajectory_table(world: World, dates: np.ndarray, replicate: np.ndarray, points: np.ndarray | None) -> pd.DataFrame:
    """One row per world, step and actor: the history's (S+1, W, N) series laid out in that order, which is
    the order readers expect (replicate, step, actor)."""
    h = world.recording
    steps, worlds = h.alignment.shape[:2]
    actor = _text(world.codes, np.tile(np.arange(world.n), worlds * steps))
    series = {k: np.swapaxes(h.actors[k], 0, 1) for k in ACTOR_SERIES}
    series["bloc"] = series["bloc"].astype(int)
    return _table({**_keys(replicate, points, dates, steps, world.n), "actor": actor}, series)


def dyad_names(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's two codes in alphabetical order (actor_a < actor_b), whatever the actors' order in the
    world, so that a dyad has one name in every table and every scenario."""
    dyads = [d.canonical() for d in Dyad.of_pairs(world.codes)]
    kind = np.array(world.codes).dtype
    return np.array([d.a for d in dyads], dtype=kind), np.array([d.b for d in dyads], dtype=kind)


def alignment_table(
    world: World,
    dates: np.ndarray,
    replicate: np.ndarray,
    points: np.ndarray | None,
    a: np.ndarray,
    b: np.ndarray,
) -> pd.DataFrame:
    """One row per world, step and dyad: alignment, trade and what each mechanism contributed to the step."""
    h = world.recording
    steps, worlds = h.alignment.shape[:2]
    pair = np.tile(np.arange(len(a)), worlds * steps)
    contrib = np.transpose(h.contributions, (3, 1, 0, 2))  # (K, W, S+1, P): mechanism, then row order
    series = {
        "alignment": np.swapaxes(h.alignment, 0, 1),
        "trade": np.swapaxes(h.trade, 0, 1),
        **{f"contrib_{name}": contrib[k] for k, name in enumerate(CONTRIBUTIONS)},
    }
    keys = _keys(replicate, points, dates, steps, len(a))
    return _table({**keys, "actor_a": _text(a, pair), "actor_b": _text(b, pair)}, series)


def metrics_table(world: World, dates: np.ndarray, replicate: np.ndarray, points: np.ndarray | None) -> pd.DataFrame:
    """One row per world and step: the system-level measures (polarity, blocs, energy)."""
    h = world.recording
    steps = h.alignment.shape[0]
    series = {k: np.swapaxes(h.metrics[k], 0, 1) for k in METRIC_SERIES}
    return _table(_keys(replicate, points, dates, steps, 1), series)


def _rank(names: Sequence[str]) -> np.ndarray:
    """Each name's place in alphabetical order (equal names, equal places): a sort key that orders rows as
    sorting by their names would."""
    return np.unique(np.asarray(names, dtype=str), return_inverse=True)[1]


def events_table(world: World, dates: np.ndarray, replicate: np.ndarray, points: np.ndarray | None) -> pd.DataFrame:
    """One row per event firing, ordered by (point,) replicate, step and event id, firings of one event in
    one step in the order the schedule logged them; typed columns even when nothing fired, so that chunks
    with and without firings concatenate into one schema."""
    fired = world.recording.fired
    if not fired:
        names = ["point"] * (points is not None) + ["replicate", "step", "date", "event", "type", "actors"]
        empty = pd.DataFrame(columns=[*names, "hypothetical"])
        return empty.astype({"replicate": "int64", "step": "int64", "date": "datetime64[ns]", "hypothetical": bool})
    counts = [len(worlds_fired) for _, worlds_fired, _ in fired]
    steps = np.repeat(np.array([step for step, _, _ in fired], dtype=np.int64), counts)
    kinds = np.repeat(np.array([k for _, _, k in fired], dtype=np.int64), counts)
    worlds = np.concatenate([np.asarray(w, dtype=np.int64) for _, w, _ in fired])
    declared = world.events
    keys = [_rank([e.id for e in declared])[kinds], steps, replicate[worlds]]
    order = np.lexsort(keys if points is None else [*keys, points[worlds]])
    steps, kinds, worlds = steps[order], kinds[order], worlds[order]
    columns: dict[str, Column] = {} if points is None else {"point": points[worlds]}
    columns |= {
        "replicate": replicate[worlds].astype(np.int64),
        "step": steps,
        "date": dates[steps].astype("datetime64[ns]"),
        "event": _text([e.id for e in declared], kinds),
        "type": _text([e.kind for e in declared], kinds),
        "actors": _text([",".join(e.parties()) for e in declared], kinds),
        "hypothetical": np.array([e.hypothetical for e in declared], dtype=bool)[kinds],
    }
    return _table(columns)


def event_contributions(
    world: World,
    dates: np.ndarray,
    replicate: np.ndarray,
    points: np.ndarray | None,
    actor_a: np.ndarray,
    actor_b: np.ndarray,
) -> pd.DataFrame:
    """The nonzero per-event contributions as a long table (most events touch few dyads and steps), ordered
    by (point,) replicate, step, actor_a, actor_b and event."""
    steps, worlds, pairs, events, values = world.recording.event_contributions.entries()
    ids = [e.id for e in world.events]
    keys = [_rank(ids)[events], _rank(actor_b)[pairs], _rank(actor_a)[pairs], steps, replicate[worlds]]
    order = np.lexsort(keys if points is None else [*keys, points[worlds]])
    steps, worlds, pairs, events, values = steps[order], worlds[order], pairs[order], events[order], values[order]
    columns: dict[str, Column] = {} if points is None else {"point": points[worlds]}
    columns |= {
        "replicate": replicate[worlds].astype(np.int64),
        "step": steps.astype(np.int64),
        "date": dates[steps],
        "actor_a": _text(actor_a, pairs),
        "actor_b": _text(actor_b, pairs),
        "event": _text(ids, events),
        "contribution": values,
    }
    return _table(columns)
