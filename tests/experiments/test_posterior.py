"""Posteriors: parameter uncertainty in the bands, drawn reproducibly, recorded, and refused when bad."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import run
from powershift.analysis.charts import style
from powershift.analysis.charts.options import ChartOptions
from powershift.analysis.charts.registry import family
from powershift.analysis.experiments import posterior as posterior_module
from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.experiments.posterior import (
    Posterior,
    draw_indices,
    read_posterior,
    world_values,
    write_posterior,
)
from powershift.analysis.results.readers import read_comparison, read_ensemble
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario
from tests.conftest import cli_in_process

TABLES = ("trajectories", "alignment", "metrics", "events", "event_contributions")
FIT = {"method": "pyabc ABC-SMC", "scenario": "history-2014-2024", "years": [2014, 2019], "seed": 0, "command": "t"}
RUN = ["run", "seed-2024", "--replicates", "6", "--years", "2", "--seed", "3", "--no-charts", "--quiet"]


pytestmark = pytest.mark.usefixtures("no_locks_left")
cli = cli_in_process


def fixture_posterior(folder: Path, name: str = "posterior-test", draws: int = 40, **columns: Any) -> Posterior:
    """A posterior of ``draws`` rows in ``folder``: by default a wide alignment.rate, a relaxation rate and an
    observation-model column."""
    rng = np.random.default_rng(5)
    table = columns or {
        "alignment.rate": np.linspace(0.05, 0.8, draws),
        "mechanisms.relaxation.rate": rng.uniform(0.1, 1.6, draws),
        "observation.alignment_sd": rng.uniform(0.01, 0.1, draws),
    }
    return write_posterior(pd.DataFrame(table), FIT, folder / name)


def rehash(manifest: Path, **changes: Any) -> None:
    """Rewrite a manifest after its CSV was edited, so only the edit is wrong."""
    meta = yaml.safe_load(manifest.read_text())
    meta["sha256"] = hashlib.sha256((manifest.parent / meta["data"]).read_bytes()).hexdigest()
    meta.update(changes)
    manifest.write_text(yaml.safe_dump(meta, sort_keys=False))


def read_comparison_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return read_comparison(folder)[1]


def band(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Each dyad's 5-95 % range of alignment over worlds at the end."""
    align = tables["alignment"]
    end = align[align["step"] == align["step"].max()]
    q = end.groupby(["actor_a", "actor_b"])["alignment"].quantile([0.05, 0.95]).unstack()
    return q[0.95] - q[0.05]


def assert_same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in TABLES:  # dates come back from Parquet at another resolution: compare them as dates
        left, right = (t[name].assign(date=t[name]["date"].astype("datetime64[ns]")) for t in (a, b))
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)


# --- behaviour -----------------------------------------------------------------------------------


def test_a_wide_posterior_widens_the_alignment_bands(tmp_path: Path) -> None:
    rates = np.linspace(0.05, 0.8, 40)
    wide = fixture_posterior(tmp_path, "wide", **{"alignment.rate": rates})
    flat = fixture_posterior(tmp_path, "flat", **{"alignment.rate": np.full(40, rates.mean())})
    scenario = load_scenario("seed-2024", years=4)
    wide_band = band(run_ensemble(scenario, 40, 1, posterior=wide).tables)
    flat_band = band(run_ensemble(scenario, 40, 1, posterior=flat).tables)
    assert wide_band.mean() > 1.1 * flat_band.mean()
    assert wide_band[("PAK", "RUS")] > 1.3 * flat_band[("PAK", "RUS")]  # the focus dyad moves most with the rate


def test_each_world_runs_its_draw_as_set_would(tmp_path: Path) -> None:
    post = fixture_posterior(tmp_path)
    scenario = load_scenario("seed-2024", years=1)
    tables = run_ensemble(scenario, 3, 9, posterior=post).tables
    row = post.draws.iloc[int(draw_indices(post.size, 9, np.array([2]))[0])]
    sets = tuple(f"{p}={float(row[p])!r}" for p in post.model_parameters)
    alone = run_ensemble(load_scenario("seed-2024", sets, years=1), 3, 9, overrides=sets).tables
    for name in ("alignment", "trajectories"):
        mine, theirs = (t[name][t[name]["replicate"] == 2].reset_index(drop=True) for t in (tables, alone))
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)


