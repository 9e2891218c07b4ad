"""The world's state as its mechanisms and agents see it.

``World`` builds the mechanisms and the agents, so they must not import it back. This protocol names
what they read and write (arrays are per world: W worlds, N states), and ``World`` satisfies it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class WorldState(Protocol):
    """Everything a mechanism's force or a state agent's decision reads from the world, or writes to it."""

    worlds: int
    n: int
    t: int
    dt: float
    pairs: tuple[np.ndarray, np.ndarray]
    alignment: np.ndarray  # (W, N, N)
    anchor: np.ndarray  # (W, N, N): what relaxation pulls toward
    shares: np.ndarray  # (W, N)
    stability: np.ndarray  # (W, N)
    trade: np.ndarray  # (W, N, N)
    investment: np.ndarray
    energy_flow: np.ndarray
    arms_flow: np.ndarray
    trend: np.ndarray
    military_tie: np.ndarray
    culture_tie: np.ndarray
    technology_tie: np.ndarray
    rest_drift: np.ndarray
    shocks: np.ndarray  # (W, S, P)
    p: dict[str, np.ndarray]  # resolved parameters by dotted path, one value per world
    policy: dict[str, np.ndarray]  # each policy's current value (W, N)
    mechanism_weight: dict[str, np.ndarray]
    inertia_on: bool
    forces: np.ndarray  # (M, W, N, N)
    intent_terms: np.ndarray  # (M, W, N, N)
