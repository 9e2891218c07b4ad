"""State agents: one Mesa agent per country, acting for that country in every world at once."""

from __future__ import annotations

import mesa
import numpy as np

from powershift.model.mechanisms import INTENT
from powershift.model.state import WorldState


class StateAgent(mesa.Agent):
    """A state: it weighs the forces it feels by its own policy and its inertia into an intent."""

    model: WorldState

    def __init__(self, model: WorldState, code: str, name: str, index: int) -> None:
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
        world.intent_terms[:, :, i, :] = self.weights()[:, :, None] * world.forces[:, :, i, :]

    def weights(self) -> np.ndarray:
        """How much this state heeds each intent mechanism (M, W): its weight, damped by inertia, times
        the policy the registry names for it (none for balance and ties, which act on every state alike)."""
        world = self.model
        damping = 1.0 - self.policy("inertia") if world.inertia_on else np.ones(world.worlds)
        weights = []
        for mechanism in INTENT:
            weight = world.mechanism_weight[mechanism.name] * damping
            if mechanism.policy is not None:
                weight = weight * self.policy(mechanism.policy)
            weights.append(weight)
        return np.stack(weights)
