"""State agents: one Mesa agent per country, acting for that country in every world at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from model.alignment import INTENT_MECHANISMS

if TYPE_CHECKING:
    from model.world import World

POLICY_OF_MECHANISM = {
    "threat": "threat_sensitivity",
    "economic": "economic_pragmatism",
    "rival": "rival_reactivity",
    "hedging": "hedging",
}
"""Which policy scales which force; balance and ties act on every state alike."""


class StateAgent(mesa.Agent):
    """A state: it weighs the forces it feels by its own policy and its inertia into an intent."""

    model: World

    def __init__(self, model: World, code: str, name: str, index: int) -> None:
        super().__init__(model)
        self.code = code
        self.name = name
        self.index = index

    def policy(self, name: str) -> np.ndarray:
        """This state's current value of a policy parameter, one per world (W,)."""
        return self.model.policy[name][:, self.index]

    def decide(self) -> None:
        """Write this state's intent toward every other state, split by mechanism, for all worlds."""
        world, i = self.model, self.index
        damping = 1.0 - self.policy("inertia") if world.inertia_on else np.ones(world.worlds)
        for m, mechanism in enumerate(INTENT_MECHANISMS):
            weight = world.mechanism_weight[mechanism] * damping
            if mechanism in POLICY_OF_MECHANISM:
                weight = weight * self.policy(POLICY_OF_MECHANISM[mechanism])
            world.intent_terms[m, :, i, :] = weight[:, None] * world.forces[mechanism][:, i, :]
