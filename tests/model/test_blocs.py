"""Landscape theory on cases that can be checked by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from powershift.model import blocs


def energy_by_hand(sizes, propensity, sides) -> float:
    """E = sum over pairs i<j on different sides of s_i s_j p_ij."""
    n = len(sizes)
    return float(
        sum(sizes[i] * sizes[j] * propensity[i][j] for i in range(n) for j in range(i + 1, n) if sides[i] != sides[j])
    )


def normalise(sides) -> tuple[int, ...]:
    """A split with actor 0 on side +1 (a split and its mirror are the same)."""
    sides = np.asarray(sides)
    return tuple(int(x) for x in sides * sides[0])


def symmetric(n: int, entries: dict[tuple[int, int], float]) -> np.ndarray:
    p = np.zeros((n, n))
    for (i, j), v in entries.items():
        p[i, j] = p[j, i] = v
    return p


def test_two_friends_against_a_common_enemy():
    sizes = np.array([0.5, 0.3, 0.2])
    p = symmetric(3, {(0, 1): 0.8, (0, 2): -0.6, (1, 2): -0.4})
    sides, energy = blocs.global_minimum(sizes[None], p[None])
    assert normalise(sides[0]) == (1, 1, -1)
    # by hand: the split pairs are (0,2) and (1,2): 0.5*0.2*(-0.6) + 0.3*0.2*(-0.4)
    assert energy[0] == pytest.approx(-0.06 - 0.024)
    # every split's energy, by hand
    hand = {
        (1, 1, 1): 0.0,
        (1, 1, -1): -0.084,
        (1, -1, 1): 0.5 * 0.3 * 0.8 + 0.3 * 0.2 * -0.4,
        (1, -1, -1): 0.5 * 0.3 * 0.8 + 0.5 * 0.2 * -0.6,
    }
    configs = blocs.configurations(3)
    energies = blocs.energies(blocs.pair_weights(sizes[None], p[None]), configs)[0]
    assert {normalise(c): pytest.approx(e) for c, e in zip(configs, energies, strict=True)} == hand


WWI_CODES = ["GBR", "FRA", "RUS", "DEU", "AUH", "ITA"]
WWI_1907 = {
    ("GBR", "FRA"): +1,
    ("GBR", "RUS"): +1,
    ("GBR", "AUH"): -1,
    ("GBR", "DEU"): -1,
    ("GBR", "ITA"): -1,
    ("FRA", "RUS"): +1,
    ("FRA", "AUH"): -1,
    ("FRA", "DEU"): -1,
    ("FRA", "ITA"): -1,
    ("RUS", "AUH"): -1,
    ("RUS", "DEU"): -1,
    ("RUS", "ITA"): -1,
    ("AUH", "DEU"): +1,
    ("AUH", "ITA"): +1,
    ("DEU", "ITA"): +1,
}


def wwi_propensity() -> np.ndarray:
    idx = {c: i for i, c in enumerate(WWI_CODES)}
    return symmetric(6, {(idx[a], idx[b]): v for (a, b), v in WWI_1907.items()})


def test_wwi_1907_entente_against_triple_alliance():
    assert len(WWI_1907) == 15
    sizes = np.full(6, 1 / 6)
    sides, energy = blocs.global_minimum(sizes[None], wwi_propensity()[None])
    entente = {c for c, s in zip(WWI_CODES, sides[0], strict=True) if s == sides[0][0]}
    assert entente == {"GBR", "FRA", "RUS"}
    # nine hostile cross pairs, each (1/6)^2 * (-1)
    assert energy[0] == pytest.approx(-9 / 36)
    minima = blocs.local_minima(sizes, wwi_propensity())
    assert normalise(minima[0][1]) == (1, 1, 1, -1, -1, -1)
    assert minima[0][0] == pytest.approx(-9 / 36)
    assert all(e > minima[0][0] + 1e-12 for e, _ in minima[1:])


# Doreian & Mrvar (2015) signed ties of the five states, window 1968-71 and 1983-86 (validation.md section 2):
# + alliance, - militarised dispute, 0 none. Pairs absent here are 0.
COLD_WAR = {
    "1968-71": {
        ("USA", "RUS"): -1,
        ("USA", "CHN"): -1,
        ("USA", "PAK"): +1,
        ("RUS", "CHN"): -1,
        ("RUS", "IND"): +1,
        ("CHN", "IND"): -1,
        ("IND", "PAK"): -1,
    },
    "1983-86": {("USA", "RUS"): -1, ("RUS", "CHN"): -1, ("RUS", "IND"): +1, ("CHN", "IND"): -1, ("IND", "PAK"): -1},
}
FIVE_1990_CINC = {"USA": 0.14145, "RUS": 0.12946, "CHN": 0.11182, "IND": 0.06026, "PAK": 0.01079}


@pytest.mark.parametrize("window", sorted(COLD_WAR))
@pytest.mark.parametrize("sized", [False, True])
def test_cold_war_ties_put_usa_china_pakistan_against_ussr_india(window: str, sized: bool) -> None:
    """The known post-1971 alignment (the Indo-Soviet treaty against the US-China-Pakistan axis) is the
    global minimum whether the states are weighted equally or by their (1990) CINC."""
    codes = list(FIVE_1990_CINC)
    idx = {c: i for i, c in enumerate(codes)}
    propensity = symmetric(5, {(idx[a], idx[b]): v for (a, b), v in COLD_WAR[window].items()})
    sizes = np.array(list(FIVE_1990_CINC.values())) if sized else np.ones(5)
    sides, _ = blocs.global_minimum(sizes[None], propensity[None])
    with_usa = {c for c, side in zip(codes, sides[0], strict=True) if side == sides[0][0]}
    assert with_usa == {"USA", "CHN", "PAK"}


def test_all_positive_propensities_give_one_coalition():
    rng = np.random.default_rng(3)
    n = 6
    p = np.abs(rng.uniform(0.1, 1.0, (n, n)))
    p = (p + p.T) / 2
    sizes = rng.uniform(0.05, 1, n)
    sides, energy = blocs.global_minimum(sizes[None], p[None])
    assert np.all(sides[0] == 1)
    assert energy[0] == pytest.approx(0.0, abs=1e-12)
    minima = blocs.local_minima(sizes, p)
    assert len(minima) == 1
    assert np.all(minima[0][1] == 1)
    assert minima[0][0] == pytest.approx(0.0, abs=1e-12)


def brute_force(sizes, p):
    n = len(sizes)
    splits = [(1, *rest) for rest in itertools.product((1, -1), repeat=n - 1)]
    return {s: energy_by_hand(sizes, p, s) for s in splits}


def is_local_minimum(sizes, p, sides, tol=1e-12) -> bool:
    e = energy_by_hand(sizes, p, sides)
    for k in range(len(sides)):
        flipped = list(sides)
        flipped[k] = -flipped[k]
        if energy_by_hand(sizes, p, flipped) < e - tol:
            return False
    return True


@pytest.mark.parametrize("seed", range(5))
def test_local_minima_are_exactly_the_true_local_minima_sorted(seed):
    rng = np.random.default_rng(seed)
    n = 7
    p = rng.uniform(-1, 1, (n, n))
    p = (p + p.T) / 2
    np.fill_diagonal(p, 0)
    sizes = rng.uniform(0.05, 1, n)
    minima = blocs.local_minima(sizes, p)
    energies = [e for e, _ in minima]
    assert energies == sorted(energies)
    found = [normalise(s) for _, s in minima]
    assert len(set(found)) == len(found)
    for e, s in minima:
        assert is_local_minimum(sizes, p, normalise(s))
        assert e == pytest.approx(energy_by_hand(sizes, p, s), abs=1e-12)
    everything = brute_force(sizes, p)
    truth = {s for s in everything if is_local_minimum(sizes, p, s)}
    assert set(found) == truth
    # the deepest local minimum is the global minimum
    best = min(everything, key=everything.get)
    sides, energy = blocs.global_minimum(sizes[None], p[None])
    assert normalise(sides[0]) == best
    assert energy[0] == pytest.approx(everything[best], abs=1e-12)
    assert minima[0][0] == pytest.approx(everything[best], abs=1e-12)


def test_global_minimum_per_world():
    sizes = np.full((2, 6), 1 / 6)
    friendly = np.ones((6, 6))
    p = np.stack([wwi_propensity(), friendly])
    sides, energy = blocs.global_minimum(sizes, p)
    assert normalise(sides[0]) == (1, 1, 1, -1, -1, -1)
    assert np.all(sides[1] == 1)
    assert energy[1] == pytest.approx(0.0, abs=1e-12)


def planted(n: int, seed: int):
    rng = np.random.default_rng(seed)
    truth = np.where(rng.random(n) < 0.5, 1, -1)
    truth[0], truth[1] = 1, -1  # both blocs non-empty
    p = 0.8 * np.outer(truth, truth) + rng.normal(0, 0.1, (n, n))
    p = np.clip((p + p.T) / 2, -1, 1)
    np.fill_diagonal(p, 0)
    sizes = rng.uniform(0.2, 1.0, n)
    return sizes, p, truth


@pytest.mark.parametrize("seed", range(3))
def test_heuristic_search_finds_a_planted_two_bloc_split(seed):
    n = blocs.EXHAUSTIVE_LIMIT + 2
    sizes, p, truth = planted(n, seed)
    sides, energy = blocs.global_minimum(sizes[None], p[None])
    assert normalise(sides[0]) == normalise(truth)
    assert energy[0] == pytest.approx(energy_by_hand(sizes, p, truth))
    minima = blocs.local_minima(sizes, p)
    assert normalise(minima[0][1]) == normalise(truth)
    energies = [e for e, _ in minima]
    assert energies == sorted(energies)
    for _, s in minima:
        assert is_local_minimum(sizes, p, tuple(s))


def test_exhaustive_and_heuristic_agree_at_the_limit():
    """Just above and at the limit, the planted split is found either way."""
    n = blocs.EXHAUSTIVE_LIMIT
    sizes, p, truth = planted(n, 11)
    sides, _ = blocs.global_minimum(sizes[None], p[None])
    assert normalise(sides[0]) == normalise(truth)


# --- how safe the blocs are: gap, flip costs, membership under alignment noise -----------------------------


def random_worlds(w: int, n: int, seed: int):
    """W random actor sets of n: sizes in (0.05, 1), symmetric propensities in [-1, 1], zero diagonal."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(-1, 1, (w, n, n))
    p = (p + p.transpose(0, 2, 1)) / 2
    p[:, np.arange(n), np.arange(n)] = 0.0
    return rng.uniform(0.05, 1, (w, n)), p, rng.integers(0, n, w)


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def safety_at(sizes, p, anchor, noise):
    """``safety`` at the global minimum with the same noise s.d. on every pair of every world."""
    sides, _ = blocs.global_minimum(sizes, p)
    noise = np.broadcast_to(np.asarray(noise, float), (len(sizes), pairs(sizes.shape[1])))
    return sides, blocs.safety(sizes, p, sides, anchor, noise)


