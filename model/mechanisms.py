"""The mechanisms that move alignment, by name: one registry entry per mechanism.

An entry says everything the rest of the model needs to know about a mechanism: its name
(the ``contrib_<name>`` column), a label for charts and tables, the policy that scales it
for each state, the parameter paths it reads, and its force. Adding a mechanism means adding
its pure function to ``model.alignment``, its parameters to ``model.parameters`` and one entry
here; the world, the agents and the recorded columns follow from ``REGISTRY``.

Two kinds of entry:

- **intent** mechanisms give a force F[w, i, j] that each state weighs by its weight, its
  inertia and its policy into its intent toward j (``StateAgent.decide``); the dyad then moves
  by the smaller of the two intents (``alignment.joint_move``);
- **direct** mechanisms (relaxation, noise) move the dyad itself: their ``force`` is already
  this step's symmetric change of alignment, before the bounded update.

Intent entries come first: the recorded contributions are the joint move's terms in the
order of ``INTENT_MECHANISMS``, then the direct terms, then events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import mul

import numpy as np

from powershift.model import alignment as al
from powershift.model.state import WorldState


@dataclass(frozen=True)
class Mechanism:
    """One mechanism: what it is called, what scales it, what it reads, and how it pushes.

    ``weight`` names the parameters whose product is the mechanism's per-world scale (weight
    times its ``enabled`` switch; for relaxation its rate): 0 removes the mechanism's
    contribution entirely. ``reads`` names the further parameters its force reads, which the
    world resolves into ``WorldState.p``.
    """

    name: str
    label: str
    policy: str | None
    weight: tuple[str, ...]
    reads: tuple[str, ...]
    force: Callable[[WorldState], np.ndarray]
    intent: bool = True

    @property
    def paths(self) -> tuple[str, ...]:
        """Every parameter path this mechanism depends on, for validation and documentation."""
        return (*self.weight, *self.reads)

    def scale(self, value: Callable[[str], np.ndarray]) -> np.ndarray:
        """The per-world scale (W,): the product of the ``weight`` parameters, resolved by ``value``."""
        return reduce(mul, (value(path) for path in self.weight))


# --- forces -----------------------------------------------------------------------------------
# Each reads the world's state at the start of the step and calls the pure function in
# ``model.alignment``; the functions stay there so they can be tested on small arrays.


def threat(world: WorldState) -> np.ndarray:
    """Threats are weighed by the power shares states act on (the headline index), not the measured one."""
    return al.threat_force(world.alignment, world.shares)


def economic(world: WorldState) -> np.ndarray:
    """Links are trade both ways, investment both ways, and energy bought once more (it is strategic)."""
    links = world.trade + world.trade.transpose(0, 2, 1) + world.investment + world.investment.transpose(0, 2, 1)
    links = links + world.energy_flow.transpose(0, 2, 1)
    return al.economic_force(links)


def balance(world: WorldState) -> np.ndarray:
    """Structural balance reads alignment alone."""
    return al.balance_force(world.alignment)


def rival(world: WorldState) -> np.ndarray:
    """Courting is seen in recent warming (the trend) and in arms deliveries."""
    p = world.p
    courtship = al.courting(
        world.trend, world.arms_flow, p["mechanisms.rival.courting_scale"], p["mechanisms.rival.arms_scale"]
    )
    return al.rival_force(world.alignment, courtship)


def hedging(world: WorldState) -> np.ndarray:
    """A patron's dominance is its share of my friendly ties, weighted by the power shares states act on."""
    return al.hedging_force(world.alignment, world.shares)


def ties(world: WorldState) -> np.ndarray:
    """The three kinds of cooperation tie pull with their own weights."""
    p = world.p
    weights = (p["mechanisms.ties.military"], p["mechanisms.ties.culture"], p["mechanisms.ties.technology"])
    return al.ties_force(world.military_tie, world.culture_tie, world.technology_tie, weights)


def relaxation(world: WorldState) -> np.ndarray:
    """This step's pull toward the anchor, net of the start-year drift it cancels (ODD §3.1.3)."""
    rate = world.mechanism_weight["relaxation"]
    return (rate[:, None, None] * (world.anchor - world.alignment) - world.rest_drift) * world.dt


