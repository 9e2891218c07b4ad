"""How alignment moves: the forces behind each state's intent, and the bounded dyad update.

Every force is an (W, N, N) array F[w, i, j]: how much state i, in world w, wants to warm
(positive) or cool (negative) toward state j. A state weighs them with its own policy (see
``model.agents``); which forces exist, in what order and scaled by what, is the registry in
``model.mechanisms``. The dyad then moves by the *smaller* of the two intents: warming needs
both sides, cooling needs only one. Because the smaller side's terms are what move the dyad, each
mechanism's contribution to every change is known exactly and recorded.

Sums over a third state k are batched ``np.matmul`` products (one per world): several times
faster than ``np.einsum`` for these, and each world's bits do not depend on its batch.
"""

from __future__ import annotations

import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def zero_diagonal(x: np.ndarray) -> np.ndarray:
    n = x.shape[-1]
    x[..., np.arange(n), np.arange(n)] = 0.0
    return x


def threat_force(alignment: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Balancing: warm to whoever is hostile to the powers hostile to me ("enemy of my enemy")."""
    threat = shares[:, None, :] * relu(-alignment)  # threat[w, i, k] that k poses to i
    return zero_diagonal(-(threat @ alignment.transpose(0, 2, 1)))


def economic_force(links: np.ndarray) -> np.ndarray:
    """Economic pull: warm toward partners that carry more than an even share of my economic links."""
    n = links.shape[-1]
    total = links.sum(axis=2, keepdims=True)
    dependence = np.divide(links, total, out=np.zeros_like(links), where=total > 0)
    return zero_diagonal(dependence - 1.0 / (n - 1))


def balance_force(alignment: np.ndarray) -> np.ndarray:
    """Structural balance: the sign two states 'should' have given their ties to everyone else."""
    n = alignment.shape[-1]
    if n < 3:
        return np.zeros_like(alignment)
    return zero_diagonal(alignment @ alignment / (n - 2))


def courting(trend: np.ndarray, arms: np.ndarray, courting_scale: np.ndarray, arms_scale: np.ndarray) -> np.ndarray:
    """How visibly j and k are courting each other: recent warming and arms deliveries, in [0, 1)."""
    signal = relu(trend) / courting_scale[:, None, None] + (arms + arms.transpose(0, 2, 1)) / arms_scale[:, None, None]
    return zero_diagonal(np.tanh(signal))


def rival_force(alignment: np.ndarray, courtship: np.ndarray) -> np.ndarray:
    """Reaction to rivals: cool toward a partner in proportion to how it courts my adversaries."""
    return zero_diagonal(-(relu(-alignment) @ courtship.transpose(0, 2, 1)))


def hedging_force(alignment: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Hedging: move away from the patron that dominates my friendly ties, toward the others."""
    n = alignment.shape[-1]
    backing = relu(alignment) * shares[:, None, :]
    total = backing.sum(axis=2, keepdims=True)
    concentration = np.divide(backing, total, out=np.zeros_like(backing), where=total > 0)
    return zero_diagonal(1.0 / (n - 1) - concentration)


def ties_force(
    military: np.ndarray,
    culture: np.ndarray,
    technology: np.ndarray,
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Cooperation ties (exercises, exchanges, technology) pull both sides together."""
    wm, wc, wt = (w[:, None, None] for w in weights)
    return zero_diagonal(wm * military + wc * culture + wt * technology)


def joint_move(intent_terms: np.ndarray) -> np.ndarray:
    """Per-mechanism contributions (M, W, N, N) of the side whose total intent is smaller.

    ``intent_terms[m, w, i, j]`` is mechanism m's share of i's intent toward j. The returned
    contributions are symmetric in (i, j) and sum to min(intent_ij, intent_ji).
    """
    total = intent_terms.sum(axis=0)
    use_own = total <= total.transpose(0, 2, 1)
    return np.where(use_own[None], intent_terms, intent_terms.transpose(0, 1, 3, 2))


def bounded_update(alignment: np.ndarray, parts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply the summed change of ``parts`` (K, W, N, N) so alignment stays in [-1, 1].

    A step of size d (|d| capped at 1/2) moves alignment by d * (1 - A^2): the same damping
    whichever way it moves, so symmetric noise causes no drift, and with |d| <= 1/2 the bound
    is approached but never crossed. Returns the new alignment and the factor (W, N, N) that
    scales every part alike, so the parts times it, the recorded contributions, add up to the
    actual change.
    """
    delta = parts.sum(axis=0)
    capped = np.clip(delta, -0.5, 0.5)
    room = 1.0 - alignment**2
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(delta != 0, capped * room / delta, 0.0)
    new = np.clip(alignment + capped * room, -1.0, 1.0)
    return new, factor