# --- determinism ---------------------------------------------------------------------------------


def test_draws_depend_on_seed_and_replicate_only(tmp_path: Path) -> None:
    post = fixture_posterior(tmp_path, draws=7)
    everyone = world_values(post, 11, np.arange(30))
    pieces = [world_values(post, 11, np.arange(a, b)) for a, b in ((0, 4), (4, 5), (5, 30))]
    shuffled = world_values(post, 11, np.array([29, 3, 17]))
    for path in post.model_parameters:
        assert np.array_equal(everyone[path], np.concatenate([p[path] for p in pieces]))
        assert np.array_equal(shuffled[path], everyone[path][[29, 3, 17]])
    assert "observation.alignment_sd" not in everyone
    first = draw_indices(7, 11, np.arange(7))
    assert sorted(first) == list(range(7))  # the first D replicates use every draw once
    assert not np.array_equal(first, draw_indices(7, 12, np.arange(7)))  # another seed, another order


def test_chunks_and_workers_do_not_change_a_posterior_ensemble(tmp_path: Path) -> None:
    post = fixture_posterior(tmp_path)
    scenario = load_scenario("seed-2024", years=1)
    one = run_ensemble(scenario, 8, 4, chunk=1, posterior=post)
    four = run_ensemble(scenario, 8, 4, chunk=4, posterior=post)
    pool = run_ensemble(scenario, 8, 4, chunk=4, workers=2, posterior=post)
    assert_same_tables(one.tables, four.tables)
    assert_same_tables(one.tables, pool.tables)
    assert one.parameter_set == pool.parameter_set


# --- --set, defaults, the committed default ------------------------------------------------------


