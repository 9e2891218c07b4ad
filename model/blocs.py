"""Blocs by landscape theory (Axelrod & Bennett 1993).

Actors of sizes s (capability) with pairwise propensities p (alignment) split into two
coalitions. The energy of a split is E = sum over pairs i<j in different coalitions of
s_i * s_j * p_ij: friends apart and enemies together both cost. Actors move only to lower
their own frustration, so the system rests in a *local* minimum (no single actor lowers E by
switching); the deepest one is the predicted alignment. Up to ``EXHAUSTIVE_LIMIT`` actors
every one of the 2^(N-1) splits is evaluated (actor 0 is fixed to side 0, which removes the
mirror image of each split). Beyond that a deterministic multi-start descent is used: it finds
local minima but cannot promise the global one. See docs/explanation/odd.md for Galam's critique.
``safety`` says how near the other splits are: the energy gap, each actor's cost of switching, and
membership probabilities under alignment noise, each split weighed by its energy lead over the noise
on the pairs it changes.

Products with Q are batched ``np.matmul`` calls (one small product per world): faster than the
equivalent ``np.einsum`` and, like it, giving each world the same bits whatever its batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXHAUSTIVE_LIMIT = 20
RESTARTS = 64
DIRECT_LIMIT = 6
"""Up to this many actors the exhaustive search forms x'Qx of every split directly (fewer calls)."""
CHUNK = 2**19
"""Splits evaluated at once in the exhaustive search (worlds x splits), to bound its memory."""
SAFETY_LIMIT = 12
"""Up to this many actors ``safety`` weighs every split (2^11 per world); beyond it only the best and its flips."""
TIE = 1e-12
"""Energies closer than this share of a world's largest |energy| count as equal in ``boltzmann``: such
differences are rounding (the same split sum formed in another order), not a preference."""


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


@dataclass(frozen=True, eq=False)
class BlocSafety:
    """How safe each world's best split is (``safety``); ``eq=False`` because arrays have no single truth value.

    gap (W,): energy of the nearest other split minus the best one's, >= 0.
    flip_cost (W, N): energy rise if actor k alone switched side from the best split, >= 0 at a minimum.
    p_bloc1 (W, N): probability that actor k is on the side opposite the anchor (0 for the anchor itself).
    p_best (W,): weight of the best split itself.
    """

    gap: np.ndarray
    flip_cost: np.ndarray
    p_bloc1: np.ndarray
    p_best: np.ndarray


MATCH = 1.7
"""Logistic-normal matching constant: 1 / (1 + exp(1.7 z)) stays within 0.01 of Phi(-z) for every z, so a split
weighed exp(-1.7 dE / sd) against the best one is about as likely as noise of s.d. sd closing a lead dE."""


