"""Sweep outcome charts: they draw what the runs table says, label it with units, and refuse bad choices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection, QuadMesh
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from powershift.analysis.charts.options import ChartOptions
from powershift.analysis.charts.sweep import (
    CHARTS,
    outcome_by_parameter,
    outcome_heatmap,
    outcome_label,
    sensitivity,
    stacked,
)
from powershift.analysis.experiments.design import build_design, parse_param
from powershift.analysis.experiments.sweep import read_manifest, read_runs, run_sweep
from powershift.model.files import InputError

HEDGING = "actors.PAK.policy.hedging"
RATE = "alignment.rate"
THREAT = "mechanisms.threat.weight"
Sweep = tuple[dict[str, Any], dict[str, pd.DataFrame]]


def sweep(folder: Path, params: list[str], sampler: str, **fields: Any) -> Sweep:
    base = {"scenario": "seed-2024", "params": [parse_param(p) for p in params], "sampler": sampler, "years": 3}
    design = build_design({**base, "replicates": 3, "seed": 5, **fields}, "test")
    run_sweep(design, folder, chunk=100)
    return read_manifest(folder), {"runs": read_runs(folder)}


@pytest.fixture(scope="module")
def lhs(tmp_path_factory: pytest.TempPathFactory) -> Sweep:
    return sweep(tmp_path_factory.mktemp("lhs") / "s", [f"{HEDGING}=0:1", f"{RATE}=0.5:2"], "lhs", samples=30)


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Sweep:
    return sweep(tmp_path_factory.mktemp("grid") / "s", [f"{THREAT}=0:2:3"], "grid")


@pytest.fixture(scope="module")
def grid2(tmp_path_factory: pytest.TempPathFactory) -> Sweep:
    return sweep(tmp_path_factory.mktemp("grid2") / "s", [f"{THREAT}=0:2:3", f"{HEDGING}=0:1:2"], "grid")


@pytest.fixture(scope="module")
def morris(tmp_path_factory: pytest.TempPathFactory) -> Sweep:
    return sweep(tmp_path_factory.mktemp("morris") / "s", [f"{HEDGING}=0:1", f"{RATE}=0.5:2"], "morris", samples=4)


@pytest.fixture
def draw():
    """Draw a chart and close every figure it made once the test is over."""
    figures: list[Figure] = []

    def drawn(chart: Any, data: Sweep, **options: Any) -> Figure:
        fig = chart(*data, ChartOptions(**options))
        figures.append(fig)
        return fig

    yield drawn
    for fig in figures:
        plt.close(fig)


def panels(fig: Figure) -> list[Any]:
    return [ax for ax in fig.axes if ax.get_visible()]


def in_bin(values: pd.Series, low: float, high: float, k: int, bins: int = 10) -> pd.Series:
    """Independently of the chart: is each value in equal-width bin k of [low, high] (the last bin closed)?"""
    edges = np.linspace(low, high, bins + 1)
    upper = values <= edges[k + 1] if k == bins - 1 else values < edges[k + 1]
    return (values >= edges[k]) & upper


def test_outcome_by_parameter_draws_one_banded_panel_per_swept_parameter(lhs: Sweep, draw: Any) -> None:
    fig = draw(outcome_by_parameter, lhs, outcome="share_USA")
    assert "seed-2024" in fig.get_suptitle()
    assert "other parameters vary across their ranges" in fig.get_suptitle()
    axes = panels(fig)
    assert [ax.get_xlabel() for ax in axes] == [HEDGING, RATE]
    for ax in axes:
        assert len(ax.get_lines()) == 1
        assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2
    assert "(%, economic–military index)" in axes[0].get_ylabel()


def test_default_outcome_is_the_one_the_sweep_moves_most_in_units_of_its_floor(lhs: Sweep, draw: Any) -> None:
    """Not the largest power's share, which a sweep of PAK's policy hardly moves: the outcome whose binned
    medians spread most, counted in its floor (0.1 pp for shares, 0.01 for alignment and polarity)."""
    runs = lhs[1]["runs"]
    floors = {"share_": (100, 0.1), "alignment_": (1, 0.01), "bloc_power": (100, 0.1), "polarity": (1, 0.01)}
    moved = {}
    for column in runs.columns:
        kind = next((k for k in floors if column.startswith(k)), None)
        if kind is None:
            continue
        factor, floor = floors[kind]
        spreads = []
        for path, (low, high) in ((HEDGING, (0.0, 1.0)), (RATE, (0.5, 2.0))):
            medians = [factor * runs.loc[in_bin(runs[path], low, high, k), column].median() for k in range(10)]
            spreads.append(np.nanmax(medians) - np.nanmin(medians))
        moved[column] = max(spreads) / floor
    expected = max(moved, key=moved.get)
    ax = panels(draw(outcome_by_parameter, lhs))[0]
    label, _ = outcome_label(expected)
    assert ax.get_ylabel() == stacked(label.replace("(%", "(%, economic–military index"))
    first = runs.loc[in_bin(runs[HEDGING], 0.0, 1.0, 0), expected]
    x, y = ax.get_lines()[0].get_data()
    assert x[0] == pytest.approx(0.05)
    factor = 100 if expected.startswith(("share_", "bloc_power")) else 1
    assert y[0] == pytest.approx(factor * first.median())


def test_a_response_below_the_floor_is_drawn_flat(lhs: Sweep, draw: Any) -> None:
    """PAK's share barely moves with these parameters: its axis spans at least 0.1 pp, and the title says so."""
    fig = draw(outcome_by_parameter, lhs, outcome="share_PAK")
    low, high = panels(fig)[0].get_ylim()
    assert high - low >= 0.1 - 1e-12
    assert "the scale spans at least 0.1 percentage points" in " ".join(fig.get_suptitle().split())