def safety_by_hand(sizes, p, sides, anchor, noise) -> tuple[np.ndarray, float]:
    """p_bloc1 and p_best of one world from the rule itself, split by split with plain loops.

    Up to the limit every split, beyond it the best split and its single flips; split c weighs 1 if it is
    the best split, else exp(-1.7 dE / sd) with sd^2 the sum of (s_i s_j noise_ij)^2 over the pairs
    (in np.triu_indices order) that are together in one split and apart in the other, and 0 if sd = 0.
    """
    n = len(sizes)
    best = tuple(int(x) for x in sides)
    if n <= blocs.SAFETY_LIMIT:
        candidates = [(1, *rest) for rest in itertools.product((1, -1), repeat=n - 1)]
    else:
        candidates = [best] + [tuple(-x if i == k else x for i, x in enumerate(best)) for k in range(n)]
    base = energy_by_hand(sizes, p, best)
    weights = []
    for c in candidates:
        if normalise(c) == normalise(best):
            weights.append(1.0)
            continue
        variance = 0.0
        for k, (i, j) in enumerate(zip(*np.triu_indices(n, 1), strict=True)):
            if (c[i] == c[j]) != (best[i] == best[j]):
                variance += (sizes[i] * sizes[j] * noise[k]) ** 2
        rise = energy_by_hand(sizes, p, c) - base
        weights.append(np.exp(-1.7 * rise / np.sqrt(variance)) if variance > 0 else 0.0)
    weights = np.array(weights) / sum(weights)
    apart = np.array([[ck != c[anchor] for ck in c] for c in candidates], float)
    return weights @ apart, float(weights[0 if n > blocs.SAFETY_LIMIT else candidates.index(normalise(best))])


