"""Charts checked on their matplotlib objects: titles, labels, legends, lines and bands, actor colours."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex

from powershift.analysis.analyze.comparison import Member, is_paired, noise_band, series
from powershift.analysis.analyze.explanation import contributions, summarise
from powershift.analysis.charts import comparison as comparison_charts
from powershift.analysis.charts import ensemble, style
from powershift.analysis.charts.explanation import MAX_PARTS, event_effects, waterfall
from powershift.analysis.charts.options import ChartOptions, snapshot_dates
from powershift.analysis.charts.registry import draw
from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.results import power_index
from powershift.analysis.results.storage import manifest
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario
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
    assert "(%, economic–military index)" in level.get_ylabel() and "percentage points" in change.get_ylabel()
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
    assert ax.get_ylim() == (0, 100) and "(%, economic–military index)" in ax.get_ylabel()
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
        assert len(bands(level)) == 4 and len(bands(change)) == 3  # 50 % and 90 % of worlds, the seed noise
        assert len(noise_bands(change)) == 1
    assert axes[0, 0].get_ylabel() == "Power share\n(%, economic–military index)"
    assert "percentage points" in axes[1, 0].get_ylabel()
    assert "Scenarios 'baseline' vs 'seed-2024'" in suptitle(fig) and "paired" in suptitle(fig)
    labels = legend_texts(fig.legends[0])
    assert labels[0] == "baseline (reference)" and labels[1].startswith("seed-2024")
    assert labels[-1] == "90 % band of the median from seed noise\n(bootstrap over paired worlds)"
    plt.close(fig)


def noise_bands(ax: Any) -> list[Any]:
    """The hatched seed-noise bands of a panel (or bars, in the end-state chart)."""
    return [c for c in [*ax.collections, *ax.patches] if c.get_hatch() == comparison_charts.NOISE["hatch"]]


def test_comparison_shares_come_as_fractions_and_are_drawn_in_percent_with_their_seed_noise(compared: Any) -> None:
    """The series holds fractions; the chart draws the levels in %, the difference and its seed-noise band in pp,
    and writes the difference at the end with the band's half-width."""
    meta, tables = compared
    s = tables["series"]
    pak = s[s.outcome == "share_PAK"]
    assert pak["value"].between(0, 1).all()
    fig = comparison_charts.compare_power_shares(meta, tables, ChartOptions())
    level, change = np.array(fig.axes).reshape(2, -1)[:, 0]
    reference = next(line for line in level.get_lines() if line.get_label() == "baseline")
    expected = 100 * pak[pak.scenario == "baseline"].groupby("date")["value"].median().to_numpy()
    np.testing.assert_allclose(reference.get_ydata(), expected, rtol=1e-12)
    rows = pak.pivot_table(index=["date", "replicate"], columns="scenario", values="value")
    paired = (rows["seed-2024"] - rows["baseline"]).groupby("date").median()
    line = next(line for line in change.get_lines() if "−" in line.get_label())
    np.testing.assert_allclose(line.get_ydata(), 100 * paired.to_numpy(), rtol=1e-9, atol=1e-15)
    band = noise_band(pak, paired=True)
    heights = noise_bands(change)[0].get_paths()[0].vertices[:, 1]
    assert heights.min() == pytest.approx(100 * band["low"].min()) and heights.max() == pytest.approx(
        100 * band["high"].max()
    )
    half = 100 * (band["high"].iloc[-1] - band["low"].iloc[-1]) / 2
    note = next(t.get_text() for t in change.texts if "seed noise" in t.get_text())
    written = re.fullmatch(r"at 2027: ([+−][0-9.]+) ± ([0-9.]+) pp \(± seed noise\)", note)
    assert written, note
    end, width = (float(g.replace("−", "-")) for g in written.groups())
    digits = len(written.group(2).split(".")[-1])  # as many as the band's half-width leaves meaningful
    assert end == pytest.approx(100 * paired.iloc[-1], abs=10**-digits) and width == pytest.approx(half, rel=0.05)
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
        "Power share (percentage points, economic–military index)",
        "Alignment (−1 … +1 scale)",
        "Power of bloc 0 (percentage points, economic–military index)",
        "Polarity (effective poles)",
        "P(bloc 1): probability of being in bloc 1 (percentage points)",
        "Bloc gap (landscape energy, power-share² × alignment)",
    ]
    assert fig.axes[1].get_yticklabels()[0].get_text() == "PAK-RUS"
    plt.close(fig)