def test_outcome_by_parameter_draws_only_the_chosen_parameters(lhs: Sweep, draw: Any) -> None:
    axes = panels(draw(outcome_by_parameter, lhs, outcome="polarity", params=(RATE,)))
    assert [ax.get_xlabel() for ax in axes] == [RATE]
    assert "effective number of poles" in axes[0].get_ylabel()


def test_a_grid_sweep_keeps_its_grid_values(grid: Sweep, draw: Any) -> None:
    ax = panels(draw(outcome_by_parameter, grid, outcome="alignment_PAK-USA"))[0]
    x, y = ax.get_lines()[0].get_data()
    runs = grid[1]["runs"]
    assert list(x) == [0.0, 1.0, 2.0]
    assert list(y) == pytest.approx(list(runs.groupby(THREAT)["alignment_PAK-USA"].median()))
    assert "−1 hostile … +1 allied" in ax.get_ylabel()


def test_a_few_valued_design_keeps_its_levels_rather_than_binning_them(morris: Sweep, draw: Any) -> None:
    ax = panels(draw(outcome_by_parameter, morris))[0]
    levels = np.unique(morris[1]["runs"][HEDGING])
    assert 2 <= len(levels) <= 4
    assert list(ax.get_lines()[0].get_xdata()) == pytest.approx(list(levels))


@pytest.mark.parametrize(
    ("name", "units", "factor"),
    [
        ("share_USA", ["USA", "(%)"], 100.0),
        ("bloc_power_0", ["bloc 0", "(%)"], 100.0),
        ("alignment_IND-PAK", ["IND–PAK", "−1 hostile … +1 allied"], 1.0),
        ("polarity", ["effective number of poles"], 1.0),
        ("first_bloc_switch", ["years", "never = not counted"], 1.0),
    ],
)
def test_outcome_labels_name_the_unit(name: str, units: list[str], factor: float) -> None:
    label, scale = outcome_label(name)
    assert all(unit in label for unit in units)
    assert scale == factor


def test_sweep_power_share_labels_name_the_index(lhs: Sweep, draw: Any) -> None:
    assert "power on the economic–military index" in draw(outcome_by_parameter, lhs).get_suptitle()
    cinc = ({**lhs[0], "design": {**lhs[0]["design"], "set": ["power.index=cinc"]}}, lhs[1])
    fig = draw(outcome_by_parameter, cinc, outcome="share_CHN")
    assert panels(fig)[0].get_ylabel() == "CHN power share\n(%, CINC index)"
    assert "power on the CINC index" in fig.get_suptitle()


def heatmap_mesh(fig: Figure) -> QuadMesh:
    return next(c for c in fig.axes[0].collections if isinstance(c, QuadMesh))


def test_heatmap_cells_are_the_mean_of_their_runs_and_empty_cells_are_blank(lhs: Sweep, draw: Any) -> None:
    fig = draw(outcome_heatmap, lhs, outcome="polarity")
    cells = heatmap_mesh(fig).get_array().reshape(10, 10)
    runs = lhs[1]["runs"]
    filled = 0
    for i in range(10):
        for j in range(10):
            inside = in_bin(runs[RATE], 0.5, 2.0, i) & in_bin(runs[HEDGING], 0.0, 1.0, j)
            if inside.any():
                assert cells[i, j] == pytest.approx(runs.loc[inside, "polarity"].mean())
                filled += 1
            else:
                assert np.ma.is_masked(cells[i, j])
    assert 0 < filled < 100
    assert fig.axes[0].get_xlabel() == HEDGING and fig.axes[0].get_ylabel() == RATE
    assert "mean" in fig.get_suptitle() and "seed-2024" in fig.get_suptitle()


