"""ParamPath and Dyad: the one parser and printer of dotted parameter paths and 'A-B' dyads."""

from __future__ import annotations

import pytest

from powershift.model.dyads import Dyad
from powershift.model.parameters import NUMBER_PATHS, Parameters
from powershift.model.paths import ParamPath, assigned_paths, split_assignment


def test_a_path_round_trips_and_names_its_parts() -> None:
    path = ParamPath.parse("actors.PAK.policy.hedging")
    assert path.parts == ("actors", "PAK", "policy", "hedging")
    assert (str(path), path.head, path.leaf, len(path)) == ("actors.PAK.policy.hedging", "actors", "hedging", 4)
    assert ParamPath.parse("economy.trade_gain").resolve(Parameters()) == 0.3


@pytest.mark.parametrize("text", ["", ".rate", "economy..gain", "economy."])
def test_an_empty_path_or_part_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        ParamPath.parse(text)


def test_assignments_split_at_the_first_equals_sign() -> None:
    assert split_assignment("power.index=cinc") == ("power.index", "cinc")
    assert split_assignment(" a.b = x=y") == (" a.b ", " x=y")
    assert split_assignment("no-equals") is None
    assert assigned_paths([" a.b = 1", "c.d=2"]) == {"a.b", "c.d"}


def test_number_paths_are_every_float_of_the_parameter_models() -> None:
    assert NUMBER_PATHS[0] == "mechanisms.threat.weight" and NUMBER_PATHS[-1] == "blocs.temperature"
    assert "mechanisms.threat.enabled" not in NUMBER_PATHS and "power.index" not in NUMBER_PATHS
    assert all(isinstance(ParamPath.parse(p).resolve(Parameters()), float) for p in NUMBER_PATHS)


def test_a_dyad_parses_prints_and_orders() -> None:
    dyad = Dyad.parse("RUS-PAK", ["PAK", "RUS"])
    assert (str(dyad), str(dyad.canonical()), dyad.column("alignment"), dyad.label) == (
        "RUS-PAK",
        "PAK-RUS",
        "alignment_RUS-PAK",
        "RUS–PAK",
    )
    assert dyad.canonical() == ("PAK", "RUS") and {("PAK", "RUS"): 1}[Dyad("PAK", "RUS")] == 1


@pytest.mark.parametrize("text", ["PAK", "PAK-PAK", "PAK-RUS-USA", "PAK-CHN", None])
def test_a_bad_dyad_is_refused(text: object) -> None:
    with pytest.raises(ValueError):
        Dyad.parse(text, ["PAK", "RUS"])


def test_every_dyad_and_a_worlds_pairs_keep_their_orders() -> None:
    assert [str(d) for d in Dyad.every(["USA", "CHN", "RUS"])] == ["CHN-RUS", "CHN-USA", "RUS-USA"]
    assert [str(d) for d in Dyad.of_pairs(["USA", "CHN", "RUS"])] == ["USA-CHN", "USA-RUS", "CHN-RUS"]
