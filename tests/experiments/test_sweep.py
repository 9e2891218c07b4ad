"""Sweeps and the engine under them: same numbers everywhere, nothing lost, sensitivity that means something."""

from __future__ import annotations

import gc
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powershift.analysis.cli.sweep import finish_sweep
from powershift.analysis.experiments import engine
from powershift.analysis.experiments.design import SweepDesign, build_design, parse_param, point_count, sample_points
from powershift.analysis.experiments.engine import Chunk, simulate
from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.experiments.outcomes import OUTCOME_MEASURES, run_outcomes
from powershift.analysis.experiments.sweep import read_manifest, read_runs, run_sweep
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario
from powershift.model.world import World, world_seed
from tests.cli.test_cli import ROOT, files_under
from tests.conftest import cli_at as cli

HEDGING = "actors.PAK.policy.hedging"
THREAT = "mechanisms.threat.weight"


def design(**fields: object) -> SweepDesign:
    base: dict[str, object] = {
        "scenario": "seed-2024",
        "params": [parse_param(f"{HEDGING}=0:1"), parse_param(f"{THREAT}=0:2")],
        "sampler": "lhs",
        "samples": 12,
        "replicates": 3,
        "seed": 4,
        "years": 2,
    }
    base.update(fields)
    return build_design(base, "test")


@pytest.mark.slow(seconds=7)
def test_serial_pool_and_dask_give_identical_runs(tmp_path: Path) -> None:
    d = design(trajectories=True)
    serial = run_sweep(d, tmp_path / "serial", chunk=36, workers=1)
    run_sweep(d, tmp_path / "pool", chunk=5, workers=2)
    run_sweep(d, tmp_path / "dask", chunk=7, workers=2, dask="local")
    assert serial.runs == 36
    expected = read_runs(tmp_path / "serial")
    assert len(expected) == 36 and not expected.duplicated(["point", "replicate"]).any()
    for other in ("pool", "dask"):
        pd.testing.assert_frame_equal(read_runs(tmp_path / other), expected, check_exact=True)
        for table in ("trajectories", "alignment"):
            keys = ["point", "replicate", "step"]
            one = pd.read_parquet(tmp_path / "serial" / table).sort_values(keys, kind="stable", ignore_index=True)
            two = pd.read_parquet(tmp_path / other / table).sort_values(keys, kind="stable", ignore_index=True)
            pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_a_sweep_run_equals_the_same_run_made_with_set(tmp_path: Path) -> None:
    d = design(samples=3, replicates=2)
    run_sweep(d, tmp_path / "s", chunk=4)
    runs = read_runs(tmp_path / "s")
    row = runs[(runs.point == 2) & (runs.replicate == 1)].iloc[0]
    overrides = (f"{HEDGING}={float(row[HEDGING])!r}", f"{THREAT}={float(row[THREAT])!r}")
    scenario = load_scenario("seed-2024", overrides, years=2)
    tables = run_ensemble(scenario, replicates=2, seed=d.seed).tables
    final = tables["trajectories"].query("replicate == 1 and step == step.max()").set_index("actor")
    for code in ("PAK", "RUS", "IND", "USA", "CHN"):
        assert row[f"share_{code}"] == final.loc[code, "power_share"]
    pair = tables["alignment"].query("replicate == 1 and step == step.max() and actor_a == 'PAK' and actor_b == 'RUS'")
    assert row["alignment_PAK-RUS"] == pair["alignment"].iloc[0]


def test_ensembles_are_identical_in_process_and_on_a_pool() -> None:
    scenario = load_scenario("seed-2024", years=2)
    serial = run_ensemble(scenario, replicates=7, seed=3, chunk=7).tables
    pooled = run_ensemble(scenario, replicates=7, seed=3, chunk=2, workers=2).tables
    for name, table in serial.items():
        pd.testing.assert_frame_equal(pooled[name], table, check_exact=True)


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_workers_forked_from_the_run_or_from_a_forkserver_give_the_same_tables(
    monkeypatch: pytest.MonkeyPatch, recwarn: pytest.WarningsRecorder, method: str
) -> None:
    """Same tables either way, and no warning: Python >= 3.12 warns at every fork of a process with native
    threads (numpy's among them), which the pool silences for its own forks."""
    scenario = load_scenario("seed-2024", years=2)
    serial = run_ensemble(scenario, replicates=5, seed=6, chunk=5).tables
    monkeypatch.setattr(engine, "start_method", lambda: method)
    assert engine.pool_context().get_start_method() == method
    pooled = run_ensemble(scenario, replicates=5, seed=6, chunk=2, workers=2).tables
    for name, table in serial.items():
        pd.testing.assert_frame_equal(pooled[name], table, check_exact=True)
    assert [str(w.message) for w in recwarn if "multi-threaded" in str(w.message)] == []


