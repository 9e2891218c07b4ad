"""Power: which index measures the balance of power, and each state's share of it.

Three indices are built from the same recorded components, so any of them can be recomputed
from a run's tables (every component's share is recorded per step and actor):

- ``economic_military`` (the headline): what analysts mean by the balance of power, economic
  weight and military capability. Half economy, split equally between GDP at market exchange
  rates (what a state can buy abroad: arms, influence, aid) and GDP at PPP (the domestic
  resources it can mobilise), and half military capability, a stock built from constant-dollar
  spending and arms imports. The International Futures power index likewise combines shares of
  GDP (at exchange rates or PPP) and military spending with weights of one each
  (ifs.du.edu, "Power"); the half-and-half split and the MER/PPP halves are justified in
  docs/explanation/odd.md §3.3.13. Nuclear status adds ``nuclear_bonus`` (default 0: all five states are
  nuclear powers, so a uniform bonus would only compress their differences; see ODD).
- ``cinc``: the Correlates of War composite, six equally weighted shares (military capability,
  personnel, iron and steel, energy, population, urban population). It ranks China about twice
  the USA because population and industry dominate it; kept as an alternative.
- ``net_resources``: Beckley (2018), GDP × GDP per head at market rates, which discounts
  populous, poorer economies.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

COMPONENTS = ("gdp_mer", "gdp_ppp", "military", "personnel", "industry", "energy", "population", "urban_population")
"""Every component recorded per actor and step (as a share of the actor set's total)."""

CINC_COMPONENTS = ("military", "personnel", "industry", "energy", "population", "urban_population")
ECONOMIC_MILITARY_COMPONENTS = ("gdp_mer", "gdp_ppp", "military")
HEADLINE = "economic_military"


def shares(values: np.ndarray) -> np.ndarray:
    """Each actor's share of the set's total along the last axis (W, N)."""
    return values / values.sum(axis=-1, keepdims=True)


def economic_military(components: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> np.ndarray:
    """Weighted mean of the GDP (market rates), GDP (PPP) and military-capability shares."""
    parts = ECONOMIC_MILITARY_COMPONENTS
    total = sum(weights[c] for c in parts)
    safe = np.where(total > 0, total, 1.0)
    return sum(weights[c][:, None] * shares(components[c]) for c in parts) / safe[:, None]


def cinc(components: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> np.ndarray:
    """The COW composite: the unweighted mean of six component shares."""
    return sum(shares(components[c]) for c in CINC_COMPONENTS) / len(CINC_COMPONENTS)


def net_resources(components: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> np.ndarray:
    """Beckley's net resources, GDP × GDP per head (market rates), as a share of the set's total."""
    gdp = components["gdp_mer"]
    return shares(gdp * gdp / components["population"])


INDICES: dict[str, Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], np.ndarray]] = {
    HEADLINE: economic_military,
    "cinc": cinc,
    "net_resources": net_resources,
}
"""The power indices by name, as ``power.index`` selects them."""

INDEX_COMPONENTS: dict[str, tuple[str, ...]] = {
    HEADLINE: ECONOMIC_MILITARY_COMPONENTS,
    "cinc": CINC_COMPONENTS,
    "net_resources": ("gdp_mer", "population"),
}
"""The components each index reads: a share on it moves only with these (``explain --state`` splits by them)."""


def capability(
    index: str,
    components: dict[str, np.ndarray],
    weights: dict[str, np.ndarray],
    nuclear: np.ndarray,
    nuclear_bonus: np.ndarray,
) -> np.ndarray:
    """Capability (W, N) on the chosen index: its composite of shares plus the nuclear bonus."""
    return INDICES[index](components, weights) + nuclear_bonus[:, None] * nuclear[None, :]


def power_shares(cap: np.ndarray) -> np.ndarray:
    total = cap.sum(axis=1, keepdims=True)
    n = cap.shape[1]
    return np.where(total > 0, cap / np.where(total > 0, total, 1.0), 1.0 / n)
