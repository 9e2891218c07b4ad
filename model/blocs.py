"""Blocs by landscape theory (Axelrod & Bennett 1993).

Actors of sizes s (capability) with pairwise propensities p (alignment) split into two
coalitions. The energy of a split is E = sum over pairs i<j in different coalitions of
s_i * s_j * p_ij: friends apart and enemies together both cost. Actors move only to lower
their own frustration, so the system rests in a *local* minimum (no single actor lowers E by
switching); the deepest one is the predicted alignment. Up to ``EXHAUSTIVE_LIMIT`` actors
every one of the 2^(N-1) splits is evaluated (actor 0 is fixed to side 0, which removes the
mirror image of each split). Beyond that a deterministic multi-start descent is used: it finds
local minima but cannot promise the global one. See docs/ODD.md for Galam's critique.

Products with Q are batched ``np.matmul`` calls (one small product per world): faster than the
equivalent ``np.einsum`` and, like it, giving each world the same bits whatever its batch.
"""

from __future__ import annotations

import numpy as np

EXHAUSTIVE_LIMIT = 20
RESTARTS = 64
DIRECT_LIMIT = 6
"""Up to this many actors the exhaustive search forms x'Qx of every split directly (fewer calls)."""
CHUNK = 2**19
"""Splits evaluated at once in the exhaustive search (worlds x splits), to bound its memory."""


def signs(codes: np.ndarray, width: int) -> np.ndarray:
    """+/-1 rows (len(codes), width): column k is 1 - 2 * (bit k of the code)."""
    return 1.0 - 2.0 * ((codes[:, None] >> np.arange(width)) & 1)


def splits(codes: np.ndarray, n: int) -> np.ndarray:
    """The splits with these codes as +/-1 rows: actor 0 on side +1, actor k + 1 on 1 - 2 * (bit k)."""
    return np.concatenate([np.ones((len(codes), 1)), signs(codes, n - 1)], axis=1)


def configurations(n: int) -> np.ndarray:
    """All 2^(n-1) splits as +/-1 rows, actor 0 always +1."""
    return splits(np.arange(2 ** (n - 1), dtype=np.int64), n)


