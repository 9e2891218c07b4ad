"""Alignments that can stay moved: the relaxation anchor follows the path, treaties move it directly."""

from __future__ import annotations

import numpy as np

from powershift.model.world import World, world_seed
from tests.conftest import FIVE, dyad, make_scenario, run

K = dyad("PAK", "RUS")
STILL = {c: {"growth": 0.0} for c in FIVE}
NO_DRAW = {"growth_uncertainty": 0.0, "exchange_uncertainty": 0.0}
SUMMIT = {"id": "s", "type": "summit", "actors": ["PAK", "RUS"], "at": "2025-01-01", "magnitude": 1.0}
TREATY = {"id": "t", "type": "alliance_treaty", "actors": ["PAK", "RUS"], "at": "2025-01-01", "magnitude": 1.0}


def change(events, years: float = 10, **kwargs) -> np.ndarray:
    """PAK-RUS alignment minus the same run's without the events, every step."""
    base = run(make_scenario(years=years, actors=STILL, economy=NO_DRAW, **kwargs))
    moved = run(make_scenario(years=years, events=events, actors=STILL, economy=NO_DRAW, **kwargs))
    return moved.alignment[:, 0, K] - base.alignment[:, 0, K]


def test_the_start_is_at_rest():
    h = run(make_scenario(years=10, actors=STILL, economy=NO_DRAW))
    assert np.abs(h.alignment[:, 0] - h.alignment[0, 0]).max() < 1e-9


def test_a_one_off_summit_fades_but_leaves_a_trace():
    d = change([SUMMIT])
    peak = d.max()
    assert peak > 0.03
    assert d[-1] < 0.5 * peak  # most of it fades ...
    assert d[-1] > 0.05 * peak  # ... but sustained time at the new level moved the anchor a little


def test_without_an_anchor_rate_a_summit_fades_completely():
    d = change([SUMMIT], years=30, mechanisms={"relaxation": {"anchor_rate": 0.0}})
    assert d[-1] < 0.02 * d.max()


def test_a_treaty_lasts_where_a_summit_fades():
    summit, treaty = change([SUMMIT]), change([TREATY])
    assert treaty[-1] > 0.1
    assert treaty[-1] > 3 * summit[-1]


def test_the_anchor_is_state_and_relaxation_stays_one_contribution():
    world = World(make_scenario(years=5, events=[TREATY], actors=STILL, economy=NO_DRAW), [world_seed(1, 0)])
    h = world.run()
    i, j = FIVE.index("PAK"), FIVE.index("RUS")
    assert world.anchor[0, i, j] == world.anchor[0, j, i] > world.alignment0[0, i, j]
    total = h.contributions[1:, 0, K].sum(axis=-1)
    np.testing.assert_allclose(total, np.diff(h.alignment[:, 0, K]), atol=1e-12)


def test_fifty_year_runs_stay_bounded_and_do_not_run_away():
    h = run(make_scenario(years=50, noise=True), worlds=20)
    a = h.alignment
    assert np.isfinite(a).all() and np.abs(a).max() <= 1.0
    drift = np.abs(a[-1] - a[0])
    assert np.median(drift) < 0.25
    assert (np.abs(a[-1]) < 0.99).mean() > 0.9  # no collapse onto the bounds
