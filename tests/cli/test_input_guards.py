"""Input guards: every bad input is one line naming the file and field, exit status 2, nothing written.

Each case goes through ``run.main(argv)`` in an empty working directory (``tmp_path``) and checks
the status, that stderr is exactly one line with the expected parts, and that the directory holds
exactly the input files it held before.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import run
from powershift.analysis.analyze.landscape import report
from powershift.model.actors import DATA_DIR
from powershift.model.files import MAX_DEPTH, MAX_SEED, InputError, load_yaml, parse_mapping, plain
from powershift.model.scenario import FIRST_DATE, LAST_DATE, scenario_from_text

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = """title: t
description: d
start: 2024-01-01
years: 2
focus: [PAK-RUS]
events:
  - id: exercise
    type: joint_exercise
    actors: [PAK, RUS]
    every: 1
"""

HEAD = "title: t\ndescription: d\nstart: 2024-01-01\nyears: 2\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"" for p in folder.rglob("*")}


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(capsys: pytest.CaptureFixture[str], folder: Path, argv: list[str], *parts: str) -> str:
    """Run the command line; it must exit 2 with one line holding every part, and write nothing."""
    before = snapshot(folder)
    capsys.readouterr()
    status = run.main(argv)
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert status == 2, (argv, out.out, out.err)
    assert len(lines) == 1, out.err
    for part in parts:
        assert part in lines[0], lines[0]
    assert "Traceback" not in out.err and "np.float64" not in out.err
    assert snapshot(folder) == before, "something was written"
    return lines[0]


def write(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text)
    return name


# --- 1. duplicate keys, and keys YAML reads as booleans --------------------------------------


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "true", "Off", "YES"])
def test_a_key_yaml_reads_as_a_boolean_is_named_in_one_line(cwd: Path, capsys, word: str) -> None:
    """`on:` in an event is the boolean true to YAML 1.1; the schema alone would say "[key]: a valid string"."""
    name = write(cwd, "s.yaml", SCENARIO + f"    {word}: 1\n")
    for command in ("validate", "run"):
        line = refused(capsys, cwd, [command, name], f"s.yaml: line 11: a key '{word}' that YAML reads as")
        assert f"write it in quotes ('{word}':)" in line


def test_a_quoted_yes_is_an_ordinary_key(cwd: Path, capsys) -> None:
    """Quoted, the same word is a string key: the schema then names the unknown field as usual."""
    name = write(cwd, "s.yaml", SCENARIO + "    'on': 1\n")
    refused(capsys, cwd, ["validate", name], "s.yaml: events.")


def test_duplicate_event_key_names_its_line(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO + "    at: 2025-01-01\n    at: 2025-06-01\n")
    for command in ("validate", "run"):
        line = refused(capsys, cwd, [command, name], "s.yaml: line 12: duplicate key 'at'")
        assert "first given on line 11" in line


def test_duplicate_top_level_years(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO + "years: 3\n")
    refused(capsys, cwd, ["run", name, "--replicates", "1"], "s.yaml: line 11: duplicate key 'years'")


def test_duplicate_actor_code_in_an_actor_set(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA_DIR / "five-2024.yaml").read_text()
    lines = text.splitlines(keepends=True)
    at = next(k for k, line in enumerate(lines) if line == "  PAK:\n")
    block_end = next(k for k in range(at + 1, len(lines)) if lines[k].startswith("  ") and lines[k][2] != " ")
    doubled = "".join(lines[:block_end] + lines[at:block_end] + lines[block_end:])
    write(cwd, "actors.yaml", doubled)
    name = write(cwd, "s.yaml", SCENARIO + "actor_set: actors.yaml\n")
    refused(capsys, cwd, ["validate", name], f"actors.yaml: line {block_end + 1}: duplicate key 'PAK'")


def test_duplicate_key_in_a_sweep_spec(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(cwd, "s.yaml", SCENARIO)
    spec = write(cwd, "spec.yaml", "scenario: s.yaml\nparams: {alignment.rate: '0:1'}\nseed: 1\nseed: 2\n")
    refused(capsys, cwd, ["sweep", "--spec", spec, "--quiet"], "spec.yaml: line 4: duplicate key 'seed'")


def test_duplicate_key_in_a_posterior_manifest(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "post.yaml", "name: p\nmethod: abc\nname: q\n")
    refused(capsys, cwd, ["history", "--posterior", name], "post.yaml: line 3: duplicate key 'name'")


def test_duplicate_key_in_a_set_value(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO)
    refused(
        capsys,
        cwd,
        ["run", name, "--set", "friction={PAK-RUS: 0.1, PAK-RUS: 0.2}"],
        "--set: friction:",
        "duplicate key",
    )


def test_merge_keys_may_be_overridden() -> None:
    data = parse_mapping("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  x: 3\n", "m.yaml")
    assert data["use"] == {"x": 3, "y": 2}


@pytest.mark.slow
def test_loader_reads_every_shipped_yaml_file_as_safe_load_does() -> None:
    files = [p for folder in ("scenarios", "model/data", "docs") for p in sorted((ROOT / folder).rglob("*.yaml"))]
    assert len(files) > 10
    for path in files:
        text = path.read_text()
        assert load_yaml(text, path) == yaml.safe_load(text), path


def test_loader_stays_safe() -> None:
    with pytest.raises(InputError) as info:
        parse_mapping("a: !!python/object/apply:os.system ['echo hi']\n", "evil.yaml")
    assert info.value.field == "line 1"


# --- 2. nesting depth and control characters -----------------------------------------------


@pytest.mark.slow(seconds=10)
def test_deep_nesting_is_one_line_not_a_recursion_error(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "deep.yaml", HEAD + "sources: " + "[" * 20_000 + "]" * 20_000 + "\n")
    refused(capsys, cwd, ["validate", name], "deep.yaml: line 5:", f"at most {MAX_DEPTH} levels")


@pytest.mark.slow
def test_deep_nesting_in_a_set_value(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO)
    refused(capsys, cwd, ["run", name, "--set", "focus=" + "[" * 5000 + "]" * 5000], "--set: focus:", "nesting")


def test_nesting_up_to_the_limit_loads() -> None:
    data = load_yaml("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n", "ok.yaml")
    assert isinstance(data["a"], list)


def test_nul_byte_names_its_line(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "nul.yaml", HEAD + "sources: [a\x00b]\n")
    refused(capsys, cwd, ["validate", name], "nul.yaml: line 5:", "#x0000")


# --- 3. no booleans for numbers ------------------------------------------------------------


def test_years_true_is_refused(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO.replace("years: 2", "years: true"))
    refused(capsys, cwd, ["validate", name], "s.yaml: years:", "not true/false", "got true")


def test_set_a_rate_to_true_is_refused(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO)
    refused(capsys, cwd, ["run", name, "--set", "alignment.rate=true"], "alignment.rate:", "got true")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("actors:\n  PAK:\n    policy:\n      hedging: false\n", "actors.PAK.policy.hedging"),
        ("friction: {PAK-RUS: true}\n", "friction.PAK-RUS"),
        ("steps_per_year: true\n", "steps_per_year"),
        ("mechanisms:\n  threat:\n    weight: true\n", "mechanisms.threat.weight"),
        (
            "events:\n  - {id: x, type: summit, actors: [PAK, RUS], at: 2025-01-01, magnitude: true}\n",
            "events.x.magnitude",
        ),
    ],
)
def test_booleans_are_refused_wherever_a_number_goes(extra: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_text(HEAD + extra, "b.yaml")
    assert info.value.field == field and "got " in info.value.expected


def test_whole_numbers_and_real_booleans_are_still_accepted() -> None:
    scenario = scenario_from_text(
        HEAD + "mechanisms:\n  threat: {enabled: false, weight: 2}\nalignment: {rate: 1}\n", "ok.yaml"
    )
    assert scenario.spec.alignment.rate == 1.0 and scenario.spec.mechanisms.threat.enabled is False


def test_boolean_figure_in_an_actor_set(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = yaml.safe_load((DATA_DIR / "five-2024.yaml").read_text())
    doc["actors"]["PAK"]["gdp_bn"]["value"] = True
    write(cwd, "actors.yaml", yaml.safe_dump(doc, sort_keys=False))
    name = write(cwd, "s.yaml", SCENARIO + "actor_set: actors.yaml\n")
    refused(capsys, cwd, ["validate", name], "actors.yaml: actors.PAK.gdp_bn.value:", "got true")


# --- 4. lower bounds from what the model can represent ------------------------------------


def test_every_below_one_step_is_refused_instead_of_hanging(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO.replace("every: 1", "every: 1e-300"))
    for command in (["validate", name], ["run", name, "--replicates", "1"]):
        refused(capsys, cwd, command, "s.yaml: events.exercise.every:", "one step", "got 1e-300")


def test_every_is_measured_in_the_scenarios_own_steps(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO.replace("every: 1", "every: 0.5") + "steps_per_year: 1\n")
    refused(capsys, cwd, ["validate", name], "events.exercise.every:", "got 0.5")
    assert scenario_from_text(SCENARIO.replace("every: 1", "every: 0.25"), "ok.yaml").events[0].every == 0.25
    name = write(cwd, "t.yaml", SCENARIO.replace("every: 1", "every: 0.5"))
    refused(capsys, cwd, ["run", name, "--set", "steps_per_year=1"], "events.exercise.every:")


def test_a_horizon_shorter_than_one_step_is_refused(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", HEAD)
    refused(capsys, cwd, ["run", name, "--years", "1e-300"], "--years: years:", "one step")


@pytest.mark.parametrize(
    ("figure", "value"),
    [("gdp_bn", 1e-300), ("gdp_ppp_bn", 0.0001), ("population_m", 1e-300), ("milex_bn", 1e7), ("iron_steel_mt", 0)],
)
def test_actor_sizes_have_documented_bounds(
    cwd: Path, capsys: pytest.CaptureFixture[str], figure: str, value: float
) -> None:
    doc = yaml.safe_load((DATA_DIR / "five-2024.yaml").read_text())
    doc["actors"]["PAK"][figure]["value"] = value
    write(cwd, "actors.yaml", yaml.safe_dump(doc, sort_keys=False))
    name = write(cwd, "s.yaml", SCENARIO + "actor_set: actors.yaml\n")
    refused(capsys, cwd, ["run", name, "--replicates", "1"], f"actors.yaml: actors.PAK.{figure}.value:", "0.001")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda doc: doc["actors"]["PAK"]["population_projection"]["values"].update({2030: 1e-300}), "population"),
        (lambda doc: doc["actors"]["PAK"]["cinc"].update(value=1.5), "cinc"),
        (lambda doc: doc["trade"][0].update(a_to_b_bn=1e300), "trade.0.a_to_b_bn"),
    ],
    ids=["population_projection", "cinc", "trade"],
)
def test_other_actor_figures_have_bounds(cwd: Path, capsys: pytest.CaptureFixture[str], change, field: str) -> None:
    doc = yaml.safe_load((DATA_DIR / "five-2024.yaml").read_text())
    change(doc)
    write(cwd, "actors.yaml", yaml.safe_dump(doc, sort_keys=False))
    name = write(cwd, "s.yaml", SCENARIO + "actor_set: actors.yaml\n")
    refused(capsys, cwd, ["validate", name], "actors.yaml: ", field)


# --- 5. seeds --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["-1", str(2**70), str(MAX_SEED + 1)])
@pytest.mark.parametrize("command", ["run", "sweep", "compare", "history"])
def test_seeds_outside_the_range_are_refused_up_front(
    cwd: Path, capsys: pytest.CaptureFixture[str], command: str, seed: str
) -> None:
    name = write(cwd, "s.yaml", SCENARIO)
    argv = {
        "run": ["run", name],
        "sweep": ["sweep", name, "--param", "alignment.rate=0:1", "--samples", "2", "--quiet"],
        "compare": ["compare", name, name],
        "history": ["history"],
    }[command]
    refused(capsys, cwd, [*argv, "--seed", seed], "--seed: seed:", f"got {seed}")
    assert not (cwd / "results").exists()


@pytest.mark.parametrize("seed", [2**70, -1, "true"])
def test_a_sweep_spec_seed_outside_the_range_is_refused(
    cwd: Path, capsys: pytest.CaptureFixture[str], seed: object
) -> None:
    write(cwd, "s.yaml", SCENARIO)
    spec = write(cwd, "spec.yaml", f"scenario: s.yaml\nparams: {{alignment.rate: '0:1'}}\nsamples: 2\nseed: {seed}\n")
    refused(capsys, cwd, ["sweep", "--spec", spec, "--quiet"], "spec.yaml: seed:")


def test_the_largest_seed_is_accepted(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO)
    assert run.main(["run", name, "--seed", str(MAX_SEED), "--replicates", "1", "--no-charts", "--out", "o"]) == 0


# --- 6. dates the calendar can hold ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "field"),
    [
        ("9999-01-01", "start"),
        ("9990-01-01", "start"),
        ("2300-01-01", "start"),
        ("1600-01-01", "start"),
        ("2261-06-01", "years"),
    ],
)
def test_dates_beyond_the_calendar_are_refused(
    cwd: Path, capsys: pytest.CaptureFixture[str], start: str, field: str
) -> None:
    name = write(cwd, "s.yaml", HEAD.replace("2024-01-01", start))
    for command in (["validate", name], ["run", name, "--replicates", "1"]):
        refused(capsys, cwd, command, f"s.yaml: {field}:")


def test_years_flag_cannot_push_the_horizon_past_the_calendar(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", HEAD.replace("2024-01-01", "2250-01-01"))
    refused(capsys, cwd, ["run", name, "--years", "20"], "--years: years:", str(LAST_DATE))


def test_the_calendar_bounds_are_what_the_tables_hold(cwd: Path) -> None:
    assert pd.Timestamp(FIRST_DATE) >= pd.Timestamp.min and pd.Timestamp(LAST_DATE) <= pd.Timestamp.max
    assert FIRST_DATE - dt.timedelta(days=1) < pd.Timestamp.min.date() + dt.timedelta(days=1)
    write(cwd, "s.yaml", HEAD.replace("2024-01-01", "2257-01-01").replace("years: 2", "years: 5"))
    assert run.main(["run", "s.yaml", "--replicates", "1", "--no-charts", "--format", "csv", "--out", "o"]) == 0
    dates = pd.to_datetime(pd.read_csv(cwd / "o" / "trajectories.csv")["date"])
    assert dates.max() <= pd.Timestamp(LAST_DATE)


# --- 7. counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["run", "s.yaml", "--replicates", "0"], "--replicates: replicates:"),
        (["sweep", "s.yaml", "--param", "alignment.rate=0:1", "--replicates", "0"], "--replicates: replicates:"),
        (["sweep", "s.yaml", "--param", "alignment.rate=0:1", "--samples", "0"], "samples: at least 1 sample"),
        (["compare", "s.yaml", "s.yaml", "--replicates", "0"], "--replicates: replicates:"),
        (["history", "--replicates", "0"], "--replicates: replicates:"),
        (["history", "--replicates", "-3"], "--replicates: replicates:"),
    ],
)
def test_zero_counts_are_refused_everywhere(
    cwd: Path, capsys: pytest.CaptureFixture[str], argv: list[str], field: str
) -> None:
    write(cwd, "s.yaml", SCENARIO)
    refused(capsys, cwd, argv, field)


# --- 8. landscape ranges ---------------------------------------------------------------------

LONG = "actor_a,actor_b,propensity\nA,B,1\nA,C,-1\nB,C,-1\n"


@pytest.mark.parametrize(
    ("sizes", "propensity", "field"),
    [
        ("actor,size\nA,1e308\nB,1\nC,1\n", LONG, "sizes.csv: row 2.size: a number from 0 to 1e+12, got 1e+308"),
        ("actor,size\nA,-1\nB,1\nC,1\n", LONG, "sizes.csv: row 2.size"),
        ("actor,size\nA,inf\nB,1\nC,1\n", LONG, "sizes.csv: row 2.size: a finite number, got inf"),
        ("actor,size\nA,1\nB,1\nC,1\n", LONG.replace("A,B,1", "A,B,1e7"), "p.csv: row 2.propensity"),
        ("actor,size\nA,1\nB,1\nC,1\n", LONG.replace("A,B,1", "A,B,nan"), "p.csv: row 2.propensity"),
        (
            "actor,size\nA,1\nB,1\nC,1\n",
            "actor,A,B,C\nA,0,1,-inf\nB,1,0,-1\nC,-inf,-1,0\n",
            "p.csv: A.C: a finite number",
        ),
    ],
)
def test_landscape_sizes_and_propensities_are_bounded(
    cwd: Path, capsys: pytest.CaptureFixture[str], sizes: str, propensity: str, field: str
) -> None:
    write(cwd, "sizes.csv", sizes)
    write(cwd, "p.csv", propensity)
    refused(capsys, cwd, ["landscape", "--sizes", "sizes.csv", "--propensity", "p.csv"], field)


@pytest.mark.parametrize("scale", [1e-9, 1e-6, 1.0, 1e6, 1e12])
def test_landscape_minima_do_not_depend_on_the_scale(scale: float) -> None:
    p = np.array([[0.0, 1, -1], [1, 0, -1], [-1, -1, 0]])
    minima = report(["A", "B", "C"], np.full(3, scale), p)
    assert len(minima) == 1 and sorted(map(sorted, minima[0]["coalitions"])) == [["A", "B"], ["C"]]
    assert minima[0]["energy"] == pytest.approx(-2 * scale**2)


# --- 9. one-line command-line errors, --help intact, plain numbers ---------------------------


@pytest.mark.parametrize(
    ("argv", "parts"),
    [
        ([], ("run.py: ", "command")),
        (["rn"], ("run.py: ", "invalid choice: 'rn'")),
        (["run"], ("run.py run: ", "scenario")),
        (["run", "s.yaml", "--replicates"], ("run.py run: argument --replicates",)),
        (["run", "s.yaml", "--replicates", "x"], ("run.py run: argument --replicates: invalid int value: 'x'",)),
        (["run", "s.yaml", "--format", "xls"], ("run.py run: argument --format",)),
        (["run", "s.yaml", "--bogus"], ("run.py run: unrecognized arguments: --bogus",)),
        (["sweep", "s.yaml", "--sampler", "x"], ("run.py sweep: argument --sampler",)),
        (["plot", "x", "--dates", "2024-13-01"], ("run.py plot: argument --dates",)),
        (["landscape", "--sizes", "a.csv"], ("run.py landscape: ", "--propensity")),
    ],
)
def test_argparse_errors_are_one_line(
    cwd: Path, capsys: pytest.CaptureFixture[str], argv: list[str], parts: tuple[str, ...]
) -> None:
    write(cwd, "s.yaml", SCENARIO)
    refused(capsys, cwd, argv, *parts)


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["sweep", "-h"]])
def test_help_is_still_full(cwd: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert run.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: run.py") and len(out.splitlines()) > 10
    if argv == ["run", "--help"]:
        assert "--replicates" in out and "--seed" in out


def test_non_finite_values_are_printed_plainly(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = write(cwd, "s.yaml", SCENARIO)
    refused(capsys, cwd, ["run", name, "--years", "nan"], "--years: years:", "got nan")
    refused(capsys, cwd, ["run", name, "--set", "alignment.rate=-.inf"], "alignment.rate:", "got -inf")
    refused(capsys, cwd, ["run", name, "--set", "years=1.0e+9"], "years:", "got 1000000000.0")
    assert [plain(v) for v in (np.float64("nan"), np.float64(math.inf), np.int64(3), np.bool_(True), 0.5)] == [
        "nan",
        "inf",
        "3",
        "true",
        "0.5",
    ]


def test_a_sweep_spec_may_not_give_a_boolean_sample_count(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "scenario: baseline\nsampler: lhs\nsamples: true\nparams:\n  alignment.rate: '0:1'\n"
    spec = write(cwd, "spec.yaml", text)
    refused(capsys, cwd, ["sweep", "--spec", spec], "spec.yaml", "samples")


def test_the_replay_record_refuses_booleans_and_nan_like_every_input() -> None:
    from powershift.analysis.validation import replay as history

    base = {
        "name": "n",
        "kind": "alignment_change",
        "dyad": "PAK-RUS",
        "from": "2014-01-01",
        "to": "2019-01-01",
        "expected": "warmer",
        "evidence": "e",
        "source": "s",
    }
    assert history.Check.model_validate(base).threshold == 0.0
    for bad in (True, float("nan")):
        with pytest.raises(ValueError):
            history.Check.model_validate({**base, "threshold": bad})