def test_end_state_chart_draws_share_differences_in_pp_with_their_seed_noise(compared: Any) -> None:
    meta, tables = compared
    s = tables["series"]
    last = s[s.date == s.date.max()]
    fig = comparison_charts.compare_end_state(meta, tables, ChartOptions())
    shares = fig.axes[0]
    band = noise_band(last[last.outcome.str.startswith("share_")], paired=True).set_index("outcome")
    boxes = noise_bands(shares)
    assert [round(b.get_x(), 9) for b in boxes] == [round(100 * band.loc[f"share_{c}", "low"], 9) for c in FIVE]
    widths = [100 * (band.loc[f"share_{c}", "high"] - band.loc[f"share_{c}", "low"]) for c in FIVE]
    np.testing.assert_allclose([b.get_width() for b in boxes], widths, rtol=1e-9, atol=1e-12)
    rows = last[last.outcome == "share_IND"].pivot_table(index="replicate", columns="scenario", values="value")
    dot = next(line for line in shares.get_lines() if line.get_label().startswith("seed-2024"))
    assert dot.get_xdata()[FIVE.index("IND")] == pytest.approx(100 * (rows["seed-2024"] - rows["baseline"]).median())
    noise_label = "90 % band of the median from seed noise\n(bootstrap over paired worlds)"
    assert noise_label in legend_texts(shares.get_legend())
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