def pair_weights(sizes: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """Q[w, i, j] = s_i s_j p_ij with a zero diagonal."""
    q = sizes[..., :, None] * sizes[..., None, :] * propensity
    n = q.shape[-1]
    q[..., np.arange(n), np.arange(n)] = 0.0
    return q


def quadratic_forms(q: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """x'Qx for splits shared by all worlds (C, N) or given per world (W, C, N); the result is (W, C)."""
    return np.einsum("...n,...n->...", sides @ q, sides)


def energies(q: np.ndarray, configs: np.ndarray) -> np.ndarray:
    """E for each world and split (W, C): (sum Q - x'Qx) / 4 counts each split pair once.

    ``configs`` is (C, N), the same splits for every world, or (W, C, N), splits per world.
    """
    return (q.sum(axis=(1, 2))[:, None] - quadratic_forms(q, configs)) / 4.0


def flip_gains(q: np.ndarray, configs: np.ndarray) -> np.ndarray:
    """Energy change if actor k alone switched side, for every split (W, C, N): x_k (Qx)_k."""
    return configs * (configs @ q.transpose(0, 2, 1))


def deepest_splits(q: np.ndarray) -> np.ndarray:
    """The code (see ``splits``) of each world's least-energy split among all 2^(N-1), (W,).

    The least energy is the largest x'Qx. Small sets form it for every split directly. Larger
    ones cut the actors into a low part L (holding actor 0) and a high part H:
    x'Qx = 2 x_H'Q_HL x_L + x_H'Q_HH x_H + x_L'Q_LL x_L. With a row [2 x_H'Q_HL, x_H'Q_HH x_H, 1]
    per high part-split and a column [x_L; 1; x_L'Q_LL x_L] per low one, one matrix product gives
    x'Qx for every pair of part-splits: about N operations per split instead of N^2. A split's
    code is (high part's code) * 2^(|L| - 1) + (low part's code), so the (high, low) table read
    row by row is in code order: ties go to the lowest code.
    """
    w, n = q.shape[0], q.shape[-1]
    if n <= DIRECT_LIMIT:
        return quadratic_forms(q, configurations(n)).argmax(axis=1)
    cut = (n + 1) // 2
    low = configurations(cut)  # (2^(cut-1), cut), actor 0 on +1
    high = signs(np.arange(2 ** (n - cut), dtype=np.int64), n - cut)  # (2^(n-cut), n-cut)
    best = np.empty(w, dtype=np.int64)
    step = max(1, CHUNK >> (n - 1))
    for start in range(0, w, step):
        part = q[start : start + step]
        k = len(part)
        rows = np.concatenate(
            [
                high @ (2.0 * part[:, cut:, :cut]),
                quadratic_forms(part[:, cut:, cut:], high)[:, :, None],
                np.ones((k, len(high), 1)),
            ],
            axis=2,
        )
        columns = np.concatenate(
            [
                np.broadcast_to(low.T, (k, *low.T.shape)),
                np.ones((k, 1, len(low))),
                quadratic_forms(part[:, :cut, :cut], low)[:, None, :],
            ],
            axis=1,
        )
        best[start : start + step] = (rows @ columns).reshape(k, -1).argmax(axis=1)
    return best


def global_minimum(sizes: np.ndarray, propensity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The deepest split per world: (sides (W, N) as +/-1, energy (W,))."""
    q = pair_weights(sizes, propensity)
    n = q.shape[-1]
    if n <= EXHAUSTIVE_LIMIT:
        sides = splits(deepest_splits(q), n)
    else:
        found = descend(q, starts(q))
        best = energies(q, found).argmin(axis=1)
        sides = found[np.arange(len(best)), best]
    return sides, energies(q, sides[:, None, :])[:, 0]


def starts(q: np.ndarray) -> np.ndarray:
    """Deterministic starting splits (W, R, N): the leading eigenvector's signs and fixed patterns."""
    w, n = q.shape[0], q.shape[-1]
    _, vectors = np.linalg.eigh(-q)
    lead = np.where(vectors[..., -1] >= 0, 1.0, -1.0)
    patterns = configurations(min(n, 8))[: RESTARTS - 1]
    repeated = np.tile(patterns, (1, -(-n // patterns.shape[1])))[:, :n]
    return np.concatenate([lead[:, None, :], np.broadcast_to(repeated, (w, *repeated.shape))], axis=1)


def descend(q: np.ndarray, sides: np.ndarray, max_sweeps: int = 1000) -> np.ndarray:
    """Greedy descent: repeatedly switch the actor whose switch lowers E most, until none does.

    The fields Qx of every run are kept up to date: switching actor k changes them by
    -2 x_k Q[:, k], N terms, where recomputing them would take N^2. So a descent of O(N)
    switches costs O(N^2) per run, not O(N^3).
    """
    sides = sides.copy()
    columns = np.ascontiguousarray(q.transpose(0, 2, 1))  # columns[w, k] = Q[w, :, k]
    fields = sides @ columns  # (W, R, N): (Qx)_n for every run
    rows = np.arange(sides.shape[0])[:, None]
    runs = np.arange(sides.shape[1])[None, :]
    for _ in range(max_sweeps):
        gains = sides * fields
        worst = gains.argmin(axis=2)
        improving = gains[rows, runs, worst] < -1e-12
        if not improving.any():
            break
        change = np.where(improving, -2.0 * sides[rows, runs, worst], 0.0)  # new side minus old
        sides[rows, runs, worst] += change
        fields += change[..., None] * columns[rows, worst]
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
        found = sides, energies(q, sides[None])[0]
    order = np.lexsort((np.arange(len(found[1])), found[1]))
    return [(float(found[1][k]), found[0][k]) for k in order]
