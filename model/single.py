"""One world per Mesa model, with a DataCollector: the plain Mesa way, for ``mesa.batch_run``.

powershift runs batches of worlds itself (``analysis.ensemble``); this class exists for users who
want Mesa's own tools. ``mesa.batch_run(SingleWorld, {"scenario": "seed-2024", "mechanisms.threat.weight": [0.5, 1.0]},
rng=range(10))`` (Mesa >= 3.4; on 3.3 put ``"rng": range(10)`` among the parameters) runs one model
per parameter combination and seed;
dotted keys are parameter paths as in ``run --set``. The model data hold the system metrics and one
``alignment_A-B`` column per dyad; the agent data each state's share, GDP and bloc. World r of a
powershift ensemble with seed s equals ``SingleWorld(rng=s, replicate=r)`` exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mesa import DataCollector

from powershift.model.dyads import Dyad
from powershift.model.scenario import load_scenario
from powershift.model.world import World, world_seed


class SingleWorld(World):
    """A one-world model that stops at the scenario's horizon and collects Mesa-style data."""

    def __init__(self, scenario: str = "baseline", rng: int | None = None, replicate: int = 0, **values: float) -> None:
        seed = np.random.SeedSequence().entropy if rng is None else int(rng)  # None: fresh entropy, as in Mesa
        super().__init__(
            load_scenario(scenario),
            [world_seed(seed, replicate)],
            {path: np.array([value], dtype=float) for path, value in values.items()},
        )
        self.datacollector = DataCollector(
            model_reporters={
                "date": lambda m: m.date_of(m.t),
                **{
                    name: metric_reporter(name)
                    for name in ("polarity", "balance_index", "bloc_power_0", "bloc_power_1", "landscape_energy")
                },
                **{
                    f"alignment_{dyad.canonical()}": alignment_reporter(k)
                    for k, dyad in enumerate(Dyad.of_pairs(self.actor_set.codes))
                },
            },
            agent_reporters={
                "actor": "code",
                "power_share": lambda agent: float(agent.model.shares[0, agent.index]),
                "gdp": lambda agent: float(agent.model.gdp[0, agent.index]),
                "bloc": lambda agent: int(agent.model.recording.actors["bloc"][agent.model.t, 0, agent.index]),
            },
        )
        self.datacollector.collect(self)

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
        self.running = self.t < self.horizon


def alignment_reporter(pair: int) -> Any:
    """A dyad's alignment (−1 … +1) as a model reporter, one column per dyad (``alignment_PAK-RUS``): Mesa's
    agent reporters are per state, and alignment belongs to a pair."""
    return lambda model: float(model.recording.alignment[model.t, 0, pair])


def metric_reporter(name: str) -> Any:
    return lambda model: float(model.recording.metrics[name][model.t, 0])
