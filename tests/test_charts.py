"""Charts checked on their matplotlib objects: titles, labels, legends, lines and bands, actor colours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex

from analysis import style
from analysis.charts import comparison as comparison_charts
from analysis.charts import draw, ensemble
from analysis.charts.explanation import MAX_PARTS, event_effects, waterfall
from analysis.charts.options import ChartOptions, snapshot_dates
from analysis.comparison import Member, is_paired, series
from analysis.ensemble import run_ensemble
from analysis.explanation import contributions, summarise
from analysis.storage import manifest
from model.files import InputError
from model.scenario import load_scenario
from tests.conftest import FIVE

REPLICATES, SEED = 4, 3


@pytest.fixture(scope="module")
def ensemble_run() -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    results = run_ensemble(load_scenario("seed-2024", years=3), REPLICATES, SEED)
    return manifest(results, "parquet"), results.tables


@pytest.fixture(scope="module")
def compared() -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    members = []
    for name in ("baseline", "seed-2024"):
        results = run_ensemble(load_scenario(name, years=3), REPLICATES, SEED)
        members.append(Member(name, manifest(results, "parquet"), results.tables, results))
    meta = {
        "kind": "comparison",
        "scenarios": ["baseline", "seed-2024"],
        "paired": is_paired(members),
        "seed": SEED,
        "replicates": REPLICATES,
        "version": "test",
    }
    return meta, {"series": series(members)}


def texts(fig: Any) -> str:
    return " ".join(t.get_text() for t in fig.texts)


def suptitle(fig: Any) -> str:
    return fig._suptitle.get_text()


def legend_texts(legend: Any) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def bands(ax: Any) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


@pytest.mark.parametrize("name", list(ensemble.CHARTS))
def test_every_ensemble_chart_names_scenario_replicates_seed_and_source(name: str, ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    fig = ensemble.CHARTS[name][0](meta, tables, ChartOptions())
    assert f"Scenario 'seed-2024' · {REPLICATES} replicates · seed {SEED}" in suptitle(fig)
    assert "powershift" in texts(fig) and "COW" in texts(fig)
    plt.close(fig)


def test_power_shares_draws_a_median_and_two_bands_per_actor_in_its_own_colour(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    fig = ensemble.power_shares(meta, tables, ChartOptions())
    level, change = fig.axes
    for ax in (level, change):
        lines = {line.get_label(): to_hex(line.get_color()) for line in ax.get_lines() if line.get_label() in FIVE}
        assert lines == {code: style.ACTOR_COLOURS[code].lower() for code in FIVE}
        assert len(bands(ax)) == 2 * len(FIVE)
        assert ax.get_xlabel() == "Year"
    assert "(%)" in level.get_ylabel() and "percentage points" in change.get_ylabel()
    labels = legend_texts(change.get_legend())
    assert labels == [*FIVE, "50 % of worlds", "90 % of worlds"]
    plt.close(fig)


def test_power_share_median_line_is_the_median_over_replicates(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    fig = ensemble.power_shares(meta, tables, ChartOptions())
    line = next(line for line in fig.axes[0].get_lines() if line.get_label() == "PAK")
    traj = tables["trajectories"]
    expected = 100 * traj[traj.actor == "PAK"].groupby("date")["power_share"].median().to_numpy()
    np.testing.assert_allclose(line.get_ydata(), expected)
    plt.close(fig)


def test_one_replicate_draws_no_bands(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    one = {k: v[v.replicate == 0] for k, v in tables.items()}
    fig = ensemble.power_shares({**meta, "replicates": 1}, one, ChartOptions())
    assert not bands(fig.axes[0])
    assert "50 % of worlds" not in legend_texts(fig.axes[1].get_legend())
    plt.close(fig)


def test_heatmaps_show_the_median_alignment_at_each_chosen_date(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    dates = (dt.date(2024, 1, 1), dt.date(2025, 8, 15), dt.date(2027, 1, 1))
    fig = ensemble.alignment_heatmaps(meta, tables, ChartOptions(dates=dates))
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in panels] == ["2024-01", "2025-07", "2027-01"]  # snapped to the step before
    image = panels[1].get_images()[0]
    assert image.norm.vcenter == 0 and image.norm.vmin == -1 and image.norm.vmax == 1
    align = tables["alignment"]
    at = align[(align.date == "2025-07-01") & (align.actor_a == "PAK") & (align.actor_b == "RUS")]
    m = image.get_array()
    i, j = FIVE.index("PAK"), FIVE.index("RUS")
    assert m[i, j] == m[j, i] == pytest.approx(at.alignment.median())
    colourbar = next(ax for ax in fig.axes if not ax.get_images())
    assert "Alignment" in colourbar.get_ylabel()
    plt.close(fig)


def test_snapshot_dates_default_to_start_middle_end_and_refuse_dates_outside_the_run(ensemble_run: Any) -> None:
    dates = ensemble_run[1]["alignment"]["date"]
    assert [d.date() for d in snapshot_dates(dates, ())] == [
        dt.date(2024, 1, 1),
        dt.date(2025, 7, 1),
        dt.date(2027, 1, 1),
    ]
    with pytest.raises(InputError, match="--dates: 2030-01-01: a date within the run, 2024-01-01 to 2027-01-01"):
        snapshot_dates(dates, (dt.date(2030, 1, 1),))


def test_focus_alignment_draws_each_focus_dyad_and_lists_the_events(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    fig = ensemble.focus_alignment(meta, tables, ChartOptions())
    ax = fig.axes[0]
    focus = ["–".join(sorted(p.split("-"))) for p in meta["parameters"]["focus"]]
    assert [line.get_label() for line in ax.get_lines() if "–" in line.get_label()] == focus
    assert len(bands(ax)) == 2 * len(focus)
    listing = " ".join(t.get_text() for t in ax.texts)
    assert "igc-commission" in listing and "sco-astana-2024" in listing
    assert "Alignment" in ax.get_ylabel()
    plt.close(fig)


def test_bloc_power_stacks_two_blocs_that_fill_the_whole(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    fig = ensemble.bloc_power(meta, tables, ChartOptions())
    ax = fig.axes[0]
    assert len(ax.collections) == 2
    labels = legend_texts(ax.get_legend())
    assert labels[0].startswith("Bloc 0: start") and "USA" in labels[0]  # the headline index's largest power
    assert ax.get_ylim() == (0, 100) and "(%)" in ax.get_ylabel()
    plt.close(fig)


def test_network_keeps_every_state_in_place_and_sizes_nodes_by_power(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    dates = (dt.date(2024, 1, 1), dt.date(2027, 1, 1))
    fig = ensemble.network(meta, tables, ChartOptions(dates=dates))
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["2024-01", "2027-01"]
    positions = [[tuple(c.get_offsets()[0]) for c in ax.collections] for ax in panels]
    assert positions[0] == positions[1]
    sizes = [c.get_sizes()[0] for c in panels[0].collections]
    assert FIVE[int(np.argmax(sizes))] == "USA"
    edges = [line for line in panels[0].get_lines()]
    assert len(edges) == 10
    assert {to_hex(line.get_color()) for line in edges} <= {style.POSITIVE.lower(), style.NEGATIVE.lower()}
    plt.close(fig)


def test_comparison_panels_have_a_level_and_a_difference_row_per_actor(compared: Any) -> None:
    meta, tables = compared
    assert meta["paired"]
    fig = comparison_charts.compare_power_shares(meta, tables, ChartOptions())
    axes = np.array(fig.axes).reshape(2, -1)
    assert [ax.get_title() for ax in axes[0]] == FIVE
    for code, level, change in zip(FIVE, axes[0], axes[1], strict=True):
        colours = [to_hex(line.get_color()) for line in level.get_lines()]
        assert colours == [style.REFERENCE.lower(), style.ACTOR_COLOURS[code].lower()]
        assert len(bands(level)) == 4 and len(bands(change)) == 2
    assert "Power share (%)" in axes[0, 0].get_ylabel() and "percentage points" in axes[1, 0].get_ylabel()
    assert "Scenarios 'baseline' vs 'seed-2024'" in suptitle(fig) and "paired" in suptitle(fig)
    labels = legend_texts(fig.legends[0])
    assert labels[0] == "baseline (reference)" and labels[1].startswith("seed-2024")
    plt.close(fig)


def test_comparison_difference_line_is_the_median_paired_difference(compared: Any) -> None:
    meta, tables = compared
    fig = comparison_charts.compare_alignment(meta, tables, ChartOptions())
    change = np.array(fig.axes).reshape(2, -1)[1, 0]
    s = tables["series"]
    rows = s[s.outcome == "alignment_PAK-RUS"].pivot_table(
        index=["date", "replicate"], columns="scenario", values="value"
    )
    expected = (rows["seed-2024"] - rows["baseline"]).groupby("date").median().to_numpy()
    line = next(line for line in change.get_lines() if "−" in line.get_label())
    np.testing.assert_allclose(line.get_ydata(), expected)
    assert expected[-1] > 0  # the seed-2024 events warm PAK-RUS
    plt.close(fig)


def test_end_state_chart_has_a_panel_per_unit(compared: Any) -> None:
    meta, tables = compared
    fig = comparison_charts.compare_end_state(meta, tables, ChartOptions())
    assert [ax.get_xlabel() for ax in fig.axes] == [
        "Power share (percentage points)",
        "Alignment (−1 … +1 scale)",
        "Power of bloc 0 (percentage points)",
        "Polarity (effective poles)",
    ]
    assert fig.axes[1].get_yticklabels()[0].get_text() == "PAK-RUS"
    plt.close(fig)


def test_waterfall_bars_add_up_from_start_to_end(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    align = tables["alignment"]
    begin, end = align.date.min(), align.date.max()
    parts = contributions(tables, ("PAK", "RUS"), begin, end).assign(what="")
    explained = {"kind": "explanation", "dyad": "PAK-RUS", "from": "2024-01-01", "to": "2027-01-01", "source": meta}
    fig = waterfall(explained, {"parts": parts}, ChartOptions())
    ax = fig.axes[0]
    bars = [p for p in ax.patches]
    summary = summarise(parts)
    shown = summary[summary.kind.isin(["mechanism", "event"])]
    assert len(shown) > MAX_PARTS  # the smallest parts are summed into one bar
    assert len(bars) == MAX_PARTS + 2
    last_part = bars[-2]
    assert last_part.get_x() + last_part.get_width() == pytest.approx(bars[-1].get_width())
    assert bars[-1].get_width() == pytest.approx(summary.set_index("name").loc["end", "mean"])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Start (2024-01)" and labels[-1] == "End (2027-01)"
    assert any(label.startswith("event: igc-commission") for label in labels)
    assert "PAK-RUS alignment" in ax.get_xlabel()
    plt.close(fig)


def test_a_refused_chart_leaves_the_others_unwritten(ensemble_run: Any, tmp_path: Path) -> None:
    meta, tables = ensemble_run
    options = ChartOptions(dates=(dt.date(2040, 1, 1),))
    with pytest.raises(InputError, match="--dates"):
        draw("ensemble", ["power_shares", "network"], meta, tables, tmp_path / "charts", "png", options)
    assert not (tmp_path / "charts").exists()


def test_dyad_lines_never_borrow_an_actor_colour(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    fig = ensemble.focus_alignment(meta, tables, ChartOptions())
    dyad_colours = {to_hex(line.get_color()) for line in fig.axes[0].get_lines() if "–" in line.get_label()}
    assert len(dyad_colours) == len(meta["parameters"]["focus"])
    assert not dyad_colours & {c.lower() for c in style.ACTOR_COLOURS.values()}
    plt.close(fig)


def test_bloc_chart_marks_a_change_of_most_common_membership(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    traj = tables["trajectories"].copy()
    switch = traj.date.sort_values().unique()[5]
    traj.loc[(traj.actor == "IND") & (traj.date >= switch), "bloc"] = 1  # IND leaves bloc 0 in every world
    fig = ensemble.bloc_power(meta, {**tables, "trajectories": traj}, ChartOptions())
    ax = fig.axes[0]
    marks = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert [pd.Timestamp(line.get_xdata()[0]) for line in marks] == [pd.Timestamp(switch)]
    assert "IND → bloc 1" in [t.get_text() for t in ax.texts]
    assert "end USA" in legend_texts(ax.get_legend())[0]
    plt.close(fig)


def test_event_effects_chart_sorts_events_by_size_and_colours_by_sign() -> None:
    parts = pd.DataFrame(
        {
            "replicate": [0, 1, 2] * 2,
            "kind": "without",
            "name": ["small"] * 3 + ["big"] * 3,
            "what": ["summit"] * 3 + ["crisis"] * 3,
            "value": [0.01, 0.02, 0.03, -0.2, -0.3, -0.25],
        }
    )
    meta = {
        "kind": "explanation",
        "dyad": "PAK-RUS",
        "from": "2024-01-01",
        "to": "2026-01-01",
        "version": "t",
        "source": {"scenario": "s", "replicates": 3, "seed": 1},
    }
    fig = event_effects(meta, {"parts": parts}, ChartOptions())
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["big (crisis)", "small (summit)"]
    bars = ax.patches
    assert bars[0].get_width() == pytest.approx(-0.25) and bars[1].get_width() == pytest.approx(0.02)
    assert to_hex(bars[0].get_facecolor()) == style.NEGATIVE.lower()
    assert to_hex(bars[1].get_facecolor()) == style.POSITIVE.lower()
    assert "not additive" in suptitle(fig) and "PAK-RUS" in ax.get_xlabel()
    plt.close(fig)