def safety_panels(fig: Any) -> tuple[list[Any], list[Any]]:
    """The bloc-safety chart's rows: the chance of the other bloc (top), the flip cost (bottom)."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    return axes[: len(axes) // 2], axes[len(axes) // 2 :]


def actor_lines(ax: Any) -> dict[str, str]:
    return {line.get_label(): to_hex(line.get_color()) for line in ax.get_lines() if line.get_label() in FIVE}


def other_bloc_median(traj: pd.DataFrame, code: str) -> np.ndarray:
    """Independently of the chart: the median over worlds of the chance (%) of the bloc a state did not start in."""
    rows = traj[traj.actor == code]
    start = rows[rows.step == 0].set_index("replicate")["bloc"]
    started_in_1 = rows["replicate"].map(start).to_numpy() == 1
    other = np.where(started_in_1, 1 - rows["p_bloc1"].to_numpy(), rows["p_bloc1"].to_numpy())
    return 100 * pd.Series(other).groupby(rows["date"].to_numpy()).median().to_numpy()


def with_chances(tables: dict[str, pd.DataFrame], chance: Any) -> dict[str, pd.DataFrame]:
    """The tables with p_bloc1 replaced (a function of the trajectories table)."""
    traj = tables["trajectories"].copy()
    traj["p_bloc1"] = chance(traj)
    return {**tables, "trajectories": traj}


def test_bloc_safety_draws_a_median_and_a_band_per_actor_in_its_colour(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    fig = ensemble.bloc_safety(meta, tables, ChartOptions())
    chance, cost = safety_panels(fig)
    assert [ax.get_title() for ax in chance] == FIVE
    for code, top, bottom in zip(FIVE, chance, cost, strict=True):
        colour = style.ACTOR_COLOURS[code].lower()
        assert to_hex(top.title.get_color()) == colour
        assert actor_lines(top) == actor_lines(bottom) == {code: colour}
        assert len(bands(top)) == len(bands(bottom)) == 1  # the 5–95 % band
        assert to_hex(bands(top)[0].get_facecolor()[0][:3]) == colour
        assert top.get_ylim()[0] < 0 and top.get_ylim()[1] > 100  # the whole probability scale
        assert bottom.get_xlabel() == "Year" and bottom.get_ylim()[0] == 0
    assert "(%)" in chance[0].get_ylabel() and "other" in chance[0].get_ylabel()
    assert "landscape energy" in cost[0].get_ylabel() and "power-share² × alignment" in cost[0].get_ylabel()
    assert suptitle(fig).startswith("How close each state is to switching bloc\n")
    assert f"Scenario 'seed-2024' · {REPLICATES} replicates · seed {SEED}" in suptitle(fig)
    assert "economic–military index" in suptitle(fig)
    labels = legend_texts(fig.legends[0])
    assert labels[:2] == ["median over worlds (in each state's colour)", "90 % of worlds (5–95 %)"]
    assert labels[2] == ensemble.NOISE_LABEL
    usa = chance[FIVE.index("USA")]  # the start's largest power: bloc 0 is its side
    assert any("by construction" in t.get_text() for t in usa.texts)
    plt.close(fig)


def test_bloc_safety_median_is_the_median_chance_of_the_other_bloc(ensemble_run: Any) -> None:
    meta, tables = ensemble_run
    rng = np.random.default_rng(1)
    swing = with_chances(tables, lambda t: np.where(t.actor == "IND", rng.uniform(0, 1, len(t)), t.p_bloc1))
    for data in (tables, swing):
        fig = ensemble.bloc_safety(meta, data, ChartOptions())
        chance, _ = safety_panels(fig)
        for code, ax in zip(FIVE, chance, strict=True):
            line = next(line for line in ax.get_lines() if line.get_label() == code)
            np.testing.assert_allclose(line.get_ydata(), other_bloc_median(data["trajectories"], code))
        plt.close(fig)
    ind = other_bloc_median(swing["trajectories"], "IND")
    assert 20 < ind[1:].mean() < 80  # the swing state's line is in the middle, not at an edge
    traj = tables["trajectories"]
    assert (traj[(traj.actor == "CHN") & (traj.step == 0)].bloc == 1).all()  # so its chance is 1 − p_bloc1 ≈ 0
    assert other_bloc_median(traj, "CHN")[0] == pytest.approx(0, abs=1e-6)


def no_reach_note(fig: Any) -> bool:
    return any("No state comes within reach of switching" in t.get_text() for t in fig.texts)


@pytest.mark.parametrize(
    ("chance", "noted"),
    [
        (lambda t: np.where(t.bloc == 1, 0.995, 0.004), True),  # every probability within 1 % of 0 or 1
        (lambda t: np.where(t.bloc == 1, 1.0, 0.0), True),
        (lambda t: np.where((t.actor == "PAK") & (t.step == 3), 0.02, np.where(t.bloc == 1, 1.0, 0.0)), False),
        (lambda t: np.where((t.actor == "RUS") & (t.step == 5), 0.985, np.where(t.bloc == 1, 1.0, 0.0)), False),
    ],
)
def test_bloc_safety_says_so_when_no_state_comes_within_reach(ensemble_run: Any, chance: Any, noted: bool) -> None:
    meta, tables = ensemble_run
    fig = ensemble.bloc_safety(meta, with_chances(tables, chance), ChartOptions())
    assert no_reach_note(fig) is noted
    plt.close(fig)


def test_bloc_safety_noise_line_is_the_model_noise_on_each_flip() -> None:
    """The reference line is derived from the tables; it equals the noise scale the model weighs each flip by."""
    from powershift.analysis.experiments.ensemble import Results
    from powershift.analysis.results.tables import recording_tables
    from powershift.model import blocs
    from tests.conftest import run_world

    scenario = load_scenario("pakistan-instability", years=2)
    world, _ = run_world(scenario, worlds=3)
    tables = recording_tables(world)
    meta = manifest(Results(scenario, 7, 3, tables=tables), "parquet")
    scale = ensemble.flip_noise(meta, tables)
    assert scale is not None
    last = scale[scale.step == scale.step.max()].set_index(["replicate", "actor"])["scale"]
    spread = blocs.pair_weights(world.index_shares, blocs.pair_matrix(world.pair_noise(), world.n))
    model = np.sqrt((spread**2).sum(axis=2) / world.p["blocs.temperature"][:, None])  # one year of noise
    derived = np.array([[last[(r, code)] for code in world.codes] for r in range(3)])
    np.testing.assert_allclose(derived, model, rtol=1e-12)
    assert (model > 0).all()
    fig = ensemble.bloc_safety(meta, tables, ChartOptions())
    _, cost = safety_panels(fig)
    k = meta["actors"].index("PAK")
    dashed = next(line for line in cost[k].get_lines() if line.get_label() == ensemble.NOISE_LABEL)
    expected = scale[scale.actor == "PAK"].groupby("date")["scale"].median().to_numpy()
    np.testing.assert_allclose(dashed.get_ydata(), expected)
    plt.close(fig)


def test_a_folder_without_bloc_safety_draws_the_other_charts(ensemble_run: Any, tmp_path: Path) -> None:
    from powershift.analysis.charts.registry import available, draw_all

    meta, tables = ensemble_run
    old = {**tables, "trajectories": tables["trajectories"].drop(columns=["p_bloc1", "flip_cost"])}
    assert "bloc_safety" in available("ensemble", meta, tables)
    assert "bloc_safety" not in available("ensemble", meta, old)
    old_meta = {**meta, "parameters": {k: v for k, v in meta["parameters"].items() if k != "power"}}
    paths = draw_all(old_meta, old, tmp_path / "charts")
    assert "bloc_safety.png" not in {p.name for p in paths} and len(paths) == len(ensemble.CHARTS) - 1
    with pytest.raises(InputError, match="--chart: bloc_safety: a results folder that records bloc safety"):
        ensemble.bloc_safety(old_meta, old, ChartOptions())
    fig = ensemble.power_shares(old_meta, old, ChartOptions())  # no index recorded: the headline default
    assert "(%, economic–military index)" in fig.axes[0].get_ylabel()
    plt.close(fig)


@pytest.fixture(scope="module")
def cinc_run() -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    results = run_ensemble(load_scenario("seed-2024", ("power.index=cinc",), years=1), 2, SEED)
    return manifest(results, "parquet"), results.tables


def test_a_cinc_run_names_its_index_on_every_power_share_axis(cinc_run: Any) -> None:
    meta, tables = cinc_run
    assert meta["parameters"]["power"]["index"] == "cinc"
    shares = ensemble.power_shares(meta, tables, ChartOptions())
    blocs = ensemble.bloc_power(meta, tables, ChartOptions())
    net = ensemble.network(meta, tables, ChartOptions())
    assert shares.axes[0].get_ylabel() == "Power share (%, CINC index)"
    assert blocs.axes[0].get_ylabel() == "Share of the set's power (%, CINC index)"
    assert any("CINC index" in text for text in legend_texts(net.legends[0]))
    for name in ensemble.CHARTS:
        fig = ensemble.CHARTS[name][0](meta, tables, ChartOptions())
        assert "power on the CINC index" in suptitle(fig), name
        assert "economic–military" not in suptitle(fig) + " ".join(ax.get_ylabel() for ax in fig.axes), name
        plt.close(fig)
    for fig in (shares, blocs, net):
        plt.close(fig)


def test_comparison_charts_name_the_index_and_say_when_the_scenarios_differ(compared: Any) -> None:
    meta, tables = compared
    cinc = {**meta, "members": [{"label": s, "power_index": "cinc"} for s in meta["scenarios"]]}
    fig = comparison_charts.compare_power_shares(cinc, tables, ChartOptions())
    assert fig.axes[0].get_ylabel() == "Power share\n(%, CINC index)"
    assert "power on the CINC index" in suptitle(fig)
    plt.close(fig)
    members = [
        {"label": "baseline", "power_index": "cinc", "bloc_0_side": "CHN"},
        {"label": "seed-2024", "bloc_0_side": "USA"},  # a folder from before the index was recorded
    ]
    mixed = {**meta, "members": members}
    assert power_index.power_index(mixed) == power_index.MIXED
    fig = comparison_charts.compare_end_state(mixed, tables, ChartOptions())
    assert fig.axes[0].get_xlabel() == "Power share (percentage points, index differs by scenario)"
    assert "bloc 0 is the side of CHN in baseline, USA in seed-2024" in fig.axes[-2].get_xlabel()
    assert "baseline the CINC index, seed-2024 the economic–military index" in suptitle(fig)
    plt.close(fig)


def test_a_sweep_names_the_index_it_was_run_on() -> None:
    design = {"scenario": "seed-2024", "set": ["power.index=net_resources"], "params": []}
    assert power_index.power_index({"kind": "sweep", "design": design, "scenario_path": "seed-2024"}) == "net_resources"
    plain = {"kind": "sweep", "design": {**design, "set": []}, "scenario_path": "seed-2024"}
    assert power_index.power_index(plain) == "economic_military"
    explained = {"kind": "explanation", "source": {"kind": "ensemble", "scenario": "s", "replicates": 1, "seed": 0}}
    assert power_index.power_index(explained) == "economic_military"