def test_set_beats_the_posterior(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = fixture_posterior(tmp_path)
    relaxation = {"mechanisms.relaxation.rate": post.draws["mechanisms.relaxation.rate"].to_numpy()}
    only_relaxation = fixture_posterior(tmp_path, "relaxation", **relaxation)
    sets = ("alignment.rate=0.3",)
    scenario = load_scenario("seed-2024", sets, years=1)
    both = run_ensemble(scenario, 5, 2, overrides=sets, posterior=post)
    assert both.parameter_set["paths"] == ["mechanisms.relaxation.rate"]
    assert_same_tables(both.tables, run_ensemble(scenario, 5, 2, overrides=sets, posterior=only_relaxation).tables)

    out_folder = tmp_path / "x"
    status, out, err = cli(
        capsys, *RUN, "--posterior", str(post.path), "--set", "alignment.rate=0.3", "--out", str(out_folder)
    )
    assert status == 0, err
    assert "--set fixes alignment.rate" in out.splitlines()[0]
    meta, tables = read_ensemble(out_folder)
    assert meta["parameter_set"]["paths"] == ["mechanisms.relaxation.rate"]
    assert meta["parameters"]["alignment"]["rate"] == 0.3
    fixed = load_scenario("seed-2024", sets, years=2)
    assert_same_tables(tables, run_ensemble(fixed, 6, 3, overrides=sets, posterior=only_relaxation).tables)


def test_no_posterior_gives_the_defaults_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the default posterior file exists it is used with no code change; --no-posterior still gives
    the tables this command gave before posteriors existed (a World run with no per-world values)."""
    post = fixture_posterior(tmp_path)
    monkeypatch.setattr(posterior_module, "DEFAULT_POSTERIOR", post.path)
    status, out, err = cli(capsys, *RUN, "--out", str(tmp_path / "default"))
    assert status == 0, err
    assert out.splitlines()[0].startswith("parameters: posterior posterior-test (40 draws) from ")
    status, out, err = cli(capsys, *RUN, "--no-posterior", "--out", str(tmp_path / "plain"))
    assert status == 0, err
    assert out.splitlines()[0] == "parameters: defaults (--no-posterior)"
    used, plain = (read_ensemble(tmp_path / name) for name in ("default", "plain"))
    assert used[0]["parameter_set"]["set"] == "posterior" and plain[0]["parameter_set"] == {"set": "defaults"}
    before = run_ensemble(load_scenario("seed-2024", years=2), 6, 3).tables  # the engine with no values at all
    assert_same_tables(plain[1], before)
    assert not used[1]["alignment"]["alignment"].equals(plain[1]["alignment"]["alignment"])

    monkeypatch.setattr(posterior_module, "DEFAULT_POSTERIOR", tmp_path / "not-committed-yet.yaml")
    status, out, err = cli(capsys, *RUN, "--out", str(tmp_path / "missing"))
    assert status == 0, err
    assert out.splitlines()[0] == f"parameters: defaults (no posterior at {tmp_path / 'not-committed-yet.yaml'})"
    assert_same_tables(read_ensemble(tmp_path / "missing")[1], before)


def test_posterior_and_no_posterior_exclude_each_other(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(capsys, *RUN, "--posterior", "p.yaml", "--no-posterior")
    assert status == 2 and "not allowed with argument" in err


# --- records: manifests and footnotes ------------------------------------------------------------


@pytest.mark.slow(seconds=6)
def test_manifest_and_chart_footnote_name_the_parameter_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = fixture_posterior(tmp_path)
    out = tmp_path / "run"
    status, _, err = cli(capsys, *RUN[:-2], "--quiet", "--posterior", str(post.path), "--out", str(out))
    assert status == 0, err
    meta, tables = read_ensemble(out)
    assert meta["parameter_set"] == {
        "set": "posterior",
        "name": "posterior-test",
        "file": str(post.path),
        "sha256": post.sha256,
        "draws": 40,
        "paths": ["alignment.rate", "mechanisms.relaxation.rate"],
    }
    note = "Parameters: posterior posterior-test (40 draws)"
    figure = family("ensemble")["power_shares"][0](meta, tables, ChartOptions())
    assert any(note in text.get_text() for text in figure.texts)
    style.close(figure)
    assert (out / "charts" / "power_shares.png").is_file()
    assert style.parameter_note({**meta, "parameter_set": {"set": "defaults"}}) == "Parameters: defaults"
    assert style.parameter_note({k: v for k, v in meta.items() if k != "parameter_set"}) == "Parameters: defaults"

    compared = tmp_path / "cmp"
    status, text, err = cli(capsys, "compare", str(out), "seed-2024", "--no-posterior", "--out", str(compared))
    assert status == 0, err
    assert text.splitlines()[0] == "parameters: defaults (--no-posterior)"
    meta, _ = read_comparison(compared)
    assert [m["parameter_set"]["set"] for m in meta["members"]] == ["posterior", "defaults"]
    figure = family("comparison")["compare_end_state"][0](meta, read_comparison_tables(compared), ChartOptions())
    note = "Parameters: run posterior posterior-test (40 draws); seed-2024#2 defaults"  # labels: folder, then name
    assert any(note in t.get_text() for t in figure.texts), [t.get_text() for t in figure.texts]
    style.close(figure)


@pytest.mark.slow
def test_compare_runs_scenarios_with_the_posterior(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = fixture_posterior(tmp_path)
    out = tmp_path / "cmp"
    args = ["compare", "baseline", "seed-2024", "--replicates", "3", "--years", "1", "--quiet", "--out", str(out)]
    status, text, err = cli(capsys, *args, "--posterior", str(post.path))
    assert status == 0, err
    assert text.splitlines()[0].startswith("parameters: posterior posterior-test (40 draws)")
    meta, _ = read_comparison(out)
    assert {m["parameter_set"]["name"] for m in meta["members"]} == {"posterior-test"}
    assert style.parameter_note(meta) == "Parameters: posterior posterior-test (40 draws)"
    for member in ("baseline", "seed-2024"):
        run_meta, _ = read_ensemble(out / "runs" / member)
        assert run_meta["parameter_set"]["sha256"] == post.sha256
    mixed = {**meta, "members": [{**meta["members"][0], "parameter_set": {"set": "defaults"}}, meta["members"][1]]}
    assert style.parameter_note(mixed) == (
        "Parameters: baseline defaults; seed-2024 posterior posterior-test (40 draws)"
    )


def test_a_results_folder_with_a_malformed_parameter_set_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run.main([*RUN, "--no-posterior", "--out", str(out)]) == 0
    path = out / "manifest.json"
    meta = json.loads(path.read_text())
    path.write_text(json.dumps({**meta, "parameter_set": {"set": "posterior", "name": "p"}}))
    with pytest.raises(InputError, match="parameter_set"):
        read_ensemble(out)
    path.write_text(json.dumps({k: v for k, v in meta.items() if k != "parameter_set"}))
    assert read_ensemble(out)[0]["scenario"] == "seed-2024"  # folders from before posteriors still read


# --- bad posteriors ------------------------------------------------------------------------------


def refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, posterior: Path, *fragments: str, command: str = "run"
) -> str:
    before = sorted(tmp_path.rglob("*"))
    args = [*RUN, "--out", str(tmp_path / "out")] if command == "run" else []
    if command == "compare":
        args = ["compare", "baseline", "seed-2024", "--replicates", "2", "--years", "1", "--out", str(tmp_path / "out")]
    status, out, err = cli(capsys, *args, "--posterior", str(posterior))
    line = err.strip()
    assert status == 2, (out, err)
    assert line and "\n" not in line and "Traceback" not in line, err
    for fragment in fragments:
        assert fragment in line, line
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, no lock or staging left
    return line


def test_a_changed_csv_is_refused_by_its_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = fixture_posterior(tmp_path)
    with post.data_path.open("a") as csv:
        csv.write("0.5,0.5,0.05\n")
    refused(capsys, tmp_path, post.path, "posterior-test.yaml: sha256: the SHA-256 of posterior-test.csv")


@pytest.mark.parametrize("command", ["run", "compare"])
def test_an_unknown_parameter_path_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    post = fixture_posterior(tmp_path, **{"mechanisms.threat.wieght": np.full(5, 1.0)})
    refused(
        capsys, tmp_path, post.path, "posterior-test.csv: mechanisms.threat.wieght:", "of scenario", command=command
    )


def test_a_value_the_scenario_refuses_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = fixture_posterior(tmp_path, **{"alignment.rate": np.array([0.2, 12.0])})
    refused(capsys, tmp_path, post.path, "posterior-test.csv: alignment.rate: values scenario seed-2024 accepts: at 12")


@pytest.mark.parametrize("cell", ["nan", "inf", "", "x"])
def test_a_value_that_is_not_a_finite_number_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str
) -> None:
    post = fixture_posterior(tmp_path)
    lines = post.data_path.read_text().splitlines()
    fields = lines[3].split(",")
    fields[1] = cell
    lines[3] = ",".join(fields)
    post.data_path.write_text("\n".join(lines) + "\n")
    rehash(post.path)
    refused(capsys, tmp_path, post.path, "posterior-test.csv: mechanisms.relaxation.rate: a finite number", "row 3")


def test_a_missing_column_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = fixture_posterior(tmp_path)
    post.draws.drop(columns="mechanisms.relaxation.rate").to_csv(post.data_path, index=False)
    rehash(post.path)
    refused(capsys, tmp_path, post.path, "posterior-test.csv: mechanisms.relaxation.rate: a column")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"draws": 41}, "posterior-test.csv: (rows): 41 draws"),
        ({"method": None}, "posterior-test.yaml: method:"),
        ({"years": [2019, 2014]}, "posterior-test.yaml: years: a first year no later than the last"),
        ({"seed": True}, "posterior-test.yaml: seed:"),
        ({"data": "../elsewhere.csv"}, "posterior-test.yaml: data:"),
        ({"colour": "blue"}, "posterior-test.yaml: colour: no such field"),
        ({"sha256": "abc"}, "posterior-test.yaml: sha256:"),
    ],
)
def test_a_bad_manifest_field_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], fragment: str
) -> None:
    post = fixture_posterior(tmp_path)
    rehash(post.path, **change)
    refused(capsys, tmp_path, post.path, fragment)


def test_a_missing_posterior_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(capsys, tmp_path, tmp_path / "nowhere.yaml", "nowhere.yaml: (file): an existing file")


# --- reading and writing -------------------------------------------------------------------------


def test_a_posterior_reads_from_its_manifest_its_csv_or_its_folder(tmp_path: Path) -> None:
    post = fixture_posterior(tmp_path)
    for given in (post.path, post.data_path, tmp_path):
        again = read_posterior(given)
        assert again.name == "posterior-test" and again.sha256 == post.sha256
        pd.testing.assert_frame_equal(again.draws, post.draws, check_exact=True)
    assert post.model_parameters == ["alignment.rate", "mechanisms.relaxation.rate"]
    assert post.manifest["draws"] == 40 and post.manifest["method"] == "pyabc ABC-SMC"
    assert {"python", "numpy", "pandas"} <= set(post.manifest["libraries"])


def test_write_posterior_round_trips_exactly_and_never_overwrites(tmp_path: Path) -> None:
    values = np.random.default_rng(1).uniform(0, 1, (9, 1)) * np.array([1e-7])
    post = fixture_posterior(tmp_path, **{"alignment.rate": values[:, 0] + 0.1})
    assert np.array_equal(post.draws["alignment.rate"].to_numpy(), values[:, 0] + 0.1)
    before = (post.path.read_bytes(), post.data_path.read_bytes())
    with pytest.raises(InputError, match="never overwritten"):
        fixture_posterior(tmp_path, **{"alignment.rate": np.ones(3)})
    assert (post.path.read_bytes(), post.data_path.read_bytes()) == before
    with pytest.raises(InputError, match=r"alignment\.rate: a finite number"):
        fixture_posterior(tmp_path, "bad", **{"alignment.rate": np.array([0.1, np.nan])})
    with pytest.raises(InputError, match=r"bad\.yaml: method"):
        write_posterior(pd.DataFrame({"alignment.rate": [0.1]}), {**FIT, "method": ""}, tmp_path / "bad")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posterior-test.csv", "posterior-test.yaml"]


@pytest.mark.slow
def test_explain_counterfactual_redraws_the_runs_posterior(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The paired runs without each event use the same draws as the results they explain: with a
    posterior they differ from the same explanation of a defaults run, and a changed posterior is refused."""
    post = fixture_posterior(tmp_path)
    base = [
        "run",
        "india-pakistan-crisis",
        "--replicates",
        "4",
        "--years",
        "2",
        "--seed",
        "1",
        "--no-charts",
        "--quiet",
    ]
    assert cli(capsys, *base, "--posterior", str(post.path), "--out", str(tmp_path / "p"))[0] == 0
    assert cli(capsys, *base, "--no-posterior", "--out", str(tmp_path / "d"))[0] == 0
    effects = {}
    for name in ("p", "d"):
        status, _, err = cli(
            capsys,
            "explain",
            str(tmp_path / name),
            "--dyad",
            "IND-PAK",
            "--counterfactual",
            "--out",
            str(tmp_path / f"x{name}"),
        )
        assert status == 0, err
        effects[name] = pd.read_csv(tmp_path / f"x{name}" / "event_effects.csv").set_index("name")["mean"]
    assert not np.allclose(effects["p"].to_numpy(), effects["d"].to_numpy())
    meta = json.loads((tmp_path / "xp" / "manifest.json").read_text())
    assert meta["source"]["parameter_set"]["sha256"] == post.sha256
    frame = pd.read_csv(post.data_path)
    frame.loc[0, "alignment.rate"] = 0.5
    frame.to_csv(post.data_path, index=False, lineterminator="\n")
    rehash(post.path)
    status, _, err = cli(
        capsys, "explain", str(tmp_path / "p"), "--dyad", "IND-PAK", "--counterfactual", "--out", str(tmp_path / "y")
    )
    assert status == 2 and "sha256" in err and not (tmp_path / "y").exists()