TEMPERATURES = st.one_of(st.sampled_from([0.0, 1e-300, 1e-12, 1.0, 1e6, np.inf]), st.floats(0, 1e6))


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    energies=hnp.arrays(
        float,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=12),
        elements=st.one_of(
            st.floats(-1e300, 1e300, allow_nan=False), st.floats(-1e-300, 1e-300), st.sampled_from([0.0, 1.0])
        ),
    ),
    per_split=st.booleans(),
    data=st.data(),
)
def test_boltzmann_weights_are_a_distribution_for_any_energies_and_temperatures(energies, per_split, data):
    shape = energies.shape if per_split else energies.shape[:1]
    t = np.array([data.draw(TEMPERATURES) for _ in range(int(np.prod(shape)))]).reshape(shape)
    weights = blocs.boltzmann(energies, t)
    assert weights.shape == energies.shape
    assert np.all(np.isfinite(weights))
    assert np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # the least energy never weighs less than any other split
    lowest = energies.argmin(axis=1)
    assert np.all(weights[np.arange(len(energies)), lowest] >= weights.max(axis=1) - 1e-15)


def test_boltzmann_at_zero_temperature_shares_ties_and_at_infinity_is_uniform():
    e = np.array([[0.3, -1.0, 2.0, -1.0], [5.0, 5.0, 5.0, 5.0]])
    np.testing.assert_array_equal(blocs.boltzmann(e, np.zeros(2)), [[0, 0.5, 0, 0.5], [0.25] * 4])
    np.testing.assert_allclose(blocs.boltzmann(e, np.full(2, 1e12)), 0.25, atol=1e-11)
    np.testing.assert_array_equal(blocs.boltzmann(e, np.full(2, np.inf)), 0.25)
    # the ratio of two weights is exp(-dE / T)
    w = blocs.boltzmann(np.array([[0.0, 0.1]]), np.array([0.05]))
    assert w[0, 1] / w[0, 0] == pytest.approx(np.exp(-2.0))
    with pytest.raises(ValueError):
        blocs.boltzmann(e, np.array([1.0, -1.0]))
    with pytest.raises(ValueError):
        blocs.boltzmann(e, np.full((2, 4), np.nan))


