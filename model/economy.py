"""Trade, sanctions and output: where economic links come from and what they do to GDP.

Trade flows (exports i -> j, USD bn/yr) move each step toward a target: the start-year flow
scaled by a gravity term (both economies' growth), by alignment (friends trade more), by trade
agreements and infrastructure, minus what sanctions and crises block; part of the blocked trade
is diverted to the exporter's open markets. Energy deals add flows on top (blocked, not diverted,
by barriers). GDP is potential
output (growing at the state's base rate, less instability drag, hit by shocks, raised by
investment) plus the value added by trade above what gravity alone would give.
"""

from __future__ import annotations

import numpy as np

from model.alignment import relu


def barriers(
    sanctions: np.ndarray, secondary: np.ndarray, relief: np.ndarray, suspension: np.ndarray, compliance: np.ndarray
) -> np.ndarray:
    """Share of trade blocked on each dyad (W, N, N), symmetric, in [0, 1].

    Direct sanctions block the sanctioner's trade with its target. Secondary sanctions on a
    target t make every third state k cut its trade with t by k's compliance times the threat.
    """
    lifted = 1.0 - np.clip(relief, 0.0, 1.0)
    direct = np.clip(sanctions, 0.0, 1.0) * lifted
    threat = (np.clip(secondary, 0.0, 1.0) * lifted).max(axis=1)  # (W, N): strongest threat on target t
    third = compliance[:, :, None] * threat[:, None, :]  # k's cut of trade with t
    blocked = np.maximum.reduce(
        [direct, direct.transpose(0, 2, 1), third, third.transpose(0, 2, 1), np.clip(suspension, 0.0, 1.0)]
    )
    return np.clip(blocked, 0.0, 1.0)


def elastic(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """x ** exponent as exp(exponent * log x).

    numpy evaluates ``x ** e`` by sqrt or a square when e has a single element (a one-world
    batch), which differs in the last bit from the general power used for larger batches; this
    form gives every world the same bits whatever its batch.
    """
    return np.exp(exponent * np.log(x))


def gravity(gdp: np.ndarray, gdp0: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """(g_i * g_j) ** exponent for growth g = gdp / gdp0, as g_i ** exponent * g_j ** exponent (N powers, not N^2)."""
    scale = elastic(gdp / gdp0, exponent[:, None])
    return scale[:, :, None] * scale[:, None, :]


def trade_target(
    trade0: np.ndarray,
    scale: np.ndarray,
    alignment: np.ndarray,
    alignment0: np.ndarray,
    boost: np.ndarray,
    blocked: np.ndarray,
    alignment_elasticity: np.ndarray,
    agreement_elasticity: np.ndarray,
    diversion: np.ndarray,
) -> np.ndarray:
    """Where each ordinary export flow is heading this step (W, N, N); energy deals come on top."""
    base = trade0 * scale * np.exp(alignment_elasticity[:, None, None] * (alignment - alignment0))
    base = base * (1.0 + agreement_elasticity[:, None, None] * boost)
    kept = base * (1.0 - blocked)
    lost = (base - kept).sum(axis=2, keepdims=True)
    open_weight = kept * (1.0 - blocked)
    weight_total = open_weight.sum(axis=2, keepdims=True)
    share = np.divide(open_weight, weight_total, out=np.zeros_like(open_weight), where=weight_total > 0)
    return kept + diversion[:, None, None] * lost * share


def trade_volume(trade: np.ndarray) -> np.ndarray:
    """Each state's total trade within the set (exports + imports), (W, N)."""
    return trade.sum(axis=2) + trade.sum(axis=1)


def output(potential: np.ndarray, trade: np.ndarray, expected_trade: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """GDP: potential output plus value added by trade above (or below) the gravity expectation."""
    surplus = gain[:, None] * (trade_volume(trade) - expected_trade)
    return np.maximum(potential + surplus, 0.1 * potential)


def potential_growth(
    potential: np.ndarray,
    growth: np.ndarray,
    stability: np.ndarray,
    stability0: np.ndarray,
    drag: np.ndarray,
    loss: np.ndarray,
    gain: np.ndarray,
    dt: float,
) -> np.ndarray:
    rate = growth - drag[:, None] * relu(stability0 - stability)
    return np.maximum(potential * (1.0 + rate * dt) * (1.0 - np.clip(loss, 0.0, 0.9)) + gain, 1e-6)


def stability_update(
    stability: np.ndarray, usual: np.ndarray, recovery: np.ndarray, shock: np.ndarray, dt: float
) -> np.ndarray:
    pull = 1.0 - np.exp(-recovery[:, None] * dt)
    return np.clip(stability + pull * (usual - stability) + shock, 0.0, 1.0)
