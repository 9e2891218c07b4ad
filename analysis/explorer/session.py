"""One look at an explorer state: the edited scenario's worlds beside the paired baseline's.

The edited scenario and its baseline run with the same seed and number of worlds, so world r of
each draws the same random numbers and the same posterior draw: their difference, world by world,
is the edit's effect (the paired comparison of ``powershift compare``). The baseline depends only on
the source, horizon, worlds, seed and power index, so it is kept (``BaselineCache``) while the
user moves policy sliders and switches events.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from powershift.analysis.analyze.comparison import Member, comparison_manifest, end_state, series
from powershift.analysis.experiments import posterior
from powershift.analysis.experiments.ensemble import check_replicates, run_ensemble
from powershift.analysis.experiments.posterior import Posterior
from powershift.analysis.explorer.state import MAX_WORLDS, Exploration, build
from powershift.analysis.results.storage import Results, manifest
from powershift.model.files import InputError, check_seed
from powershift.model.scenario import Scenario

Progress = Callable[[float, str], None]
BASELINES_KEPT = 4  # a few sources or seeds back and forth; each is about 15 MB at 200 worlds


@dataclass(frozen=True)
class Look:
    """What the views draw: both ensembles, their manifests and the paired comparison of the two."""

    state: Exploration
    results: Results
    meta: dict[str, Any]
    baseline: Results
    comparison: dict[str, Any]
    series: pd.DataFrame
    ends: pd.DataFrame
    seconds: float


class BaselineCache:
    """The last few baselines by state key, safe to share between the page's background threads."""

    def __init__(self, size: int = BASELINES_KEPT) -> None:
        self.size = size
        self.kept: OrderedDict[str, Results] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, state: Exploration, run: Callable[[Exploration], Results]) -> tuple[Results, bool]:
        """The baseline of ``state`` and whether it was kept from before."""
        key = state.baseline().key()
        with self.lock:
            if key in self.kept:
                self.kept.move_to_end(key)
                return self.kept[key], True
        results = run(state.baseline())
        with self.lock:
            self.kept[key] = results
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return results, False


def default_posterior() -> Posterior | None:
    """The parameter set ``powershift run`` uses without options: the committed posterior, if present."""
    return posterior.read_posterior(posterior.DEFAULT_POSTERIOR) if posterior.DEFAULT_POSTERIOR.is_file() else None


def run_scenario(scenario: Scenario, state: Exploration, chosen: Posterior | None) -> Results:
    """A state's worlds, exactly as ``powershift run <its file> --replicates N --seed S`` draws them."""
    return run_ensemble(scenario, state.worlds, state.seed, posterior=chosen)


def checked(state: Exploration, chosen: Posterior | None) -> Scenario:
    """The state's scenario, refused as the command line would refuse it (the file, the worlds, the posterior)."""
    check_worlds(state.worlds)
    check_seed(state.seed)
    scenario = build(state)
    check_replicates(scenario, state.worlds)
    if chosen is not None:
        posterior.check_posterior(chosen, scenario)
    return scenario


def look(state: Exploration, chosen: Posterior | None, cache: BaselineCache, progress: Progress) -> Look:
    """Run the edited scenario (and the baseline, unless kept) and pair them. A bad state raises the command
    line's ``InputError`` before any world runs."""
    clock = time.perf_counter()
    scenario = checked(state, chosen)
    progress(5, f"running {state.worlds} worlds of {state.label}")
    results = run_scenario(scenario, state, chosen)
    progress(45, "running the baseline")
    baseline, kept = cache.get(state, lambda base: run_scenario(checked(base, chosen), base, chosen))
    progress(80, "pairing with the baseline" + (" (kept from before)" if kept else ""))
    members = [
        Member(baseline.scenario.name, manifest(baseline, "parquet"), baseline.tables, baseline),
        Member(variant_label(state), manifest(results, "parquet"), results.tables, results),
    ]
    table = series(members)
    ends = end_state(table, True, scenario.spec.power.index)
    meta = comparison_manifest(members, paired=True)
    return Look(state, results, members[1].meta, baseline, meta, table, ends, time.perf_counter() - clock)


def variant_label(state: Exploration) -> str:
    """The edited scenario's name in the comparison; with no edit it is the baseline again, and says so."""
    return state.label if state.edited else f"{state.label} (unedited)"


def check_worlds(worlds: Any) -> None:
    """The page's own limit (the ensemble's is a million): beyond it a rerun stops feeling live."""
    if not isinstance(worlds, int) or isinstance(worlds, bool) or not 1 <= worlds <= MAX_WORLDS:
        raise InputError("explorer", "worlds", f"a whole number of worlds from 1 to {MAX_WORLDS:,}, got {worlds!r}")