def test_boltzmann_with_a_temperature_per_split():
    """Each split's excess is divided by its own temperature; the least energy's temperature does not matter."""
    w = blocs.boltzmann(np.array([[0.0, 0.1, 0.1, 0.2]]), np.array([[7.0, 0.05, 0.1, 0.0]]))
    assert w[0, 1] / w[0, 0] == pytest.approx(np.exp(-2.0))
    assert w[0, 2] / w[0, 0] == pytest.approx(np.exp(-1.0))
    assert w[0, 3] == 0.0
    np.testing.assert_array_equal(blocs.boltzmann(np.array([[1.0, 1.0, 2.0]]), np.zeros((1, 3))), [[0.5, 0.5, 0.0]])


@pytest.mark.parametrize("n", [2, 3, 5, 7, blocs.SAFETY_LIMIT + 1])
def test_membership_follows_the_rule_split_by_split(n):
    """Different noise on every pair, so a pair read in the wrong order or a wrong pair set shows."""
    sizes, p, anchor = random_worlds(4, n, seed=400 + n)
    rng = np.random.default_rng(n)
    noise = rng.uniform(0.05, 0.6, (4, pairs(n)))
    sides, _ = blocs.global_minimum(sizes, p)
    safe = blocs.safety(sizes, p, sides, anchor, noise)
    for world in range(4):
        p_bloc1, p_best = safety_by_hand(sizes[world], p[world], sides[world], anchor[world], noise[world])
        np.testing.assert_allclose(safe.p_bloc1[world], p_bloc1, rtol=1e-9, atol=1e-12)
        assert safe.p_best[world] == pytest.approx(p_best, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("n", [5, 8, blocs.SAFETY_LIMIT + 2])
@pytest.mark.parametrize("noise", [0.0, 1e-12])
def test_without_noise_membership_is_the_global_minimum(n, noise):
    sizes, p, anchor = random_worlds(20, n, seed=n)
    sides, safe = safety_at(sizes, p, anchor, noise)
    apart = sides != sides[np.arange(len(sides)), anchor][:, None]
    np.testing.assert_array_equal(safe.p_bloc1, apart.astype(float))
    np.testing.assert_array_equal(safe.p_best, 1.0)


def test_without_noise_tied_splits_share_the_weight():
    """Six equal actors, all indifferent: every split is a tie, zero noise or not, and each actor a coin toss."""
    n = 6
    sizes, p = np.full((1, n), 1 / n), np.zeros((1, n, n))
    for noise in (0.0, 0.1):
        _, safe = safety_at(sizes, p, np.array([2]), noise)
        expected = np.full(n, 0.5)
        expected[2] = 0.0
        np.testing.assert_allclose(safe.p_bloc1[0], expected, atol=1e-12)
        assert safe.p_best[0] == pytest.approx(1 / 2 ** (n - 1))


@pytest.mark.parametrize("n", [5, 8, blocs.SAFETY_LIMIT, blocs.SAFETY_LIMIT + 2])
def test_huge_noise_makes_membership_a_coin_toss_except_the_anchor(n):
    sizes, p, anchor = random_worlds(10, n, seed=100 + n)
    sides, safe = safety_at(sizes, p, anchor, 1e9)
    rows = np.arange(len(anchor))
    assert np.all(safe.p_bloc1[rows, anchor] == 0.0)
    others = np.ones(safe.p_bloc1.shape, bool)
    others[rows, anchor] = False
    # all 2^(n-1) splits equally likely put k opposite the anchor in half of them; beyond the limit the
    # candidates are the best split and its n flips, of which only the flip of k (or of the anchor) moves k
    if n <= blocs.SAFETY_LIMIT:
        expected = np.full(safe.p_bloc1.shape, 0.5)
    else:
        apart = (sides != sides[rows, anchor][:, None]).astype(float)
        expected = np.abs(apart - 2 / (n + 1))
    np.testing.assert_allclose(safe.p_bloc1[others], expected[others], atol=1e-6)
    np.testing.assert_allclose(safe.p_best, 1 / 2 ** (n - 1) if n <= blocs.SAFETY_LIMIT else 1 / (n + 1), rtol=1e-6)


@pytest.mark.parametrize("n", [2, 3, 5, 8, blocs.SAFETY_LIMIT])
def test_gap_and_flip_costs_equal_brute_force(n):
    sizes, p, anchor = random_worlds(6, n, seed=200 + n)
    sides, safe = safety_at(sizes, p, anchor, 0.1)
    q = blocs.pair_weights(sizes, p)
    every = np.sort(blocs.energies(q, blocs.configurations(n)), axis=1)
    np.testing.assert_allclose(safe.gap, every[:, 1] - every[:, 0], rtol=0, atol=1e-12)
    assert np.all(safe.gap >= 0)
    assert np.all(safe.flip_cost >= -1e-12)
    for world in range(len(sizes)):
        best = energy_by_hand(sizes[world], p[world], sides[world])
        for k in range(n):
            flipped = sides[world].copy()
            flipped[k] = -flipped[k]
            rise = energy_by_hand(sizes[world], p[world], flipped) - best
            assert safe.flip_cost[world, k] == pytest.approx(rise, abs=1e-12)
        # no split is nearer than the gap, and a single flip is a split: the gap is at most the least flip cost
        assert safe.gap[world] <= safe.flip_cost[world].min() + 1e-12


def test_beyond_the_limit_flip_costs_are_exact_and_the_gap_an_upper_bound():
    n = blocs.SAFETY_LIMIT + 2
    sizes, p, anchor = random_worlds(4, n, seed=7)
    sides, safe = safety_at(sizes, p, anchor, 0.1)
    q = blocs.pair_weights(sizes, p)
    every = blocs.energies(q, blocs.configurations(n))  # 2^13 splits: still cheap to check
    best = blocs.energies(q, sides[:, None, :])[:, 0]
    flipped = sides[:, None, :] * (1.0 - 2.0 * np.eye(n))
    np.testing.assert_allclose(safe.flip_cost, blocs.energies(q, flipped) - best[:, None], atol=1e-12)
    true_gap = np.sort(every, axis=1)[:, 1] - every.min(axis=1)
    np.testing.assert_allclose(safe.gap, safe.flip_cost.min(axis=1))
    assert np.all(safe.gap >= true_gap - 1e-12)


def test_a_swing_actor_is_cheaper_to_move_and_less_certain_than_a_committed_member():
    """Two blocs {0, 1, 2} and {3, 4, 5} of friends who dislike the other; actor 6 barely prefers bloc 0."""
    n = 7
    p = np.zeros((n, n))
    for i, j in itertools.combinations(range(6), 2):
        p[i, j] = p[j, i] = 0.8 if (i < 3) == (j < 3) else -0.6
    p[6, :3] = p[:3, 6] = 0.05
    p[6, 3:6] = p[3:6, 6] = 0.02
    sizes = np.array([0.2, 0.15, 0.1, 0.2, 0.15, 0.1, 0.1])
    sides, _ = blocs.global_minimum(sizes[None], p[None])
    assert normalise(sides[0]) == (1, 1, 1, -1, -1, -1, 1)
    safe = blocs.safety(sizes[None], p[None], sides, np.array([0]), np.full((1, pairs(n)), 0.1))
    swing, committed = 6, 2  # actor 2 is the smallest committed member of the swing actor's bloc
    assert 0 < safe.flip_cost[0, swing] < safe.flip_cost[0, committed]
    assert safe.gap[0] == pytest.approx(safe.flip_cost[0, swing])
    assert abs(safe.p_bloc1[0, swing] - 0.5) < abs(safe.p_bloc1[0, committed] - 0.5)
    assert 0.1 < safe.p_bloc1[0, swing] < 0.5  # leaning to bloc 0, but far from sure
    assert safe.p_bloc1[0, committed] < 0.01
    assert safe.p_bloc1[0, 4] > 0.99  # bloc 1 stays bloc 1
    assert safe.p_best[0] < 1 - safe.p_bloc1[0, swing] + 1e-12


def noisy_membership(sizes, p, anchor, noise, draws: int, seed: int) -> np.ndarray:
    """Monte Carlo: the share of draws of Gaussian alignment noise (s.d. ``noise`` per pair, in np.triu_indices
    order) whose global minimum puts each actor opposite the anchor."""
    n = len(sizes)
    i, j = np.triu_indices(n, 1)
    shocks = np.random.default_rng(seed).normal(0.0, 1.0, (draws, len(i))) * noise
    noisy = np.repeat(p[None], draws, axis=0)
    noisy[:, i, j] += shocks
    noisy[:, j, i] += shocks
    sides, _ = blocs.global_minimum(np.broadcast_to(sizes, (draws, n)), noisy)
    return (sides != sides[:, anchor][:, None]).mean(axis=0)


# shares of PAK, IND, RUS, USA, CHN (the study's example): Pakistan is small but committed to China
FIVE = ["PAK", "IND", "RUS", "USA", "CHN"]
FIVE_SHARES = np.array([0.02, 0.07, 0.10, 0.45, 0.36])
FIVE_ALIGNMENT = {
    ("PAK", "CHN"): 0.8,
    ("USA", "CHN"): -0.5,
    ("IND", "PAK"): -0.7,
    ("RUS", "CHN"): 0.6,
    ("USA", "IND"): 0.4,
}


def test_a_small_committed_state_stays_in_its_bloc():
    """One temperature for the world, set by the USA-China pair, put Pakistan 27 % in the US bloc; judged by
    the noise on its own pairs it stays with China, as a year of that noise, simulated, never moves it."""
    idx = {c: k for k, c in enumerate(FIVE)}
    p = symmetric(5, {(idx[a], idx[b]): v for (a, b), v in FIVE_ALIGNMENT.items()})
    usa, pak = idx["USA"], idx["PAK"]
    sides, _ = blocs.global_minimum(FIVE_SHARES[None], p[None])
    assert {c for c, x in zip(FIVE, sides[0], strict=True) if x == sides[0, usa]} == {"USA", "IND"}
    safe = blocs.safety(FIVE_SHARES[None], p[None], sides, np.array([usa]), np.full((1, 10), 0.04 * np.sqrt(1.0)))
    assert safe.p_bloc1[0, pak] >= 0.99
    assert noisy_membership(FIVE_SHARES, p, usa, 0.04, draws=2000, seed=1)[pak] >= 0.99


# a 5-actor world near a tipping point: blocs {0, 2} and {1, 3}, actor 4 between them (w0, w1 its ties to 0 and 1)
def tipping_world(w0: float, w1: float) -> tuple[np.ndarray, np.ndarray]:
    sizes = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    ties = {(0, 1): -0.6, (0, 2): 0.5, (1, 3): 0.5, (2, 3): -0.3, (0, 3): -0.4, (1, 2): -0.3}
    ties |= {(0, 4): w0, (1, 4): w1, (2, 4): 0.1, (3, 4): -0.1}
    return sizes, symmetric(5, ties)


@pytest.mark.parametrize(("w0", "w1", "noise"), [(0.2, 0.3, 0.1), (0.2, 0.3, 0.2), (0.2, 0.35, 0.2)])
def test_membership_agrees_with_monte_carlo_near_a_tipping_point(w0, w1, noise):
    sizes, p = tipping_world(w0, w1)
    sides, _ = blocs.global_minimum(sizes[None], p[None])
    safe = blocs.safety(sizes[None], p[None], sides, np.array([0]), np.full((1, 10), noise))
    simulated = noisy_membership(sizes, p, 0, noise, draws=4000, seed=2)
    assert np.any((simulated > 0.3) & (simulated < 0.7))  # some actor's membership is genuinely uncertain
    np.testing.assert_allclose(safe.p_bloc1[0], simulated, rtol=0, atol=0.1)


SIZES = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1e-300, 1e-150, 1.0]))
NOISES = st.one_of(st.floats(0, 1e6), st.sampled_from([0.0, 1e-300, 1e-12, 1.0, 1e6, 1e150, 1e300]))


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, blocs.SAFETY_LIMIT + 2), w=st.integers(1, 3), at_minimum=st.booleans(), data=st.data())
def test_safety_is_finite_and_a_distribution_for_any_sizes_and_noise(n, w, at_minimum, data):
    sizes = data.draw(hnp.arrays(float, (w, n), elements=SIZES))
    p = data.draw(hnp.arrays(float, (w, n, n), elements=st.floats(-1, 1)))
    p = (p + p.transpose(0, 2, 1)) / 2
    p[:, np.arange(n), np.arange(n)] = 0.0
    noise = data.draw(hnp.arrays(float, (w, pairs(n)), elements=NOISES))
    anchor = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=w, max_size=w)))
    if at_minimum:
        sides, _ = blocs.global_minimum(sizes, p)
    else:
        sides = data.draw(hnp.arrays(float, (w, n), elements=st.sampled_from([-1.0, 1.0])))
    safe = blocs.safety(sizes, p, sides, anchor, noise)
    rows = np.arange(w)
    assert np.all(np.isfinite(safe.p_bloc1)) and np.all(np.isfinite(safe.p_best))
    assert np.all(np.isfinite(safe.flip_cost))
    assert np.all(np.isfinite(safe.gap) if n > 1 else safe.gap == np.inf)
    assert np.all((safe.p_bloc1 >= 0) & (safe.p_bloc1 <= 1))
    assert np.all((safe.p_best >= 0) & (safe.p_best <= 1))
    assert np.all(safe.p_bloc1[rows, anchor] == 0.0)
    if at_minimum:
        # the best split weighs exp(0) = 1, the most any split can: at least an equal share of the candidates
        candidates = 2 ** (n - 1) if n <= blocs.SAFETY_LIMIT else n + 1
        assert np.all(safe.p_best >= 1 / candidates - 1e-12)