def boltzmann(energies: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    """Weights (W, C) proportional to exp(-(E_c - E_min) / T), summing to 1 in each world.

    ``temperature`` is one per world (W,) or one per split (W, C). Only differences from the least
    energy enter, so the least one has weight exactly exp(0) = 1 before normalising: the sum is at
    least 1, never 0, whatever the energies' size. Differences within ``TIE`` of the scale are
    rounding and set to 0, so splits that are equal in exact arithmetic weigh the same even as
    T -> 0. A positive difference over T = 0 (or over a T so small that the ratio overflows) is
    +inf and its weight exp(-inf) = 0, so at T = 0 the least-energy splits share all the weight
    equally; the 0 / 0 of a tie at T = 0 is never formed. T = inf gives weight 1 whatever the
    difference (so not inf / inf either).
    """
    e = np.asarray(energies, dtype=float)
    t = np.asarray(temperature, dtype=float)
    if t.ndim == 1:
        t = t[:, None]
    if np.any(~(t >= 0)):
        raise ValueError("temperature must be >= 0 (and not NaN)")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        excess = e - e.min(axis=1, keepdims=True)
        excess = np.where(excess <= TIE * np.abs(e).max(axis=1, keepdims=True), 0.0, excess)
        ratio = np.where((excess == 0) | (t == np.inf), 0.0, excess / t)
    weights = np.exp(-ratio)
    return weights / weights.sum(axis=1, keepdims=True)


def pair_matrix(values: np.ndarray, n: int) -> np.ndarray:
    """The symmetric (W, N, N) matrix with ``values`` (W, P) on the pairs in ``np.triu_indices(n, 1)`` order."""
    i, j = np.triu_indices(n, 1)
    m = np.zeros((values.shape[0], n, n))
    m[:, i, j] = values
    m[:, j, i] = values
    return m


def crossing_sums(a: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """Sum of a[w, i, j] over the pairs with i in the set and j not, for 0/1 sets ``moved`` (C, N): (W, C).

    Each crossing pair is added once, and no other: a set's sum is not the difference of two large
    ones, so nonnegative entries give a nonnegative sum, and the empty set gives exactly 0.
    """
    return np.einsum("wcn,cn->wc", moved @ a, 1.0 - moved)


def apart_from_anchor(weights: np.ndarray, configs: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """Sum over splits (C, N) shared by all worlds of weight * [x_k != x_anchor], (W, N).

    Counting sides relative to the anchor makes a split and its mirror the same, so the splits need
    (and should) be listed once each. The indicator is summed exactly rather than formed as
    (1 - x_k x_anchor) / 2, so the anchor's own value is exactly 0. With B = [x = -1], k is apart
    from the anchor in B if the anchor is on +1 and in 1 - B if not, so one product of the weights
    split by the anchor's side, (W, 1, 2C), with the fixed [B; 1 - B], (2C, N), gives every world's
    sums without a (W, C, N) indicator.
    """
    minus = (configs < 0).astype(float)
    anchor_plus = configs[:, anchor].T > 0  # (W, C)
    split = np.concatenate([np.where(anchor_plus, weights, 0.0), np.where(anchor_plus, 0.0, weights)], axis=1)
    return (split[:, None, :] @ np.concatenate([minus, 1.0 - minus]))[:, 0]


def membership(apart: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """p_bloc1 (W, N) from the best split's membership ``apart`` (bool) and the chance ``moved`` that k's
    side relative to the anchor differs from it; clipped to [0, 1] against rounding in the weights' sum."""
    return np.clip(np.where(apart, 1.0 - moved, moved), 0.0, 1.0)


def safety(
    sizes: np.ndarray,
    propensity: np.ndarray,
    sides: np.ndarray,
    anchor: np.ndarray,
    pair_noise: np.ndarray,
) -> BlocSafety:
    """How safe the best split ``sides`` (W, N) of each world is (see ``BlocSafety``).

    The deepest split alone says nothing of how near the next one is: a state that would lose
    almost nothing by switching is a swing state even if the model puts it in a bloc. Three views:
    the energy ``gap`` to the nearest other split (how far the whole alignment is from changing),
    each actor's ``flip_cost`` (how far that actor is from leaving), and the membership p_bloc1[k],
    the weight of the splits that put k opposite ``anchor`` (W,), the actor whose side is called bloc 0.

    ``pair_noise`` (W, P), pairs in ``np.triu_indices(N, 1)`` order, is the s.d. of each pair's
    alignment change over the horizon of interest (the World passes noise s.d. x instability boost
    x (1 - A_ij^2) x sqrt(years)). Split c differs from the best split b in the pairs whose
    together/apart status it changes, and noise moves its energy lead dE_c = E_c - E_b by
    sd_c = sqrt(sum over those pairs of (s_i s_j noise_ij)^2): each split gets its own scale, so
    a small state's moves are judged by the noise on its own (small) pairs, not by that of the
    largest pair. Split c weighs exp(-MATCH dE_c / sd_c), the logistic match of the chance
    Phi(-dE_c / sd_c) that the noise reverses the lead; the best split weighs exp(0) = 1 (dE = sd =
    0), a split with sd_c = 0 and dE_c > 0 weighs 0 and ties (within ``TIE``) weigh 1 whatever their
    sd (see ``boltzmann``). Zero noise gives the best split's membership (ties shared); up to the
    limit, noise large enough that every dE_c / sd_c -> 0 gives 1/2 for every non-anchor actor.
    Q is taken as symmetric, as ``flip_gains`` does.

    ``flip_cost`` is exact for any N: x_k (Qx)_k, O(N^2). Up to ``SAFETY_LIMIT`` actors every one of
    the 2^(N-1) splits (each once, mirror images excluded) is weighed, in chunks of worlds so that
    about ``CHUNK`` splits are held at once; each split's dE and sd^2 are sums over its crossing pairs
    only (``crossing_sums``), so they carry no rounding of the total energy. Beyond the limit this is
    an approximation: the candidates are the best split and its N single-actor flips only, so ``gap``
    is an upper bound (the smallest flip cost; a split two switches away may be nearer) and p_bloc1
    ignores multi-actor changes: it stays within 2 / (N + 1) of the best split's membership however
    large the noise (only the flip of k or of the anchor moves k), so it understates uncertainty.

    ``sides`` should be the best split: dE and sd are measured from it (up to the limit ``gap`` does
    not depend on it). If some split lies lower, the weights stay a distribution (the lowest split
    takes weight 1 and the others are measured from it with their sd from ``sides``), finite as
    always, but are not the intended ones.
    """
    sizes = np.asarray(sizes, dtype=float)
    q = pair_weights(sizes, np.asarray(propensity, dtype=float))
    sides = np.asarray(sides, dtype=float)
    w, n = sides.shape
    anchor = np.broadcast_to(np.asarray(anchor, dtype=np.int64), (w,))
    scale, variance = noise_variances(sizes, pair_noise, w, n)
    flip_cost = flip_gains(q, sides[:, None, :])[:, 0]
    apart = sides != sides[np.arange(w), anchor][:, None]
    if n > SAFETY_LIMIT:
        return flip_safety(flip_cost, apart, anchor, scale, variance)
    return exhaustive_safety(q, sides, anchor, apart, flip_cost, scale, variance)


def noise_variances(sizes: np.ndarray, pair_noise: np.ndarray, w: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each world's (s_i s_j noise_ij)^2 (W, N, N) in units of its largest such s.d., and that ``scale`` (W,):
    splits sum these over many pairs, and in those units no sum overflows. ``pair_noise`` is checked here
    because a wrong shape would otherwise broadcast into plausible-looking weights."""
    noise = np.asarray(pair_noise, dtype=float)
    if noise.shape != (w, n * (n - 1) // 2):
        raise ValueError(f"pair_noise must be (W, P) = {(w, n * (n - 1) // 2)}, not {noise.shape}")
    if not np.all(np.isfinite(noise) & (noise >= 0)):
        raise ValueError("pair_noise must be finite and >= 0")
    with np.errstate(over="ignore"):
        spread = np.minimum(pair_weights(sizes, pair_matrix(noise, n)), np.finfo(float).max)
    scale = spread.max(axis=(1, 2), initial=0.0)
    scale = np.where(scale > 0, scale, 1.0)
    with np.errstate(under="ignore"):
        variance = (spread / scale[:, None, None]) ** 2
    return scale, variance


def flip_safety(
    flip_cost: np.ndarray, apart: np.ndarray, anchor: np.ndarray, scale: np.ndarray, variance: np.ndarray
) -> BlocSafety:
    """``safety`` beyond ``SAFETY_LIMIT`` actors, where 2^(N-1) splits are too many to weigh: the candidates
    are the best split and its N single-actor flips only, which keeps the cost O(N^2) (an approximation; see
    ``safety``)."""
    w = flip_cost.shape[0]
    rows = np.arange(w)
    rise = np.concatenate([np.zeros((w, 1)), flip_cost], axis=1)  # energies relative to the best split
    with np.errstate(over="ignore"):
        sd = scale[:, None] * np.sqrt(np.concatenate([np.zeros((w, 1)), variance.sum(axis=2)], axis=1))
    weights = boltzmann(rise, sd / MATCH)
    flips = weights[:, 1:]
    moved = flips + flips[rows, anchor][:, None]  # k moves relative to the anchor if k or the anchor flips
    moved[rows, anchor] = 0.0
    return BlocSafety(flip_cost.min(axis=1), flip_cost, membership(apart, moved), weights[:, 0])


def exhaustive_safety(
    q: np.ndarray,
    sides: np.ndarray,
    anchor: np.ndarray,
    apart: np.ndarray,
    flip_cost: np.ndarray,
    scale: np.ndarray,
    variance: np.ndarray,
) -> BlocSafety:
    """``safety`` up to ``SAFETY_LIMIT`` actors, where every split can be weighed: exact, and in chunks of
    worlds so that about ``CHUNK`` splits are held in memory at once whatever the number of worlds."""
    w, n = sides.shape
    # Split c = d * b of the best split b: the actors with d = -1 change side, and a pair's status changes
    # iff exactly one of its actors does. Its energy rises by the sum of b_i b_j Q_ij over those pairs.
    configs = configurations(n)  # the d, shared by all worlds; d = +1 everywhere (code 0) is b itself
    changed = (configs < 0).astype(float)
    oriented = q * sides[:, :, None] * sides[:, None, :]
    gap, p_bloc1, p_best = np.empty(w), np.empty((w, n)), np.empty(w)
    step = max(1, CHUNK >> (n - 1))
    for start in range(0, w, step):
        part = slice(start, start + step)
        rise = crossing_sums(oriented[part], changed)
        with np.errstate(over="ignore"):
            sd = scale[part, None] * np.sqrt(crossing_sums(variance[part], changed))
        weights = boltzmann(rise, sd / MATCH)
        if n > 1:
            lowest = np.partition(rise, 1, axis=1)
            gap[part] = lowest[:, 1] - lowest[:, 0]
        else:
            gap[part] = np.inf  # one actor has one split: there is no other
        p_bloc1[part] = membership(apart[part], apart_from_anchor(weights, configs, anchor[part]))
        p_best[part] = weights[:, 0]
    return BlocSafety(gap, flip_cost, p_bloc1, p_best)
