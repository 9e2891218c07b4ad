"""A posterior for the free parameters, fitted on the calibration years only, with pyabc's ABC-SMC.

Why likelihood-free, and why pyabc: the model is a stochastic simulator with no tractable
likelihood (alignment noise, growth offsets, event lotteries). pyabc's ABC-SMC needs only the
simulator and a distance, runs on two cores with its multicore sampler (or on Dask), and its
adaptive distance rescales every summary statistic by its spread across simulations, so share
changes in percentage points and distance changes in ideal-point units weigh alike. The other
candidate, sbi's neural posterior estimation, needs PyTorch, a large install for every CI run, and
amortisation buys nothing when one data set is fitted. The cost of ABC is simulations, and one
world of the five-year calibration window takes about 40 ms.

What is fitted: the three rates no data fix (``alignment.rate``, ``mechanisms.relaxation.rate``,
``mechanisms.relaxation.anchor_rate``) and the UN observation model's β and σ
(``analysis.hindcast``), with uniform priors over the ranges in ``PRIOR`` (docs/explanation/odd.md §4 says
why). The data are the 2014 origin's calibration years, 2015-2019: every state's power-share change
and every dyad's UN-distance change at each horizon (25 + 50 statistics). Nothing after 2019 is
read.

The result is an unweighted sample (the last population resampled by its weights) written with a
manifest by ``analysis.posterior.write_posterior``; ``run --posterior`` draws each world's
parameters from it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powershift.analysis.experiments.posterior import Posterior, check_new_posterior, write_posterior
from powershift.analysis.validation import hindcast
from powershift.analysis.validation.replay import Index
from powershift.model.scenario import Scenario, load_scenario

PRIOR = {
    "alignment.rate": (0.05, 0.8),
    "mechanisms.relaxation.rate": (0.1, 1.6),
    "mechanisms.relaxation.anchor_rate": (0.0, 0.5),
    hindcast.BETA: (0.0, 5.0),
    hindcast.SIGMA: (0.01, 0.5),
}
"""Uniform prior ranges (low, high) of the fitted parameters (docs/explanation/odd.md §4)."""
ORIGIN = hindcast.ORIGINS[0]
METHOD = (
    "pyabc ABC-SMC: adaptive Euclidean distance (statistics scaled by their MAD, roughness weighted as all "
    "mean changes together), median epsilon, multivariate normal perturbation"
)
CHANGE, ROUGHNESS = "un_distance_mean_change", "un_distance_roughness"
STATISTICS = (CHANGE, ROUGHNESS)


def key(path: str) -> str:
    """pyabc's name for a parameter path (its storage wants plain names)."""
    return path.replace(".", "__")


def path_of(name: str) -> str:
    return name.replace("__", ".")


@dataclass(frozen=True)
class Budget:
    """How long the ABC-SMC runs: particles per generation and when to stop."""

    population: int = 400
    generations: int = 8
    simulations: int = 30000
    minutes: float = 25.0
    draws: int = 200


FULL = Budget(population=500, generations=10, simulations=30000, minutes=25.0, draws=400)
"""The committed posterior's budget (run.py history --calibrate): under 30 minutes on 2 cores."""


class Simulator:
    """The calibration window's simulator for pyabc: one world per call, seeded from numpy's global
    generator (which pyabc seeds per run and per worker)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def __call__(self, parameter: dict[str, float]) -> dict[str, Any]:
        values = {path_of(name): np.array([float(v)]) for name, v in parameter.items()}
        seed = int(np.random.randint(0, 2**31 - 1))
        return summaries(hindcast.simulate(self.scenario, seed, np.array([0]), values))


def summaries(changes: hindcast.Changes, world: int = 0) -> dict[str, Any]:
    """The statistics ABC compares, for one world's (or the record's) UN-distance changes (H, dyads).

    Two kinds, because one does not serve both the signal and the noise: each dyad's mean change
    over the horizons (what the alignment dynamics and β move), and the roughness of the path (the
    root mean square of its year-on-year steps, which σ moves). A distance on the raw changes
    alone rewards simulations with less noise (their expected distance to any data set is smaller),
    which biases σ low; the roughness statistic, weighted as much as all the means together, keeps
    σ honest.
    """
    path = np.asarray(changes.values["UN distance"][:, world, :], dtype=float)
    return statistics(path)


def statistics(path: np.ndarray) -> dict[str, Any]:
    """Mean change per dyad and the path's roughness, from changes of shape (H, dyads)."""
    steps = np.diff(np.vstack([np.zeros((1, path.shape[1])), path]), axis=0)
    return {CHANGE: path.mean(axis=0), ROUGHNESS: float(np.sqrt(np.mean(steps**2)))}


def observed_summaries(scenario: Scenario) -> dict[str, Any]:
    """The record's calibration-year changes, in the simulator's layout."""
    actual, _ = hindcast.observed(ORIGIN, list(scenario.actors.codes), Index.of(scenario))
    return statistics(actual.values["UN distance"])


