"""The command line end to end, as a user runs it: outputs, refusals and exit codes.

The commands run in this process (``cli``: ``main(argv)`` with its output captured, answering like a
finished subprocess); two tests start real processes, for what only they show: ``run.py`` and the
``powershift`` console script as programs, and one whole ``run.py run`` from start to exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from powershift.model.scenario import load_scenario, scenario_names
from tests.conftest import cli_at

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "run.py"

MINIMAL = """title: t
description: d
start: 2024-01-01
years: 2
focus: [PAK-RUS]
events:
  - {id: exercise, type: joint_exercise, actors: [PAK, RUS], every: 1}
"""

cli = cli_at
"""``cli(*args, cwd=folder)``: run.py in this process, started from ``folder``; returncode, stdout, stderr."""


def run_py(*args: str, cwd: Path, program: Path | None = None) -> subprocess.CompletedProcess[str]:
    """run.py (or ``program``, e.g. the console script) as a real process, for what only a process shows."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [str(program)] if program else [sys.executable, str(RUN)]
    return subprocess.run([*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*"))


def test_run_py_and_the_console_script_are_the_same_program(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("powershift")
    if not script.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    shown = run_py("--help", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: run.py") and "landscape" in shown.stdout
    installed = run_py("--help", cwd=tmp_path, program=script)
    assert (installed.returncode, installed.stdout, installed.stderr) == (0, shown.stdout, shown.stderr)


def test_list_shows_at_least_eleven_scenarios(tmp_path: Path) -> None:
    result = cli("list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert len(names) >= 11
    for required in ("baseline", "seed-2024", "sanctions-tighten", "arms-pivot", "india-pakistan-crisis"):
        assert required in names


def test_list_long_shows_every_description_whole(tmp_path: Path) -> None:
    """`list` cuts descriptions at about 100 characters; `--long` prints every word, then horizon and events."""
    result = cli("list", "--long", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for name in scenario_names():
        scenario = load_scenario(name)
        assert " ".join(scenario.spec.description.split()) in text, name
        assert f"from {scenario.spec.start}, {scenario.spec.years:g} years, {len(scenario.events)} events" in text


def test_run_writes_the_output_contract(tmp_path: Path) -> None:
    """A real process from start to exit: the whole folder, and no hidden staging folder left behind."""
    result = run_py("run", "seed-2024", "--replicates", "3", "--years", "2", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    meta = json.loads((out / "manifest.json").read_text())
    for key in ("scenario", "scenario_sha256", "seed", "replicates", "parameters", "version", "started", "seconds"):
        assert key in meta
    assert meta["scenario"] == "seed-2024" and meta["replicates"] == 3
    trajectories = pd.read_parquet(out / "trajectories.parquet")
    assert {"replicate", "step", "date", "actor", "capability", "power_share", "gdp", "milex", "bloc"} <= set(
        trajectories.columns
    )
    assert trajectories.step.min() == 0 and trajectories.replicate.nunique() == 3
    alignment = pd.read_parquet(out / "alignment.parquet")
    assert (alignment.actor_a < alignment.actor_b).all()
    assert {"alignment", "trade", "contrib_events", "contrib_threat", "contrib_rival"} <= set(alignment.columns)
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert {"polarity", "balance_index", "landscape_energy", "bloc_power_0", "bloc_power_1"} <= set(metrics.columns)
    events = pd.read_parquet(out / "events.parquet")
    assert {"replicate", "step", "date", "event", "type", "actors"} <= set(events.columns)
    charts = {p.stem for p in (out / "charts").glob("*.png")}
    assert charts == {"power_shares", "bloc_power", "alignment_heatmaps", "focus_alignment", "network", "bloc_safety"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_run_prints_the_headline_numbers_of_its_tables(tmp_path: Path) -> None:
    """After the folder, the end shares with their 90 % ranges and the bloc chances, as the tables hold them."""
    done = cli("run", "seed-2024", "--replicates", "6", "--years", "2", "--out", "out", "--no-charts", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    shares = next(line for line in lines if line.startswith("power shares on 2026-01-01"))
    assert "% on the economic–military index" in shares
    traj = pd.read_parquet(tmp_path / "out" / "trajectories.parquet")
    last = traj[traj["step"] == traj["step"].max()]
    for code, values in last.groupby("actor")["power_share"]:
        assert f"{code} {100 * values.median():.1f} [{100 * values.quantile(0.05):.1f}, " in shares
    order = [cell.split()[0] for cell in shares.split(": ", 1)[1].split("], ")]
    assert order == list(last.groupby("actor")["power_share"].median().sort_values(ascending=False).index)
    chances = next(line for line in lines if line.startswith("chance of ending opposite USA (bloc 1): "))
    for code, p in last.groupby("actor")["p_bloc1"].mean().items():
        if code != "USA":
            assert f"{code} {100 * p:.0f} %" in chances


def test_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(MINIMAL)
    first = cli("run", "scenario.yaml", "--replicates", "2", "--out", "out", "--no-charts", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = {p: p.read_bytes() for p in files_under(tmp_path / "out") if p.is_file()}
    again = cli("run", "scenario.yaml", "--replicates", "2", "--out", "out", "--no-charts", cwd=tmp_path)
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1 and "--out" in again.stderr
    assert {p: p.read_bytes() for p in files_under(tmp_path / "out") if p.is_file()} == before


def test_default_folder_gets_a_new_name_instead_of_overwriting(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(MINIMAL)
    for _ in range(2):
        assert cli("run", "scenario.yaml", "--replicates", "1", "--no-charts", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["scenario", "scenario-2"]


def test_same_seed_gives_byte_identical_tables(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(MINIMAL)
    for out in ("a", "b"):
        result = cli(
            "run",
            "scenario.yaml",
            "--replicates",
            "4",
            "--seed",
            "11",
            "--format",
            "csv",
            "--out",
            out,
            "--no-charts",
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
    for table in ("trajectories", "alignment", "metrics", "events"):
        assert (tmp_path / "a" / f"{table}.csv").read_bytes() == (tmp_path / "b" / f"{table}.csv").read_bytes()


def test_set_overrides_a_parameter_and_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(MINIMAL)
    base = cli("run", "scenario.yaml", "--replicates", "2", "--out", "base", "--no-charts", cwd=tmp_path)
    changed = cli(
        "run",
        "scenario.yaml",
        "--replicates",
        "2",
        "--out",
        "changed",
        "--no-charts",
        "--set",
        "actors.PAK.policy.hedging=2.0",
        "--set",
        "mechanisms.threat.enabled=false",
        cwd=tmp_path,
    )
    assert base.returncode == 0 and changed.returncode == 0, changed.stderr
    meta = json.loads((tmp_path / "changed" / "manifest.json").read_text())
    assert meta["overrides"] == ["actors.PAK.policy.hedging=2.0", "mechanisms.threat.enabled=false"]
    assert meta["parameters"]["mechanisms"]["threat"]["enabled"] is False
    a = pd.read_parquet(tmp_path / "base" / "alignment.parquet")
    b = pd.read_parquet(tmp_path / "changed" / "alignment.parquet")
    assert not a.alignment.equals(b.alignment)
    assert (b.contrib_threat == 0).all()


def test_validate_accepts_every_named_scenario(tmp_path: Path) -> None:
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    result = cli("validate", *files, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok") == len(files)


BAD_SCENARIOS = {
    "malformed.yaml": ("title: [unclosed\n", "valid YAML"),
    "list.yaml": ("- a\n- b\n", "mapping"),
    "empty.yaml": ("", "non-empty"),
    "actor.yaml": (MINIMAL.replace("[PAK, RUS]", "[PAK, XYZ]"), "XYZ"),
    "type.yaml": (MINIMAL.replace("joint_exercise", "joint_exercize"), "joint_exercise"),
    "field.yaml": (MINIMAL + "colour: blue\n", "colour"),
    "missing.yaml": (MINIMAL.replace("title: t\n", ""), "title"),
    "horizon.yaml": (MINIMAL.replace("every: 1", "at: 2040-01-01"), "horizon"),
    "duration.yaml": (MINIMAL.replace("every: 1", "every: 1, duration: 0"), "duration"),
    "negative.yaml": (MINIMAL.replace("every: 1", "every: 1, duration: -2"), "duration"),
    "magnitude.yaml": (MINIMAL.replace("every: 1", "every: 1, magnitude: 1.5"), "magnitude"),
    "nan.yaml": (MINIMAL.replace("every: 1", "every: 1, magnitude: .nan"), "magnitude"),
    "inf.yaml": (MINIMAL.replace("years: 2", "years: .inf"), "years"),
    "duplicate.yaml": (MINIMAL + "  - {id: exercise, type: summit, actors: [PAK, RUS], at: 2024-05-01}\n", "exercise"),
    "bomb.yaml": (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "aliases",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_SCENARIOS))
def test_bad_scenarios_get_one_line_and_exit_2_and_write_nothing(tmp_path: Path, name: str) -> None:
    text, expected = BAD_SCENARIOS[name]
    (tmp_path / name).write_text(text)
    for command in (["validate", name], ["run", name, "--replicates", "2"]):
        result = cli(*command, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(name) and expected in lines[0], lines[0]
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--replicates", "100000000"], "replicates"),
        (["--replicates", "0"], "replicates"),
        (["--set", "mechanisms.nope.weight=1"], "mechanisms.nope.weight"),
        (["--set", "events.nope.magnitude=0.5"], "events.nope.magnitude"),
        (["--set", "mechanisms.threat.weight=-1"], "mechanisms.threat.weight"),
    ],
)
def test_bad_run_options_are_refused_before_writing(tmp_path: Path, args: list[str], expected: str) -> None:
    (tmp_path / "scenario.yaml").write_text(MINIMAL)
    result = cli("run", "scenario.yaml", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and expected in result.stderr
    assert not (tmp_path / "results").exists()


def test_unknown_scenario_name_suggests_the_closest(tmp_path: Path) -> None:
    result = cli("run", "seed-2042", cwd=tmp_path)
    assert result.returncode == 2 and "seed-2024" in result.stderr


SIZES = "actor,size\nA,1\nB,1\nC,1\n"


def test_landscape_matrix_and_long_forms_agree(tmp_path: Path) -> None:
    (tmp_path / "sizes.csv").write_text(SIZES)
    (tmp_path / "matrix.csv").write_text("actor,A,B,C\nA,0,1,-1\nB,1,0,-1\nC,-1,-1,0\n")
    (tmp_path / "long.csv").write_text("actor_a,actor_b,propensity\nA,B,1\nA,C,-1\nB,C,-1\n")
    outputs = []
    for file in ("matrix.csv", "long.csv"):
        result = cli("landscape", "--sizes", "sizes.csv", "--propensity", file, "--json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]
    best = outputs[0]["minima"][0]
    # {A, B} vs {C}: the split pairs A-C and B-C have propensity -1 each, so E = -2 (by hand)
    assert best["energy"] == pytest.approx(-2.0)
    assert sorted(map(sorted, best["coalitions"])) == [["A", "B"], ["C"]]
    assert [m["energy"] for m in outputs[0]["minima"]] == sorted(m["energy"] for m in outputs[0]["minima"])


def test_landscape_text_output(tmp_path: Path) -> None:
    (tmp_path / "sizes.csv").write_text(SIZES)
    (tmp_path / "long.csv").write_text("actor_a,actor_b,propensity\nA,B,1\nA,C,-1\nB,C,-1\n")
    result = cli("landscape", "--sizes", "sizes.csv", "--propensity", "long.csv", cwd=tmp_path)
    assert result.returncode == 0 and "energy -2" in result.stdout


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ("actor,A,B,C\nA,0,1,-1\nB,0.5,0,-1\nC,-1,-1,0\n", "symmetric"),
        ("actor,A,B\nA,0,1\nB,1,0\n", "square matrix"),
        ("actor_a,actor_b,propensity\nA,B,1\nA,Z,-1\nB,C,-1\n", "actor_b"),
        ("actor_a,actor_b,propensity\nA,B,1\nA,C,x\nB,C,-1\n", "number"),
        ("actor_a,actor_b,propensity\nA,B,1\nB,C,-1\n", "every pair"),
    ],
)
def test_landscape_bad_input(tmp_path: Path, matrix: str, expected: str) -> None:
    (tmp_path / "sizes.csv").write_text(SIZES)
    (tmp_path / "p.csv").write_text(matrix)
    result = cli("landscape", "--sizes", "sizes.csv", "--propensity", "p.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and expected in result.stderr, result.stderr