def test_heatmap_of_a_grid_has_one_cell_per_grid_point(grid2: Sweep, draw: Any) -> None:
    mesh = heatmap_mesh(draw(outcome_heatmap, grid2, outcome="alignment_PAK-USA"))
    corners = mesh.get_coordinates()
    assert list(corners[0, :, 0]) == pytest.approx([-0.5, 0.5, 1.5, 2.5])  # centred on 0, 1, 2
    assert list(corners[:, 0, 1]) == pytest.approx([-0.5, 0.5, 1.5])  # centred on 0, 1
    expected = grid2[1]["runs"].groupby([HEDGING, THREAT])["alignment_PAK-USA"].mean().unstack()
    np.testing.assert_allclose(mesh.get_array().reshape(2, 3), expected.to_numpy())


def test_heatmap_colour_bar_names_the_outcome_and_its_unit(lhs: Sweep, draw: Any) -> None:
    share = heatmap_mesh(draw(outcome_heatmap, lhs, outcome="share_USA"))
    assert share.colorbar.ax.get_ylabel() == "USA power share\n(%, economic–military index)"
    assert share.get_cmap().name == "viridis"
    alignment = heatmap_mesh(draw(outcome_heatmap, lhs, outcome="alignment_PAK-USA"))
    assert "PAK–USA alignment" in alignment.colorbar.ax.get_ylabel()
    assert "−1 hostile … +1 allied" in alignment.colorbar.ax.get_ylabel()
    assert alignment.get_cmap().name == "RdBu"
    assert isinstance(alignment.norm, TwoSlopeNorm) and alignment.norm.vcenter == 0
    assert alignment.norm.vmin == -alignment.norm.vmax


def test_heatmap_axes_follow_the_chosen_parameters(lhs: Sweep, draw: Any) -> None:
    ax = draw(outcome_heatmap, lhs, params=(RATE, HEDGING)).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == (RATE, HEDGING)


def test_heatmap_of_a_one_parameter_sweep_is_refused(grid: Sweep) -> None:
    with pytest.raises(InputError, match="--chart: outcome_heatmap: a sweep of at least two parameters"):
        outcome_heatmap(*grid, ChartOptions())


@pytest.mark.parametrize("chart", [outcome_by_parameter, outcome_heatmap])
def test_unknown_outcome_and_parameter_are_refused(lhs: Sweep, chart: Any) -> None:
    with pytest.raises(InputError, match=r"--outcome: share_XYZ: one of: share_PAK, .*, polarity, first_bloc_switch"):
        chart(*lhs, ChartOptions(outcome="share_XYZ"))
    with pytest.raises(InputError, match=f"--param: nope: one of the swept parameters: {HEDGING}, {RATE}$"):
        chart(*lhs, ChartOptions(params=("nope",)))
    assert not plt.get_fignums()


def test_both_charts_are_registered() -> None:
    assert CHARTS["outcome_by_parameter"][0] is outcome_by_parameter
    assert CHARTS["outcome_heatmap"][0] is outcome_heatmap
    assert all(CHARTS[name][1] for name in ("outcome_by_parameter", "outcome_heatmap"))


def test_sensitivity_names_every_parameter_whole_and_keeps_every_bar_in_its_panel(lhs: Sweep, draw: Any) -> None:
    """A long event path is wrapped at its dots, not cut to 'events.us-secondary- […]'; an interval that
    reaches past 1 widens the panel instead of running off it."""
    long = "events.us-secondary-sanctions-hazard.magnitude"
    rows = [
        {"index": kind, "outcome": "share_USA", "parameter": p, "value": v, "conf": c}
        for kind in ("S1", "ST")
        for p, v, c in ((HEDGING, 0.1, 0.05), (long, 0.9, 0.6))
    ]
    fig = draw(sensitivity, (lhs[0], {"sensitivity": pd.DataFrame(rows)}))
    ax = panels(fig)[0]
    labels = [" ".join(t.get_text().split("\n")).replace(" ", "") for t in ax.get_yticklabels()]
    assert long in labels and HEDGING in labels
    low, high = ax.get_xlim()
    assert low <= -0.15 and high >= 0.9 + 0.6


def test_elementary_effects_on_a_share_are_drawn_in_percentage_points(lhs: Sweep, draw: Any) -> None:
    """Morris μ* is in the outcome's unit: a share's (a fraction in sensitivity.csv) is drawn in pp, as every
    share on a chart is; an alignment's stays as it is, and Sobol shares of variance have no unit to change."""
    rows = [
        {"index": kind, "outcome": outcome, "parameter": HEDGING, "value": 0.002, "conf": 0.001}
        for kind in ("mu_star", "sigma")
        for outcome in ("share_PAK", "alignment_PAK-RUS")
    ]
    fig = draw(sensitivity, (lhs[0], {"sensitivity": pd.DataFrame(rows)}))
    share, alignment = panels(fig)[:2]
    assert share.get_title() == "share_PAK (pp)" and alignment.get_title() == "alignment_PAK-RUS"
    assert [round(p.get_width(), 12) for p in share.patches] == [0.2, 0.2]
    assert [round(p.get_width(), 12) for p in alignment.patches] == [0.002, 0.002]
