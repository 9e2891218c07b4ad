"""Actor sets: the sourced five-state 2024 set and synthetic sets of any size."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from model.actors import Figure, Flag, load_actor_set, synthetic_actor_set
from model.files import InputError
from model.world import World, world_seed
from tests.conftest import FIVE, history_arrays, make_scenario, run, write_synthetic

CINC_TOLERANCE = 0.025  # the stated start-year tolerance: 2.5 percentage points


@pytest.fixture(scope="module")
def five():
    return load_actor_set("five-2024")


def test_five_state_set_loads(five):
    assert five.codes == FIVE
    assert five.n == 5
    assert five.alignment.shape == (5, 5)
    assert np.array_equal(five.alignment, five.alignment.T)
    assert np.all(np.diagonal(five.alignment) == 0)
    assert np.all(np.abs(five.alignment) <= 1)
    assert np.all(five.gdp > 0) and np.all(five.milex > 0)
    assert not np.isnan(five.cinc).any(), "every state of the five carries a CINC figure"


def test_start_year_capability_shares_match_cinc(five):
    h = run(make_scenario(years=1))
    shares = h.actors["power_share"][0, 0]
    cinc = five.cinc / five.cinc.sum()
    gap = np.abs(shares - cinc)
    assert gap.max() <= CINC_TOLERANCE, dict(zip(five.codes, np.round(gap, 4), strict=True))
    assert np.argsort(shares).tolist() == np.argsort(cinc).tolist()


def test_every_figure_has_a_source(five):
    spec = five.spec
    checked = 0
    for code, actor in spec.actors.items():
        for name in type(actor).model_fields:
            value = getattr(actor, name)
            if isinstance(value, Figure | Flag):
                assert value.source.strip(), f"{code}.{name} has no source"
                checked += 1
        for name in type(actor.policy).model_fields:
            judgement = getattr(actor.policy, name)
            assert judgement.note.strip(), f"{code}.policy.{name} has no reasoning"
    assert checked >= 5 * 11
    for entry in spec.alignments:
        assert entry.sources and all(s.strip() for s in entry.sources), entry.pair
        assert entry.justification.strip()
    assert spec.trade, "the five-state set carries trade data"
    for entry in spec.trade:
        assert entry.source.strip(), entry.pair


def test_every_pair_has_trade_and_alignment(five):
    pairs = {frozenset(e.pair) for e in five.spec.trade}
    assert len(pairs) == 10
    off_diagonal = ~np.eye(5, dtype=bool)
    assert np.all(five.trade[off_diagonal] >= 0)


def test_synthetic_set_of_30_loads_and_runs(tmp_path):
    path = write_synthetic(30, tmp_path)
    loaded = load_actor_set(path)
    assert loaded.n == 30
    direct = synthetic_actor_set(30)
    assert np.array_equal(loaded.alignment, direct.alignment)
    assert np.array_equal(loaded.gdp, direct.gdp)
    scenario = make_scenario(years=1, noise=True, actor_set=path)
    world = World(scenario, [world_seed(3, r) for r in range(2)])
    for _ in range(3):
        world.step()
    h = world.history
    assert h.alignment.shape == (world.horizon + 1, 2, 30 * 29 // 2)
    for name, arr in history_arrays(h).items():
        assert np.all(np.isfinite(arr[: world.t + 1])), name
    assert np.allclose(h.actors["power_share"][: world.t + 1].sum(axis=-1), 1.0)


def test_synthetic_set_is_reproducible_and_seeded():
    a, b, c = synthetic_actor_set(6, seed=1), synthetic_actor_set(6, seed=1), synthetic_actor_set(6, seed=2)
    assert np.array_equal(a.alignment, b.alignment)
    assert not np.array_equal(a.alignment, c.alignment)


def test_synthetic_set_needs_two_actors():
    with pytest.raises(InputError):
        synthetic_actor_set(1)


def test_actor_set_missing_an_alignment_is_rejected(tmp_path):
    doc = synthetic_actor_set(3).spec.model_dump(mode="json")
    doc["alignments"] = doc["alignments"][:-1]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError, match="alignments"):
        load_actor_set(str(path))


def test_actor_set_figure_without_source_is_rejected(tmp_path):
    doc = synthetic_actor_set(3).spec.model_dump(mode="json")
    del doc["actors"]["S000"]["gdp_bn"]["source"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError, match=r"actors\.S000\.gdp_bn\.source"):
        load_actor_set(str(path))
