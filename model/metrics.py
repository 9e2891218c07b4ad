"""Balance-of-power summaries of one step, for every world at once."""

from __future__ import annotations

import numpy as np

from powershift.model.alignment import relu


def polarity(shares: np.ndarray) -> np.ndarray:
    """Effective number of poles, 1 / sum of squared power shares (Laakso-Taagepera form)."""
    return 1.0 / (shares**2).sum(axis=1)


def triads(x: np.ndarray) -> np.ndarray:
    """Sum over all i, j, k of x_ij x_jk x_ki per world: the trace of x^3, by one matrix product."""
    return ((x @ x) * x.transpose(0, 2, 1)).sum(axis=(1, 2))


def balance_index(alignment: np.ndarray) -> np.ndarray:
    """Weighted share of balanced triads: (1 + sum of triad products / sum of their sizes) / 2."""
    signed = triads(alignment)
    total = triads(np.abs(alignment))
    safe = np.where(total > 1e-12, total, 1.0)
    return np.where(total > 1e-12, 0.5 * (1.0 + signed / safe), 1.0)


def parity(shares: np.ndarray) -> np.ndarray:
    """Power-transition parity: the second-largest share over the largest (1 = parity)."""
    top = np.sort(shares, axis=1)[:, -2:]
    return top[:, 0] / top[:, 1]


def allied_power(alignment: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Own share plus friends' shares weighted by how friendly they are."""
    return shares + np.einsum("wij,wj->wi", relu(alignment), shares)


def tilt(alignment: np.ndarray, shares: np.ndarray, bloc: np.ndarray) -> np.ndarray:
    """How far each actor leans to bloc 0 (positive) or bloc 1 (negative), power-weighted."""
    sign = np.where(bloc == 0, 1.0, -1.0)
    return np.einsum("wij,wj->wi", alignment, shares * sign)
