"""A look pairs the edited scenario with its baseline as ``powershift compare`` does, and every view draws.

The page's numbers must be the command line's: the paired differences of a look are checked against
``compare`` run on the downloaded file, and the baseline cache against running the baseline again.
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from powershift.analysis.explorer import session, views
from powershift.analysis.explorer.state import Exploration, event_rows, scenario_yaml
from powershift.model.files import InputError
from tests.conftest import cli_at

WORLDS = 12


def look_at(state: Exploration, cache: session.BaselineCache | None = None) -> session.Look:
    return session.look(state, session.default_posterior(), cache or session.BaselineCache(), lambda *_: None)


@pytest.fixture(scope="module")
def edited() -> session.Look:
    first = event_rows(Exploration())[0]["id"]
    state = Exploration(worlds=WORLDS, seed=2).with_policy("PAK", "hedging", 1.9).with_event(first, on=False)
    return look_at(state)


def test_an_unedited_look_differs_from_its_baseline_by_nothing() -> None:
    current = look_at(Exploration(scenario="baseline", worlds=4, years=3))
    shares = current.ends[current.ends["difference"].notna()]
    assert len(shares) and (shares[["difference", "difference_low", "difference_high"]] == 0).all().all()
    assert current.comparison["paired"] and current.comparison["scenarios"] == ["baseline", "baseline (unedited)"]


@pytest.mark.slow(seconds=6)
def test_the_paired_differences_are_what_compare_computes(edited, tmp_path) -> None:
    """Download the edited scenario, run ``compare`` on it beside its source: the same end-state table."""
    (tmp_path / f"{edited.state.label}.yaml").write_text(scenario_yaml(edited.state))
    done = cli_at(
        "compare",
        edited.state.scenario,
        f"{edited.state.label}.yaml",
        "--replicates",
        str(WORLDS),
        "--seed",
        "2",
        "--out",
        "cmp",
        "--no-charts",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    cli = pd.read_csv(tmp_path / "cmp" / "end_state.csv")
    page = edited.ends
    columns = ["median", "difference", "difference_low", "difference_high", "share_higher"]
    pd.testing.assert_frame_equal(
        page[columns].reset_index(drop=True), cli[columns].reset_index(drop=True), check_dtype=False, atol=1e-12
    )
    assert list(page["outcome"]) == list(cli["outcome"])


def test_the_edit_moves_the_focus_dyads(edited) -> None:
    """A large hedging change and an event removed must show in the alignment the page draws."""
    table = edited.series[edited.series["outcome"].str.startswith("alignment_")]
    last = table[table["date"] == table["date"].max()].pivot_table(
        index=["replicate", "outcome"], columns="scenario", values="value"
    )
    assert (last.iloc[:, 0] - last.iloc[:, 1]).abs().max() > 1e-3


def test_the_baseline_is_run_once_for_every_policy_edit() -> None:
    cache, runs = session.BaselineCache(), []

    def counted(state: Exploration):
        runs.append(state)
        return object()

    for value in (0.2, 0.9, 1.6):
        _, kept = cache.get(Exploration(worlds=3).with_policy("PAK", "hedging", value), counted)
        assert kept == (value != 0.2)
    assert runs == [Exploration(worlds=3)]
    cache.get(Exploration(worlds=3, seed=9), counted)  # another seed pairs with another baseline
    assert len(runs) == 2


def test_the_cache_keeps_only_the_last_few_and_is_shared_safely() -> None:
    cache = session.BaselineCache(size=2)
    threads = [
        threading.Thread(target=cache.get, args=(Exploration(seed=s), lambda state: state.seed)) for s in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache.kept) == 2


@pytest.mark.parametrize("worlds", [0, -1, 2001, 2.5, True])
def test_worlds_out_of_range_are_refused_before_running(worlds) -> None:
    with pytest.raises(InputError, match="explorer: worlds: a whole number of worlds from 1 to 2,000"):
        look_at(Exploration(worlds=worlds))


def test_progress_is_reported_in_order() -> None:
    said: list[tuple[float, str]] = []
    state = Exploration(scenario="baseline", worlds=2, years=1)
    session.look(state, None, session.BaselineCache(), lambda *step: said.append(step))
    done = [p for p, _ in said]
    assert done == sorted(done) and len(done) >= 3


@pytest.mark.slow(seconds=4)
def test_every_view_draws_as_an_image(edited) -> None:
    for name in views.VIEWS:
        image = views.png(name, edited, views.Choices())
        assert image.startswith(b"\x89PNG") and len(image) > 10_000, name


def test_the_network_and_waterfall_follow_the_readers_choice(edited) -> None:
    dates, pairs = views.dates(edited), views.dyads(edited)
    assert pairs[: len(edited.meta["parameters"]["focus"])] == [str(d) for d in views.ensemble.focus_dyads(edited.meta)]
    first = views.png("network", edited, views.Choices(date=dates[0]))
    last = views.png("network", edited, views.Choices(date=dates[-1]))
    assert first != last
    a = views.png("waterfall", edited, views.Choices(dyad=pairs[0]))
    b = views.png("waterfall", edited, views.Choices(dyad=pairs[-1]))
    c = views.png("waterfall", edited, views.Choices(dyad=pairs[0], against=True))
    assert len({a, b, c}) == 3
