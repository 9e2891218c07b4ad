"""Trade, sanctions and output: where economic links come from and what they do to GDP.

Everything is in real terms (constant prices of the actor set's base year). Trade flows
(exports i -> j, USD bn/yr) move each step toward a target: the start-year flow scaled by a
gravity term (both economies' growth), by alignment (friends trade more), by trade agreements
and infrastructure, minus what sanctions and crises block; part of the blocked trade is diverted
to the exporter's open markets, but a buyer's own cut (``trade_cut``) is not. Energy deals add
flows on top. Real output is potential output plus the value added by trade above what gravity
alone would give. Potential grows at the IMF WEO forecast of the start's spring (plus a
per-world offset), moved by stability away from its level in the data (slower below it, faster
above it), slowed by sanctions pressure beyond the start's, hit by shocks and raised by investment.
"""

from __future__ import annotations

import numpy as np


def coalition(sanctions: np.ndarray, secondary: np.ndarray, relief: np.ndarray, compliance: np.ndarray) -> np.ndarray:
    """How far each state k takes part in shutting out each target t (W, N, N) [k, t], 0..1: its own
    sanctions on t, or its compliance with the strongest secondary threat against t."""
    lifted = 1.0 - np.clip(relief, 0.0, 1.0)
    direct = np.clip(sanctions, 0.0, 1.0) * lifted
    threat = (np.clip(secondary, 0.0, 1.0) * lifted).max(axis=1)  # (W, N): strongest threat on t
    joined = np.maximum(direct, compliance[:, :, None] * threat[:, None, :])
    n = joined.shape[-1]
    joined[:, np.arange(n), np.arange(n)] = 0.0
    return joined


def sanctions_pressure(joined: np.ndarray, gdp: np.ndarray) -> np.ndarray:
    """How far each target is shut out (W, N): the output-weighted share of the other states in
    the coalition against it (``coalition``, or a change of it).

    This is the channel beyond trade inside the set (finance, technology, third markets): a
    coalition holding more of the outside economy costs the target more output.
    """
    others = gdp.sum(axis=1, keepdims=True) - gdp  # (W, N): output of everyone but t
    # When one output dwarfs the others by 16 orders of magnitude (extreme exchange-rate walks), the
    # subtraction leaves 0 for that state: nobody else's output counts, so no coalition can shut it out.
    inside = (joined * gdp[:, :, None]).sum(axis=1)
    return np.divide(inside, others, out=np.zeros_like(inside), where=others > 0)


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
    cut: np.ndarray,
    alignment_elasticity: np.ndarray,
    agreement_elasticity: np.ndarray,
    diversion: np.ndarray,
) -> np.ndarray:
    """Where each ordinary export flow is heading this step (W, N, N); energy deals come on top.

    ``cut`` [i, j] is the share of i's exports that buyer j has chosen to stop taking: it comes
    off after diversion, since the exporter cannot redirect what a buyer refuses elsewhere at will.
    """
    base = trade0 * scale * np.exp(alignment_elasticity[:, None, None] * (alignment - alignment0))
    base = base * (1.0 + agreement_elasticity[:, None, None] * boost)
    kept = base * (1.0 - blocked)
    lost = (base - kept).sum(axis=2, keepdims=True)
    open_weight = kept * (1.0 - blocked)
    weight_total = open_weight.sum(axis=2, keepdims=True)
    share = np.divide(open_weight, weight_total, out=np.zeros_like(open_weight), where=weight_total > 0)
    return (kept + diversion[:, None, None] * lost * share) * (1.0 - np.clip(cut, 0.0, 1.0))


def trade_volume(trade: np.ndarray) -> np.ndarray:
    """Each state's total trade within the set (exports + imports), (W, N)."""
    return trade.sum(axis=2) + trade.sum(axis=1)


def output(potential: np.ndarray, trade: np.ndarray, expected_trade: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """GDP: potential output plus value added by trade above (or below) the gravity expectation."""
    surplus = gain[:, None] * (trade_volume(trade) - expected_trade)
    return np.maximum(potential + surplus, 0.1 * potential)


def growth_rate(
    forecast: np.ndarray,
    stability: np.ndarray,
    stability_data: np.ndarray,
    instability_drag: np.ndarray,
    pressure: np.ndarray,
    sanctions_drag: np.ndarray,
) -> np.ndarray:
    """This step's real growth of potential output (W, N), per year.

    Instability drags growth in absolute terms, drag x (1 - stability), but the forecast already
    prices in the instability the data record (it was made for the state as it was), so what is
    added is drag x (stability - data's stability): lower usual stability in a scenario, or any
    fall below it, slows growth; a forecast is reproduced exactly at the data's level. Likewise
    sanctions in force at the start are priced into the forecast, so ``pressure`` is that of the
    change in the coalition since the start (negative after a relief).
    """
    return forecast + instability_drag[:, None] * (stability - stability_data) - sanctions_drag[:, None] * pressure


def potential_growth(
    potential: np.ndarray, rate: np.ndarray, loss: np.ndarray, gain: np.ndarray, dt: float
) -> np.ndarray:
    """Potential output after one step: growth at the yearly ``rate`` compounded over the step
    ((1 + rate) ** dt, so a year of steps grows by exactly 1 + rate, as the WEO's annual rates
    mean), shocks' losses and investment's gains."""
    factor = np.exp(np.log1p(np.maximum(rate, -0.5)) * dt)
    return np.maximum(potential * factor * (1.0 - np.clip(loss, 0.0, 0.9)) + gain, 1e-6)


def stability_update(
    stability: np.ndarray, usual: np.ndarray, recovery: np.ndarray, shock: np.ndarray, dt: float
) -> np.ndarray:
    pull = 1.0 - np.exp(-recovery[:, None] * dt)
    return np.clip(stability + pull * (usual - stability) + shock, 0.0, 1.0)
