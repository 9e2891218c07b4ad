"""The held-back hindcast scores under variants of the model: python docs/experiments/hindcast_variants.py

Each row is `run.py history`'s hindcast (100 worlds per origin, seed 0) with one change, pooled
over the held-back years (the 2019 origin's 2020-2023 for shares, 2020-2024 for UN distance);
docs/explanation/validation.md ("What was tried for the bands") quotes this table and tests/validation/test_hindcast.py
keeps it current. The variants say how much of the skill and of the coverage rests on one source
of uncertainty; they are not candidates to choose from after seeing the held-back years.
"""

from __future__ import annotations

from powershift.analysis.experiments.posterior import DEFAULT_POSTERIOR, read_posterior
from powershift.analysis.validation import hindcast

VARIANTS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "committed posterior (the scores)": (True, ()),
    "defaults, no posterior (no UN observation model)": (False, ()),
    "posterior, real exchange rates fixed (exchange_uncertainty = 0)": (True, ("economy.exchange_uncertainty=0",)),
    "posterior, no growth draws (growth_uncertainty = 0)": (True, ("economy.growth_uncertainty=0",)),
    "posterior, no sanctions drag (sized from 2022-23, inside the held-back years)": (
        True,
        ("economy.sanctions_drag=0",),
    ),
}


def cell(value: float, percent: bool = False) -> str:
    if value != value:  # NaN: the quantity is not scored in this variant
        return "—"
    return f"{value:.0%}" if percent else f"{value:+.2f}"


def table() -> str:
    posterior = read_posterior(DEFAULT_POSTERIOR)
    lines = [
        "| variant | power share: skill vs persistence | vs trend | 90 % covers | GDP share: vs persistence "
        "| vs trend | 90 % covers | UN distance: vs persistence | vs trend | 90 % covers |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, (with_posterior, overrides) in VARIANTS.items():
        result = hindcast.run_hindcast(posterior if with_posterior else None, 100, 0, overrides=overrides)
        held = hindcast.summary(result)["held-back"]
        cells = []
        for quantity in hindcast.QUANTITIES:
            v = held.get(quantity)
            if v is None:
                cells += ["—", "—", "—"]
                continue
            cells += [
                cell(v["crps_skill_vs_persistence"]),
                cell(v["crps_skill_vs_trend"]),
                cell(v["coverage_90"], percent=True),
            ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(), end="")
