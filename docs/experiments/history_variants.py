"""The replay's scorecard under variants of the model: python docs/experiments/history_variants.py

Each row is the replay with the committed posterior (50 replicates, seed 0) with one change, scored exactly as
`run.py history` scores it; docs/explanation/validation.md ("Robustness") quotes this table. The variants
are not candidates to choose from after seeing the held-back years: they say how much of the
score rests on one assumption.
"""

from __future__ import annotations

from powershift.analysis.experiments.posterior import DEFAULT_POSTERIOR, read_posterior
from powershift.analysis.validation import replay as history

VARIANTS = {
    "posterior (the scorecard)": {},
    "no sanctions drag (its size comes from 2022-23, inside the validation years)": {"economy.sanctions_drag": 0.0},
    "fixed anchor (kappa = 0, the previous model)": {"mechanisms.relaxation.anchor_rate": 0.0},
    "no growth draws (growth_uncertainty = 0)": {"economy.growth_uncertainty": 0.0},
    "CINC index (scored on NMC components, 2019-2022)": {"power.index": "cinc"},
}


def row(name: str, changes: dict[str, object]) -> str:
    overrides = tuple(f"{path}={value}" for path, value in changes.items())
    card = history.score(history.replay(read_posterior(DEFAULT_POSTERIOR), 50, 0, overrides=overrides))
    cal, val = card["periods"]["calibration"], card["periods"]["validation"]
    trend = "—" if val["trend_capability_share_mae"] is None else f"{val['trend_capability_share_mae']:.2f}"
    hits = sum(c["ok"] for c in card["checks"] if c["period"] == "validation")
    return (
        f"| {name} | {cal['hit_rate']:.0%} | {val['hit_rate']:.0%} ({hits} of {val['checks']}) | {val['years']} "
        f"| {val['capability_share_mae']:.2f} | {val['baseline_capability_share_mae']:.2f} | {trend} |"
    )


def table() -> str:
    lines = [
        "| variant | calibration hit rate | validation hit rate | share years | share-change MAE (pp) "
        "| persistence (pp) | trend (pp) |",
        "|---|---|---|---|---|---|---|",
    ]
    return "\n".join(lines + [row(name, changes) for name, changes in VARIANTS.items()]) + "\n"


if __name__ == "__main__":
    print(table(), end="")
