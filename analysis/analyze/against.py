"""Explanations against a baseline: what each mechanism and each event changed in a dyad, relative to another run.

Within one run the mechanisms' contributions are large and cancel (the economic mechanism and the
pull back to the anchor push a dyad about as much in the baseline as in a scenario), so they do not
say what a scenario did. Against a baseline run with the same seed and replicates, world r of each
draws the same random numbers and the same parameters, so part by part and world by world
``scenario − baseline`` is what the scenario changed: the parts' differences add up exactly to the
difference of the two runs' changes over the period (and so to the difference at the end, when both
start from the same state).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from powershift.analysis.analyze.explanation import explanation
from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.experiments.posterior import reopen
from powershift.analysis.results.storage import manifest, read_results
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario

KEYS = ["replicate", "kind", "name"]


def baseline_run(source: dict[str, Any], item: str, workers: int = 1) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The baseline's manifest and tables: a results folder as it is, or a scenario (a name or a file) run
    with the explained run's seed, replicates, horizon and parameter set, so its worlds pair."""
    path = Path(item)
    if path.is_dir():
        meta, tables = read_results(path)
        check_paired(source, meta, item)
        return meta, tables
    scenario = load_scenario(item, years=source["parameters"]["years"])
    posterior = reopen(source.get("parameter_set"))
    results = run_ensemble(scenario, source["replicates"], source["seed"], workers=workers, posterior=posterior)
    return manifest(results, "parquet"), results.tables


def check_paired(source: dict[str, Any], baseline: dict[str, Any], item: str) -> None:
    for key in ("seed", "replicates"):
        if baseline[key] != source[key]:
            raise InputError(
                item,
                key,
                f"a baseline with the explained run's {key} ({source[key]}) so that worlds pair, got {baseline[key]}",
            )
    if baseline["actors"] != source["actors"]:
        raise InputError(item, "actors", f"a baseline of the same states ({', '.join(source['actors'])})")


def against(
    meta: dict[str, Any],
    parts: pd.DataFrame,
    baseline: tuple[dict[str, Any], dict[str, pd.DataFrame]],
    label: str,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The explanation ``meta``/``parts`` (``explanation.explanation``) minus the baseline's over the same dyad
    and period, world by world: a part absent from one run (an event the baseline lacks) counts 0 there."""
    base_meta, base_tables = baseline
    recorded = set(base_tables["alignment"]["date"].unique())
    if not {pd.Timestamp(meta["from"]), pd.Timestamp(meta["to"])} <= recorded:
        raise InputError(label, "dates", f"a baseline recorded on {meta['from']} and {meta['to']}, as the run is")
    _, base = explanation(base_meta, base_tables, meta["dyad"], meta["from"], meta["to"], Path(label))
    both = parts.merge(base, on=KEYS, how="outer", suffixes=("", "_baseline"))
    both["value"] = both["value"].fillna(0.0) - both["value_baseline"].fillna(0.0)
    both["what"] = both["what"].fillna(both["what_baseline"])
    meta = {
        **meta,
        "against": {
            "baseline": label,
            "scenario": base_meta["scenario"],
            "seed": base_meta["seed"],
            "replicates": base_meta["replicates"],
            "parameter_set": base_meta.get("parameter_set"),
        },
    }
    return meta, both[[*KEYS, "value", "what"]].sort_values(KEYS, kind="stable").reset_index(drop=True)
