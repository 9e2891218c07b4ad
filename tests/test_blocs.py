"""Landscape theory on cases that can be checked by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from model import blocs


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