def noise(world: WorldState) -> np.ndarray:
    """This step's symmetric alignment shock: the world's pre-drawn normals times ``noise_scale``."""
    out = np.zeros((world.worlds, world.n, world.n))
    i, j = world.pairs
    on = world.mechanism_weight["noise"]
    out[:, i, j] = (on[:, None] * np.sqrt(world.dt)) * noise_scale(world) * world.shocks[:, world.t, :]
    out[:, j, i] = out[:, i, j]
    return out


def noise_scale(world: WorldState) -> np.ndarray:
    """Each pair's alignment-noise s.d. per sqrt(year) before damping (W, P): larger for less stable pairs.

    Bloc membership probabilities are scaled by it too (``WorldState.pair_noise``), whether or not
    noise is switched on, so it does not include the ``enabled`` switch.
    """
    i, j = world.pairs
    weakest = np.minimum(world.stability[:, i], world.stability[:, j])
    sd, boost = world.p["mechanisms.noise.sd"], world.p["mechanisms.noise.instability_boost"]
    return sd[:, None] * (1 + boost[:, None] * (1 - weakest))


# --- the registry -----------------------------------------------------------------------------


def switched(name: str, scale: str = "weight") -> tuple[str, ...]:
    """The usual weight of a mechanism: its scale parameter times its ``enabled`` switch."""
    return (f"mechanisms.{name}.{scale}", f"mechanisms.{name}.enabled")


REGISTRY: tuple[Mechanism, ...] = (
    Mechanism("threat", "threat balancing", "threat_sensitivity", switched("threat"), (), threat),
    Mechanism("economic", "economic pull", "economic_pragmatism", switched("economic"), (), economic),
    Mechanism("balance", "structural balance", None, switched("balance"), (), balance),
    Mechanism(
        "rival",
        "reaction to rivals",
        "rival_reactivity",
        switched("rival"),
        ("mechanisms.rival.courting_scale", "mechanisms.rival.arms_scale"),
        rival,
    ),
    Mechanism("hedging", "hedging", "hedging", switched("hedging"), (), hedging),
    Mechanism(
        "ties",
        "cooperation ties",
        None,
        switched("ties"),
        ("mechanisms.ties.military", "mechanisms.ties.culture", "mechanisms.ties.technology"),
        ties,
    ),
    Mechanism(
        "relaxation", "relaxation toward the baseline", None, switched("relaxation", "rate"), (), relaxation, False
    ),
    Mechanism(
        "noise",
        "noise",
        None,
        ("mechanisms.noise.enabled",),
        ("mechanisms.noise.sd", "mechanisms.noise.instability_boost"),
        noise,
        False,
    ),
)
"""Every mechanism, in the order of the contribution columns."""


def check_registry(registry: tuple[Mechanism, ...]) -> None:
    """Names must be unique and intent entries come first: the recorded parts are stacked in that order."""
    names = [m.name for m in registry]
    if len(set(names)) != len(names):
        raise ValueError(f"mechanism names must be unique: {names}")
    kinds = [m.intent for m in registry]
    if kinds != sorted(kinds, reverse=True):
        raise ValueError(f"intent mechanisms must come before direct ones: {names}")


check_registry(REGISTRY)

BY_NAME: dict[str, Mechanism] = {m.name: m for m in REGISTRY}
INTENT: tuple[Mechanism, ...] = tuple(m for m in REGISTRY if m.intent)
DIRECT: tuple[Mechanism, ...] = tuple(m for m in REGISTRY if not m.intent)
MECHANISMS: tuple[str, ...] = tuple(m.name for m in REGISTRY)
"""Contribution columns, in order; events are recorded separately as ``contrib_events``."""
INTENT_MECHANISMS: tuple[str, ...] = tuple(m.name for m in INTENT)
READS: tuple[str, ...] = tuple(dict.fromkeys(path for m in REGISTRY for path in m.reads))
"""The parameters the forces read beyond their weights, each once, for ``WorldState.p``."""


def compute_forces(world: WorldState) -> np.ndarray:
    """Every intent mechanism's force (M, W, N, N) from the state at the start of the step, in the
    order of ``INTENT_MECHANISMS``."""
    return np.stack([m.force(world) for m in INTENT])
