"""Capability and power shares: a weighted composite of component shares, in the spirit of CINC.

With the default weights (one sixth each on military capability, personnel, iron and steel,
energy, population and urban population; none on GDP; no nuclear bonus) the start-year shares
reproduce the Correlates of War CINC shares of the five states, which is what the start-year
check tests. Weights are parameters so a user can move to a GDP-heavier, IFs-like index.
"""

from __future__ import annotations

import numpy as np

COMPONENTS = ("military", "personnel", "industry", "energy", "population", "urban_population", "gdp")


def shares(values: np.ndarray) -> np.ndarray:
    return values / values.sum(axis=-1, keepdims=True)


def capability(
    components: dict[str, np.ndarray], weights: dict[str, np.ndarray], nuclear: np.ndarray, nuclear_bonus: np.ndarray
) -> np.ndarray:
    """Composite capability (W, N): the weighted mean of component shares plus a nuclear bonus."""
    total_weight = sum(weights[c] for c in COMPONENTS)
    safe_total = np.where(total_weight > 0, total_weight, 1.0)
    composite = sum(weights[c][:, None] * shares(components[c]) for c in COMPONENTS) / safe_total[:, None]
    return composite + nuclear_bonus[:, None] * nuclear[None, :]


def power_shares(cap: np.ndarray) -> np.ndarray:
    total = cap.sum(axis=1, keepdims=True)
    n = cap.shape[1]
    return np.where(total > 0, cap / np.where(total > 0, total, 1.0), 1.0 / n)
