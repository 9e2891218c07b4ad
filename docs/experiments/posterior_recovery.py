"""Does the ABC posterior cover known truths as often as it claims? python docs/experiments/posterior_recovery.py

Draws ``TRUTHS`` parameter sets from the prior, simulates the calibration years' UN-distance data
from each (one world, as the record is one world), fits the posterior with the CI budget of
tests/validation/test_calibration.py, and counts how often each truth falls inside the posterior's central
50 % and 90 % intervals. A calibrated posterior covers about 50 % and 90 %; a tempered (too wide)
one covers more, an over-confident one less. docs/explanation/validation.md ("Does the posterior cover known
truths?") quotes the printed table; it takes about half an hour on one core.
"""

from __future__ import annotations

import logging

import numpy as np

from powershift.analysis.validation import calibration, hindcast

TRUTHS = 12
SEED = 2024
BUDGET = calibration.Budget(population=100, generations=6, simulations=4000, minutes=4, draws=400)


def truths(count: int = TRUTHS, seed: int = SEED) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [{p: float(rng.uniform(lo, hi)) for p, (lo, hi) in calibration.PRIOR.items()} for _ in range(count)]


def covered(truth: dict[str, float], k: int) -> dict[str, tuple[bool, bool, float]]:
    """Per parameter: inside the 50 % interval, inside the 90 % one, and the 90 % width over the prior's."""
    scenario = calibration.calibration_scenario()
    values = {p: np.array([v]) for p, v in truth.items()}
    data = calibration.summaries(hindcast.simulate(scenario, 7000 + k, np.array([0]), values))
    draws, _ = calibration.fit(data, scenario, BUDGET, seed=k)
    out = {}
    for path, value in truth.items():
        lo50, hi50 = calibration.credible_interval(draws[path], 0.5)
        lo90, hi90 = calibration.credible_interval(draws[path], 0.9)
        low, high = calibration.PRIOR[path]
        out[path] = (lo50 <= value <= hi50, lo90 <= value <= hi90, (hi90 - lo90) / (high - low))
    return out


def table() -> str:
    results = [covered(truth, k) for k, truth in enumerate(truths())]
    lines = [
        f"{TRUTHS} truths drawn from the prior (seed {SEED}); budget: {BUDGET.population} particles, "
        f"at most {BUDGET.generations} generations or {BUDGET.simulations} simulations.",
        "",
        "| parameter | inside the 50 % interval | inside the 90 % interval | 90 % width / prior range (median) |",
        "|---|---|---|---|",
    ]
    for path in calibration.PRIOR:
        rows = [r[path] for r in results]
        lines.append(
            f"| `{path}` | {sum(r[0] for r in rows)} of {len(rows)} | {sum(r[1] for r in rows)} of {len(rows)} "
            f"| {np.median([r[2] for r in rows]):.2f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    logging.getLogger("ABC").setLevel(logging.WARNING)
    print(table(), end="")
