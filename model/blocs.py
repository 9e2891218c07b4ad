"""Blocs by landscape theory (Axelrod & Bennett 1993).

Actors of sizes s (capability) with pairwise propensities p (alignment) split into two
coalitions. The energy of a split is E = sum over pairs i<j in different coalitions of
s_i * s_j * p_ij: friends apart and enemies together both cost. Actors move only to lower
their own frustration, so the system rests in a *local* minimum (no single actor lowers E by
switching); the deepest one is the predicted alignment. Up to ``EXHAUSTIVE_LIMIT`` actors
every one of the 2^(N-1) splits is evaluated (actor 0 is fixed to side 0, which removes the
mirror image of each split). Beyond that a deterministic multi-start descent is used: it finds
local minima but cannot promise the global one. See docs/ODD.md for Galam's critique.
"""

from __future__ import annotations

import numpy as np

EXHAUSTIVE_LIMIT = 20
RESTARTS = 64


def configurations(n: int) -> np.ndarray:
    """All 2^(n-1) splits as +/-1 rows, actor 0 always +1."""
    codes = np.arange(2 ** (n - 1), dtype=np.int64)
    bits = (codes[:, None] >> np.arange(n - 1)) & 1
    return np.concatenate([np.ones((len(codes), 1)), 1.0 - 2.0 * bits], axis=1)


def pair_weights(sizes: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """Q[w, i, j] = s_i s_j p_ij with a zero diagonal."""
    q = sizes[..., :, None] * sizes[..., None, :] * propensity
    n = q.shape[-1]
    q[..., np.arange(n), np.arange(n)] = 0.0
    return q


def energies(q: np.ndarray, configs: np.ndarray) -> np.ndarray:
    """E for each world and split (W, C): (sum Q - x'Qx) / 4 counts each split pair once."""
    quad = np.einsum("cn,wnm,cm->wc", configs, q, configs)
    return (q.sum(axis=(1, 2))[:, None] - quad) / 4.0


def flip_gains(q: np.ndarray, configs: np.ndarray) -> np.ndarray:
    """Energy change if actor k alone switched side, for every split (W, C, N): x_k (Qx)_k."""
    return configs[None] * np.einsum("wnm,cm->wcn", q, configs)


def global_minimum(sizes: np.ndarray, propensity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The deepest split per world: (sides (W, N) as +/-1, energy (W,))."""
    q = pair_weights(sizes, propensity)
    n = q.shape[-1]
    if n <= EXHAUSTIVE_LIMIT:
        configs = configurations(n)
        e = energies(q, configs)
        best = e.argmin(axis=1)
        return configs[best], e[np.arange(len(best)), best]
    sides = descend(q, starts(q))
    e = energies_of(q, sides)
    best = e.argmin(axis=1)
    return sides[np.arange(len(best)), best], e[np.arange(len(best)), best]


def energies_of(q: np.ndarray, sides: np.ndarray) -> np.ndarray:
    quad = np.einsum("wrn,wnm,wrm->wr", sides, q, sides)
    return (q.sum(axis=(1, 2))[:, None] - quad) / 4.0


def starts(q: np.ndarray) -> np.ndarray:
    """Deterministic starting splits (W, R, N): the leading eigenvector's signs and fixed patterns."""
    w, n = q.shape[0], q.shape[-1]
    _, vectors = np.linalg.eigh(-q)
    lead = np.where(vectors[..., -1] >= 0, 1.0, -1.0)
    patterns = configurations(min(n, 8))[: RESTARTS - 1]
    repeated = np.tile(patterns, (1, -(-n // patterns.shape[1])))[:, :n]
    return np.concatenate([lead[:, None, :], np.broadcast_to(repeated, (w, *repeated.shape))], axis=1)


def descend(q: np.ndarray, sides: np.ndarray, max_sweeps: int = 1000) -> np.ndarray:
    """Greedy descent: repeatedly switch the actor whose switch lowers E most, until none does."""
    sides = sides.copy()
    rows = np.arange(sides.shape[0])[:, None]
    runs = np.arange(sides.shape[1])[None, :]
    for _ in range(max_sweeps):
        gains = sides * np.einsum("wnm,wrm->wrn", q, sides)
        worst = gains.argmin(axis=2)
        improving = gains[rows, runs, worst] < -1e-12
        if not improving.any():
            break
        sides[rows, runs, worst] = np.where(improving, -sides[rows, runs, worst], sides[rows, runs, worst])
    return sides * sides[..., :1]  # actor 0 on the +1 side


def local_minima(sizes: np.ndarray, propensity: np.ndarray, tol: float = 1e-12) -> list[tuple[float, np.ndarray]]:
    """Every local minimum of one actor set, lowest energy first: [(energy, sides as +/-1)]."""
    q = pair_weights(np.asarray(sizes, float)[None], np.asarray(propensity, float)[None])
    n = q.shape[-1]
    if n <= EXHAUSTIVE_LIMIT:
        configs = configurations(n)
        e = energies(q, configs)[0]
        stable = (flip_gains(q, configs)[0] >= -tol).all(axis=1)
        found = configs[stable], e[stable]
    else:
        sides = np.unique(descend(q, starts(q))[0], axis=0)
        found = sides, energies_of(q, sides[None])[0]
    order = np.lexsort((np.arange(len(found[1])), found[1]))
    return [(float(found[1][k]), found[0][k]) for k in order]
