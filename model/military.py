"""Military spending and capability: a Richardson-type response to threat within a budget limit.

The military burden s (spending as a share of GDP) rises with *fear* (relative to the start
burden s0) as the power-weighted hostility a state faces grows beyond its start-year level,
falls back toward its start value with *fatigue*, and gets *grievance* pushes from crises
(Richardson 1960: dx/dt = ky - ax + g).
The capability stock accumulates spending and arms imports and depreciates.
"""

from __future__ import annotations

import numpy as np

from model.alignment import relu


def threat_level(alignment: np.ndarray, milex: np.ndarray) -> np.ndarray:
    """Hostility faced by each state, weighted by the hostile states' share of military spending."""
    share = milex / milex.sum(axis=1, keepdims=True)
    return np.einsum("wik,wk->wi", relu(-alignment), share)


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
    change = fear[:, None] * burden0 * (threat - threat0) - fatigue[:, None] * (burden - burden0) + grievance
    return np.clip(burden + change * dt, 1e-4, max_share[:, None])


def capability_stock_update(
    stock: np.ndarray, milex: np.ndarray, arms: np.ndarray, depreciation: np.ndarray, dt: float
) -> np.ndarray:
    return stock + dt * (milex + arms - depreciation[:, None] * stock)