def test_pair_noise_must_be_finite_not_negative_and_one_per_pair():
    sizes, p, anchor = random_worlds(2, 4, seed=1)
    sides, _ = blocs.global_minimum(sizes, p)
    for bad in (-0.1, np.nan, np.inf):
        noise = np.full((2, pairs(4)), 0.1)
        noise[1, 3] = bad
        with pytest.raises(ValueError):
            blocs.safety(sizes, p, sides, anchor, noise)
    for shape in ((2,), (pairs(4),), (2, pairs(4) + 1)):  # e.g. one temperature per world, as safety once took
        with pytest.raises(ValueError):
            blocs.safety(sizes, p, sides, anchor, np.full(shape, 0.1))


@pytest.mark.parametrize("n", [5, 8, blocs.SAFETY_LIMIT, blocs.SAFETY_LIMIT + 2])
@pytest.mark.parametrize("chunk", [blocs.CHUNK, 2**9])
def test_safety_of_a_world_does_not_depend_on_its_batch(n, chunk, monkeypatch):
    """Alone or among 7 (and whether the chunks cut the batch or not), a world gets the same bits."""
    monkeypatch.setattr(blocs, "CHUNK", chunk)
    sizes, p, anchor = random_worlds(7, n, seed=300 + n)
    scale = np.array([0.0, 1e-3, 0.01, 0.03, 0.1, 1.0, 1e3])
    noise = scale[:, None] * np.random.default_rng(n).uniform(0.5, 1.5, (7, pairs(n)))
    sides, _ = blocs.global_minimum(sizes, p)
    together = blocs.safety(sizes, p, sides, anchor, noise)
    for world in range(7):
        one = slice(world, world + 1)
        alone = blocs.safety(sizes[one], p[one], sides[one], anchor[one], noise[one])
        for field in ("gap", "flip_cost", "p_bloc1", "p_best"):
            assert np.array_equal(getattr(alone, field), getattr(together, field)[one]), (field, world)