def statistic_weights(observed: dict[str, Any]) -> dict[str, float]:
    """pyabc's fixed weights by statistic id: 1 per mean change, as much for the roughness as for all of them."""
    means = len(observed[CHANGE])
    return {**{f"{CHANGE}:{i}": 1.0 for i in range(means)}, ROUGHNESS: float(means)}


def calibration_scenario() -> Scenario:
    """The 2014 origin, stopped at the end of the calibration years (later events cannot fire)."""
    return load_scenario(ORIGIN.scenario, years=max(hindcast.HORIZONS))


def fit(
    observed: dict[str, Any],
    scenario: Scenario,
    budget: Budget,
    seed: int,
    workers: int = 1,
    prior: dict[str, tuple[float, float]] = PRIOR,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run ABC-SMC and return the posterior sample (``budget.draws`` unweighted draws) and the facts
    of the run a manifest keeps (generations, final tolerance, acceptance, simulations, minutes)."""
    import pyabc

    np.random.seed(seed)
    distribution = pyabc.Distribution(**{key(p): pyabc.RV("uniform", lo, hi - lo) for p, (lo, hi) in prior.items()})
    sampler = (
        pyabc.sampler.SingleCoreSampler()
        if workers == 1
        else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)
    )
    abc = pyabc.ABCSMC(
        Simulator(scenario),
        distribution,
        pyabc.AdaptivePNormDistance(p=2, fixed_weights=statistic_weights(observed)),
        population_size=budget.population,
        sampler=sampler,
    )
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="powershift-abc-") as folder:
        abc.new(f"sqlite:///{Path(folder) / 'abc.db'}", observed)
        history = abc.run(
            max_nr_populations=budget.generations,
            max_total_nr_simulations=budget.simulations,
            max_walltime=dt.timedelta(minutes=budget.minutes),
        )
        particles, weights = history.get_distribution()
        populations = history.get_all_populations()
        simulations = int(history.total_nr_simulations)
    minutes = (time.perf_counter() - clock) / 60
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(particles), size=budget.draws, replace=True, p=weights / weights.sum())
    draws = particles.iloc[chosen].reset_index(drop=True)
    draws.columns = [path_of(c) for c in draws.columns]
    draws = draws[list(prior)]
    last = populations.iloc[-1]
    facts = {
        "method": METHOD,
        "pyabc": version("pyabc"),
        "generations": int(last["t"]) + 1,
        "final_epsilon": float(last["epsilon"]),
        "simulations": simulations,
        "population": budget.population,
        "effective_sample_size": round(float(weights.sum() ** 2 / (weights**2).sum()), 1),
        "minutes": round(minutes, 2),
        "draws": budget.draws,
        "seed": seed,
        "workers": workers,
        "prior": {p: {"uniform": list(r)} for p, r in prior.items()},
    }
    return draws, facts


def credible_interval(draws: pd.Series, level: float = 0.9) -> tuple[float, float]:
    """The central ``level`` interval of a parameter's posterior sample."""
    low, high = np.quantile(draws.to_numpy(dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def calibrate(path: Path, budget: Budget = FULL, seed: int = 0, workers: int = 1) -> Posterior:
    """Fit the posterior on the record's calibration years and write it (``NAME.csv`` and
    ``NAME.yaml`` for ``path``, never over an existing file). With one worker the result is a
    function of the seed alone; pyabc's multicore sampler is faster but not reproducible."""
    check_new_posterior(path)
    scenario = calibration_scenario()
    draws, facts = fit(observed_summaries(scenario), scenario, budget, seed, workers)
    command = f"run.py history --calibrate --seed {seed} --workers {workers} --out {path}"
    manifest = {
        "method": METHOD,
        "scenario": ORIGIN.scenario,
        "years": [ORIGIN.year, ORIGIN.year + max(hindcast.HORIZONS)],
        "seed": seed,
        "command": command,
        "libraries": {"pyabc": facts["pyabc"]},
        "details": {**facts, "statistics": list(STATISTICS), "budget": vars(budget)},
    }
    return write_posterior(draws, manifest, path)


def posterior_table(posterior: Posterior) -> str:
    """The posterior against its prior, as docs/explanation/validation.md shows it (a test keeps them equal): per
    parameter the prior range, the posterior median and central 90 % interval, and how much of the
    prior range that interval still spans (near 1: the calibration years say little about it)."""
    prior = {p: tuple(v["uniform"]) for p, v in posterior.manifest["details"]["prior"].items()}
    lines = [
        f"Posterior `{posterior.name}`: {posterior.size} draws, "
        f"{posterior.manifest['details']['simulations']:,} simulations, "
        f"{posterior.manifest['details']['generations']} generations.",
        "",
        "| parameter | prior (uniform) | posterior median | 90 % interval | interval / prior range |",
        "|---|---|---|---|---|",
    ]
    for path, (low, high) in prior.items():
        draws = posterior.draws[path]
        lo90, hi90 = credible_interval(draws, 0.9)
        lines.append(
            f"| `{path}` | {low:g}–{high:g} | {draws.median():.3f} | {lo90:.3f}–{hi90:.3f} "
            f"| {(hi90 - lo90) / (high - low):.2f} |"
        )
    return "\n".join(lines) + "\n"
