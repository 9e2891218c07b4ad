"""Military spending and capability: a Richardson action-reaction within a budget limit.

Richardson (1960): dx/dt = k y - a x + g, spending x rises with the rival's spending y (fear,
k), falls back with fatigue (a), and gets grievance pushes g from crises. Here x is the burden
s (spending as a share of GDP). What a state fears is its rivals' spending, weighted by how
hostile each is, relative to its own output (what it would take to match them): the burden
rises by fear x s0 x (relative rise of that threat since the start) per year, falls back toward
s0 with fatigue, and crises add grievance. The long-run response to a lasting rise r in rivals'
spending is (fear / fatigue) x r x s0. The capability stock accumulates constant-dollar spending
and arms imports and depreciates; it starts at its steady state under the state's trend growth.
"""

from __future__ import annotations

import numpy as np

from powershift.model.alignment import relu


def threat_level(alignment: np.ndarray, milex: np.ndarray, gdp: np.ndarray) -> np.ndarray:
    """Rivals' spending weighted by their hostility, relative to one's own output (W, N)."""
    hostile = relu(-alignment) @ milex[:, :, None]  # (W, N, 1): sum over k of hostility(i, k) * milex_k
    return hostile[:, :, 0] / gdp


def burden_update(
    burden: np.ndarray,
    burden0: np.ndarray,
    threat: np.ndarray,
    threat0: np.ndarray,
    grievance: np.ndarray,
    fear: np.ndarray,
    fatigue: np.ndarray,
    max_share: np.ndarray,
    dt: float,
) -> np.ndarray:
    """One step of the burden: fear of rivals' relative build-up, fatigue toward the start, grievance."""
    rise = np.divide(threat, threat0, out=np.ones_like(threat), where=threat0 > 0) - 1.0
    change = fear[:, None] * burden0 * rise - fatigue[:, None] * (burden - burden0) + grievance
    return np.clip(burden + change * dt, 1e-4, max_share[:, None])


def steady_stock(milex: np.ndarray, depreciation: np.ndarray, growth: np.ndarray, dt: float) -> np.ndarray:
    """The stock in balance with spending that grows at the yearly rate g, under the stepped update.

    With K' = K + dt (m' - delta K) and spending growing by f = (1 + g) ** dt a step, K / m stays
    at dt f / (f - 1 + delta dt), close to the continuous m / (delta + log(1 + g)). Starting at
    m / delta instead would put the stock below its path under growth, so it would lag spending
    for years for no reason in the data.
    """
    f = np.exp(np.log1p(growth) * dt)
    return milex * dt * f / (f - 1.0 + depreciation[:, None] * dt)


def capability_stock_update(
    stock: np.ndarray, milex: np.ndarray, arms: np.ndarray, depreciation: np.ndarray, dt: float
) -> np.ndarray:
    return stock + dt * (milex + arms - depreciation[:, None] * stock)