CHOICE = """
import sys, threading
from powershift.analysis.experiments.engine import start_method
if sys.argv[1] == "thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
print(start_method())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked from the run on Linux only")
@pytest.mark.parametrize(("threads", "method"), [("none", "fork"), ("thread", "forkserver")])
def test_workers_are_forked_from_the_run_only_while_it_has_no_other_thread(threads: str, method: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHOICE, threads], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == [method]


@pytest.mark.slow(seconds=12)
def test_resume_after_sigkill_equals_an_uninterrupted_sweep(tmp_path: Path) -> None:
    args = ["sweep", "seed-2024", "--param", f"{HEDGING}=0:1", "--samples", "400", "--replicates", "5"]
    args += ["--years", "3", "--chunk", "40", "--workers", "1", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), *args, "--out", str(killed)], cwd=tmp_path, env=env
    )
    deadline = time.monotonic() + 120
    while len(list((killed / "runs").glob("part-*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert read_manifest(killed)["status"] == "running", "the sweep finished before it could be killed"
    parts_before = len(list((killed / "runs").glob("part-*.parquet")))
    assert 3 <= parts_before < 50

    resumed = cli(*args, "--out", str(killed), "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{2000 - 40 * parts_before:,} run now" in resumed.stdout
    whole = cli(*args, "--out", str(tmp_path / "whole"), cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    expected = read_runs(tmp_path / "whole")
    got = read_runs(killed)
    assert len(got) == 2000 and not got.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert read_manifest(killed)["status"] == "complete"
    assert not [p for p in files_under(killed) if ".tmp-" in p.name]

    again = cli(*args, "--out", str(killed), "--resume", cwd=tmp_path)
    assert again.returncode == 0 and "(0 run now" in again.stdout


INERT, DRIVER = "mechanisms.hedging.weight", "mechanisms.relaxation.rate"


def sensitivity_of(folder: Path, sampler: str, samples: int, replicates: int, index: str) -> pd.Series:
    """The index of the inert and the driving parameter for PAK-RUS alignment.

    Hedging is switched off, so its weight provably does nothing (the World multiplies it by 0);
    relaxation decides how much of the scenario's events PAK-RUS alignment keeps.
    """
    d = design(
        params=[parse_param(f"{INERT}=0:3"), parse_param(f"{DRIVER}=0:2")],
        set=["mechanisms.hedging.enabled=false"],
        sampler=sampler,
        samples=samples,
        replicates=replicates,
        years=3,
    )
    run_sweep(d, folder, chunk=200, extras=finish_sweep)
    table = pd.read_csv(folder / "sensitivity.csv")
    return table[(table["index"] == index) & (table.outcome == "alignment_PAK-RUS")].set_index("parameter")["value"]


def test_sobol_index_is_zero_for_an_inert_parameter_and_large_for_a_driver(tmp_path: Path) -> None:
    st = sensitivity_of(tmp_path / "s", "sobol", samples=64, replicates=2, index="ST")
    assert st[INERT] == pytest.approx(0.0, abs=1e-9)
    assert st[DRIVER] > 0.5
    assert (tmp_path / "s" / "charts" / "sensitivity.png").stat().st_size > 10_000


def test_morris_effect_is_zero_for_an_inert_parameter_and_positive_for_a_driver(tmp_path: Path) -> None:
    mu = sensitivity_of(tmp_path / "m", "morris", samples=6, replicates=1, index="mu_star")
    assert mu[INERT] == 0.0
    assert mu[DRIVER] > 0.01


def test_samplers_are_seeded_and_sized() -> None:
    grid = design(sampler="grid", samples=None, params=[parse_param(f"{HEDGING}=0:1:3"), parse_param(f"{THREAT}=0:2")])
    points = sample_points(grid)
    assert points.shape == (15, 2) == (point_count(grid), 2)
    assert sorted(set(points[:, 0])) == [0.0, 0.5, 1.0]
    lhs = design(samples=50)
    assert np.array_equal(sample_points(lhs), sample_points(design(samples=50)))
    assert not np.array_equal(sample_points(lhs), sample_points(design(samples=50, seed=5)))
    counts = np.histogram(sample_points(lhs)[:, 0], bins=50, range=(0, 1))[0]
    assert (counts == 1).all()  # Latin hypercube: one point per stratum
    assert sample_points(design(sampler="sobol", samples=8)).shape == (32, 2)
    assert sample_points(design(sampler="morris", samples=4)).shape == (12, 2)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"samples": 0}, "samples: at least 1 sample"),
        ({"sampler": "sobol", "samples": 12}, "a power of two"),
        ({"params": [parse_param(f"{HEDGING}=1:0")]}, f"{HEDGING}: LOW below HIGH"),
        ({"params": [parse_param(f"{HEDGING}=0:1:3")]}, "no STEPS with sampler lhs"),
        ({"sampler": "grid"}, "no sample count with sampler grid"),
        ({"replicates": 0}, "replicates"),
    ],
)
def test_bad_designs_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        design(**fields)


def test_bad_param_text_is_refused() -> None:
    for text in ("hedging", "a.b=1", "a.b=x:1", "a.b=0:1:2:3"):
        with pytest.raises(InputError, match="--param"):
            parse_param(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "mechanisms.threat.wieght=0:1"], "--param: mechanisms.threat.wieght: a numeric parameter path"),
        (["--param", "actors.PAK.policy.hedging=1:0"], "LOW below HIGH"),
        (["--param", "actors.PAK.policy.hedging=0:9"], "--param: actors.PAK.policy.hedging: a valid range: at 9"),
        (["--param", "alignment.rate=0:1", "--samples", "0"], "samples: at least 1 sample"),
        (["--param", "alignment.rate=0:1", "--dask", "tcp://127.0.0.1:9"], "--dask: tcp://127.0.0.1:9: a reachable"),
        (["--param", "alignment.rate=0:1", "--workers", "0"], "--workers"),
        (["--param", "alignment.rate=0:1", "--chunk", "0"], "--chunk"),
        (["--param", "alignment.rate=0:1", "--resume"], "--resume: --out"),
        ([], "at least one --param"),
    ],
)
def test_cli_refuses_bad_sweeps_with_one_line_and_status_2(
    tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from powershift.analysis.experiments import engine

    monkeypatch.setattr(engine, "DASK_CONNECT_SECONDS", 1)  # nothing listens on port 9: no need to wait 5 s
    result = cli("sweep", "seed-2024", "--years", "1", "--samples", "2", "--quiet", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "results").exists()


def test_cli_refuses_an_existing_folder_and_a_changed_design(tmp_path: Path) -> None:
    args = ["sweep", "seed-2024", "--param", "alignment.rate=0:1", "--samples", "4", "--replicates", "1"]
    args += ["--years", "1", "--quiet", "--out", "s"]
    assert cli(*args, cwd=tmp_path).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in files_under(tmp_path / "s")}
    again = cli(*args, cwd=tmp_path)
    assert again.returncode == 2 and "s: --out: a folder that does not exist yet" in again.stderr
    changed = cli(*args, "--resume", "--seed", "9", cwd=tmp_path)
    assert changed.returncode == 2 and "manifest.json: design: the same design" in changed.stderr
    assert {p: p.stat().st_mtime_ns for p in files_under(tmp_path / "s")} == before


@pytest.mark.slow
def test_spec_file_and_flags(tmp_path: Path) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        "scenario: seed-2024\nsampler: grid\nreplicates: 2\nyears: 1\n"
        "params:\n  actors.PAK.policy.hedging: [0, 1, 3]\n  alignment.rate: '0.1:0.3:2'\n"
    )
    result = cli("sweep", "--spec", str(spec), "--seed", "2", "--quiet", "--out", "s", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    meta = read_manifest(tmp_path / "s")
    assert meta["design"]["seed"] == 2 and meta["runs"] == 12
    runs = read_runs(tmp_path / "s")
    assert sorted(set(runs["alignment.rate"])) == [0.1, 0.3]
    spec.write_text("scenario: seed-2024\nparams: {alignment.rate: '0:1'}\nsamplez: 3\n")
    bad = cli("sweep", "--spec", str(spec), "--quiet", cwd=tmp_path)
    assert bad.returncode == 2 and f"{spec}: samplez: no such field" in bad.stderr


def test_leaving_out_contributions_changes_no_number() -> None:
    scenario = load_scenario("seed-2024", years=2)
    seeds = [world_seed(1, r) for r in range(3)]
    full = World(scenario, seeds).run()
    lean = World(scenario, seeds, record_contributions=False).run()
    assert lean.contributions is None and full.contributions is not None
    assert np.array_equal(full.alignment, lean.alignment)
    for name, series in full.actors.items():
        assert np.array_equal(series, lean.actors[name])


def test_measuring_only_the_outcomes_changes_no_number_and_records_only_them() -> None:
    """A sweep's worlds measure only what its outcome summaries read; what they do is unchanged, bit for bit."""
    scenario = load_scenario("seed-2024", years=2)
    seeds = [world_seed(1, r) for r in range(3)]
    full = World(scenario, seeds, record_contributions=False).run()
    lean = World(scenario, seeds, record_contributions=False, measures=OUTCOME_MEASURES).run()
    assert set(lean.actors) | set(lean.metrics) == set(OUTCOME_MEASURES)
    assert np.array_equal(full.alignment, lean.alignment) and np.array_equal(full.trade, lean.trade)
    for name in lean.actors:
        assert np.array_equal(full.actors[name], lean.actors[name])
    for name in lean.metrics:
        assert np.array_equal(full.metrics[name], lean.metrics[name])
    with pytest.raises(ValueError, match=r"unknown measures \['bloc_size'\]"):
        World(scenario, seeds, measures=("bloc_size",))


