"""Examples in the README and docs/EVENTS.md run as written, so they cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.model.events import EVENT_TYPES
from powershift.model.scenario import scenario_from_text

ROOT = Path(__file__).resolve().parent.parent


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(), flags=re.S)


def test_readme_scenario_example_validates_and_runs() -> None:
    [example] = [b for b in blocks(ROOT / "README.md", "yaml") if b.startswith("title:")]
    scenario = scenario_from_text(example, "README example")
    results = run_ensemble(scenario, replicates=3, seed=1)
    fired = set(results.tables["events"].event)
    assert {"druzhba", "crude", "su35"} <= fired


def test_readme_python_example_runs() -> None:
    [code] = [b for b in blocks(ROOT / "README.md", "python") if "run_ensemble" in b]
    exec(compile(code.replace("replicates=100", "replicates=4"), "README", "exec"), {})


def event_examples() -> list[str]:
    return [b for b in blocks(ROOT / "docs" / "EVENTS.md", "yaml") if re.search(r"^\s*type:", b, flags=re.M)]


def test_events_doc_covers_every_type() -> None:
    documented = {m for b in event_examples() for m in re.findall(r"type: (\w+)", b)}
    assert set(EVENT_TYPES) <= documented


@pytest.mark.parametrize("example", event_examples())
def test_events_doc_examples_validate(example: str) -> None:
    items = yaml.safe_load(example)
    items = items if isinstance(items, list) else [items]
    events = [e for e in items if isinstance(e, dict) and "type" in e]
    assert events, "an example without any event checks nothing"
    text = yaml.safe_dump({"title": "t", "description": "d", "start": "2024-01-01", "years": 10, "events": events})
    scenario = scenario_from_text(text, "EVENTS.md example")
    assert len(scenario.events) == len(events)


def test_readme_sweep_spec_is_a_valid_design(tmp_path: Path) -> None:
    from powershift.analysis.experiments.design import build_design, read_design
    from powershift.analysis.experiments.sweep import design_scenario

    [example] = [b for b in blocks(ROOT / "README.md", "yaml") if b.startswith("scenario:")]
    spec = tmp_path / "sweep.yaml"
    spec.write_text(example)
    design = build_design(read_design(spec), str(spec))
    design_scenario(design)
    assert design.sampler == "sobol" and design.params[0].path == "actors.PAK.policy.hedging"


def test_readme_sweep_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [code] = [b for b in blocks(ROOT / "README.md", "python") if "run_sweep" in b]
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace('"samples": 200', '"samples": 4'), "README", "exec"), {})
    assert (tmp_path / "results" / "hedging-sweep" / "manifest.json").is_file()


def test_readme_comparison_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [code] = [b for b in blocks(ROOT / "README.md", "python") if "write_comparison" in b]
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("replicates=20", "replicates=3"), "README", "exec"), {})
    assert (tmp_path / "results" / "why-pak-rus" / "charts" / "waterfall.png").is_file()


def test_odd_numbers_are_what_the_model_gives() -> None:
    """docs/experiments/odd_numbers.py recomputes what docs/ODD.md quotes; the quoted values must appear."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "experiments" / "odd_numbers.py")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    odd, out = (ROOT / "docs" / "ODD.md").read_text(), done.stdout
    assert "| difference, pp | −0.02 | +0.36 | −0.61 | **+1.16** | −0.89 |" in odd
    assert "headline - one-year, pp      -0.02  +0.36  -0.61  +1.16  -0.89" in out
    assert "| difference, pp | +0.88 | +1.29 | +2.02 | −1.87 | **−2.32** |" in odd
    assert "CINC index - CINC, pp        +0.88  +1.29  +2.02  -1.87  -2.32" in out
    assert "no pair moves by more than 0.004" in odd and "over ten years 0.0039" in out
    assert "raises India's change by 0.75 pp" in odd and "from the baseline: 0.75 pp" in out
    assert "`russia-isolated` lowers Russia's by 0.63" in odd and "'RUS': -0.63, 'USA': 0.33}  largest 0.63" in out
    assert "by 3.00 % (trade inside the set only); with the default drag by\n13.17 %" in odd
    assert "RUS GDP -3.00 % with sanctions_drag 0, -13.17 % with the default" in out
    assert "bloc switch: True" not in out
    assert "ever has |p_bloc1 − bloc| above 0.000" in odd and "among actors with shares > 0.05: 0.000" in out
    assert "67 % after one year, 35 % after three, 19 % after ten and 18 % in the long run" in odd
    assert "stepped: left after 1 year 67%, 3 years 35%, 10 years 19%, 50 years 18%" in out
    assert "halves in 0.58 years near A = 0 and 13 % of a push stays" in odd
    assert "gap half-life 0.58 yr, share that stays 17%; stepped: left after 1 year 36%" in out
    assert "50 years 13%" in out
    assert "changes by 0.01 pp, against 0.54 pp of spread" in odd
    assert "parameter effect 0.01 pp, spread across worlds 0.54 pp" in out


def test_readme_balance_of_power_table_is_what_the_model_gives() -> None:
    """The README's "What moves the balance of power" block is docs/experiments/balance_of_power.py's output."""
    from tests.conftest import experiment

    module = experiment("balance_of_power")
    text = (ROOT / "README.md").read_text()
    quoted = text.split("tests/test_docs.py keeps it current -->\n", 1)[1].split("<!-- /balance-of-power table -->")[0]
    assert quoted == module.table()