def test_a_sweep_chunk_gives_the_outcomes_a_fully_measured_world_gives() -> None:
    scenario = load_scenario("seed-2024", years=2)
    chunk = Chunk(0, scenario, 4, np.arange(5))
    world = World(scenario, [world_seed(4, r) for r in range(5)])
    world.run()
    expected = run_outcomes(world)
    runs = simulate(chunk)["runs"].drop(columns=["replicate", "seed"])
    pd.testing.assert_frame_equal(runs, expected)


def test_a_finished_chunk_leaves_no_model_behind() -> None:
    """Memory stays flat over a long sweep only if each chunk's World can be freed."""

    def worlds_alive() -> int:
        gc.collect()
        return sum(isinstance(o, World) for o in gc.get_objects())

    scenario = load_scenario("seed-2024", years=1)
    before = worlds_alive()  # models other tests left behind (Mesa 3.3 keeps them, mesa#3179)
    for index in range(3):
        simulate(Chunk(index, scenario, 0, np.arange(4)))
    assert worlds_alive() == before


def test_the_closing_rate_is_the_progress_bars_runs_per_second_of_simulating(tmp_path: Path) -> None:
    """The closing line once divided by the whole call (indices and charts included) and so disagreed with the
    progress bar: now it counts runs per second of running them, and gives the whole time beside it."""
    args = ["--param", "actors.PAK.policy.hedging=0:2", "--sampler", "sobol", "--samples", "16", "--years", "1"]
    done = cli("sweep", "baseline", *args, "--out", "s", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1]
    found = re.findall(r"([\d,.]+) (?:runs/s|s of runs|s with)", line)
    rate, simulated, whole = (float(x.replace(",", "")) for x in found)
    runs = int(re.search(r"\(([\d,]+) run now", line).group(1).replace(",", ""))
    assert simulated <= whole
    assert runs / (simulated + 0.005) - 1 <= rate <= runs / max(simulated - 0.005, 1e-9) + 1  # seconds shown to 0.01
    assert "(charts" not in line and "with indices and charts" in line
