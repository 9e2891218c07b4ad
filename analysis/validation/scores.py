"""Proper scores of ensemble forecasts against the observed record: CRPS, Brier, coverage and PIT.

A hindcast scores the model's replicates (an ensemble) at each origin, quantity and horizon against
what was later observed, and compares them with deterministic baselines (persistence, trend). All
functions here are pure and vectorised over the leading axes: an ensemble has shape
``(..., members)`` and its observation shape ``(...)``.

Missing values follow one rule: a forecast with a missing (NaN) member, or a missing observation,
cannot be scored and gives NaN; the summaries (``skill``, ``brier_skill``, ``coverage``,
``pit_histogram``) then leave those outcomes out rather than let one gap blank the whole table.
"""

from __future__ import annotations

import numpy as np
import scoringrules as sr

# The fair (unbiased) CRPS of an ensemble, computed by the library's probability-weighted-moment form:
# the same value as ``estimator="fair"`` (tests check this) after one sort, in O(members) memory instead
# of the fair form's members × members matrix per outcome.
FAIR_ESTIMATOR = "pwm"
# A single member is a degenerate (point) forecast; the fair form is 0/0 there, and every standard
# estimator gives the exact CRPS of a point mass, |forecast − observed|.
POINT_ESTIMATOR = "nrg"
QUANTILE_METHOD = "weibull"  # plotting positions k/(M+1): see ``coverage``
PIT_SEED = 0  # the default generator's seed, so that PIT values are reproducible unless a caller says otherwise


def crps(ensemble: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of each ensemble forecast against its observation (lower is better, 0 is perfect).

    The fair estimator, chosen on purpose: the replicates are a finite sample from the model's
    predictive distribution, and what the hindcast asks is how good that *distribution* is. The
    standard estimator scores the ensemble's empirical distribution instead, and on average exceeds
    the distribution's CRPS by E|X − X'| / (2M): a penalty for having few replicates that would make
    the skill against the (exact, deterministic) baselines depend on the replicate count rather than
    on the model. The fair estimator removes that term (Ferro 2014, "Fair scores for ensemble
    forecasts", QJRMS 140) and is still non-negative (triangle inequality). With one member there is
    no sample of a distribution to correct, and the score is that of a point forecast, the absolute
    error, which the standard estimator gives exactly.

    ``ensemble`` has shape ``(..., members)``, ``observed`` shape ``(...)``; the result has shape ``(...)``.
    """
    ensemble = np.asarray(ensemble, dtype=float)
    observed = np.asarray(observed, dtype=float)
    if ensemble.ndim == 0 or ensemble.shape[-1] == 0:
        raise ValueError("an ensemble needs a last axis of at least one member")
    estimator = POINT_ESTIMATOR if ensemble.shape[-1] == 1 else FAIR_ESTIMATOR
    return np.asarray(sr.crps_ensemble(observed, ensemble, estimator=estimator, backend="numpy"), dtype=float)


def crps_point(forecast: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of a deterministic forecast (persistence: no change; trend), which equals |forecast − observed|.

    Computed as a one-member ensemble through the same library call as ``crps``, so that the model and
    its baselines are scored by one definition and their ratio (``skill``) is like for like.
    """
    return crps(np.asarray(forecast, dtype=float)[..., None], observed)


def skill(score: np.ndarray, reference: np.ndarray) -> float:
    """Skill score 1 − mean(score) / mean(reference) of a negatively oriented score (CRPS, Brier).

    Positive: better than the reference; 0: no better; negative: worse. Means, not a mean of
    per-outcome ratios, so that outcomes where the reference happened to be nearly right do not
    dominate. Only pairs where both scores exist are compared (the two means must cover the same
    outcomes); NaN when no pair is left or the reference is perfect (mean 0), where skill is undefined.
    """
    score, reference = np.broadcast_arrays(np.asarray(score, dtype=float), np.asarray(reference, dtype=float))
    both = ~(np.isnan(score) | np.isnan(reference))
    if not both.any():
        return float("nan")
    base = reference[both].mean()
    if base == 0:
        return float("nan")
    return float(1 - score[both].mean() / base)


def brier(probability: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Brier score (probability − outcome)² of each probability forecast of a binary event (outcome 1 or 0).

    NaN where the probability or the outcome is missing (the library refuses a NaN outcome, so it is
    masked around the call).
    """
    probability = np.asarray(probability, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    probability, outcome = np.broadcast_arrays(probability, outcome)
    missing = np.isnan(outcome) | np.isnan(probability)
    scores = np.asarray(
        sr.brier_score(np.where(missing, 0.0, outcome), np.where(missing, 0.0, probability), backend="numpy"),
        dtype=float,
    )
    return np.where(missing, np.nan, scores)


def brier_skill(probability: np.ndarray, outcome: np.ndarray, reference_probability: np.ndarray | float) -> float:
    """Brier skill of ``probability`` against a reference forecast of the same events.

    The hindcast's direction checks take ``direction_probability`` of the ensemble's changes and the
    observed direction (1 up, 0 not), against either 0.5 (climatology: no view of the direction; its
    Brier score is 0.25 whatever happens) or a baseline's 0/1 call (the trend's direction).
    """
    reference = np.broadcast_to(np.asarray(reference_probability, dtype=float), np.shape(outcome))
    return skill(brier(probability, outcome), brier(reference, outcome))


def direction_probability(ensemble: np.ndarray) -> np.ndarray:
    """Share of members whose change is positive, ties at exactly 0 counting half: P(change > 0).

    ``ensemble`` holds *changes* from the origin (forecast − value at the origin), shape
    ``(..., members)``. Half for a zero change keeps a forecast of "no change" at 0.5, no view, rather
    than a confident "down". NaN where a member is missing.
    """
    ensemble = np.asarray(ensemble, dtype=float)
    shares = (ensemble > 0).mean(axis=-1) + 0.5 * (ensemble == 0).mean(axis=-1)
    return np.where(np.isnan(ensemble).any(axis=-1), np.nan, shares)


def coverage(ensemble: np.ndarray, observed: np.ndarray, level: float) -> float:
    """Share of observations inside the central ``level`` interval of their ensembles (bounds included).

    The bounds are the ensemble's (1 − level)/2 and (1 + level)/2 quantiles by the Weibull plotting
    positions (``numpy.quantile(method="weibull")``, quantile p at order statistic p·(M + 1)): if the
    observation behaves like one more member, its rank among the M + 1 values is uniform, so the
    k-th of M members sits at probability k/(M + 1) and the interval covers ``level`` in expectation.
    The default linear method (position p·(M − 1) + 1) would cover only about level·(M − 1)/(M + 1),
    about 81 % for a 90 % band of 20 members, and call a calibrated ensemble over-confident.
    An ensemble too small for the level (M < 2/(1 − level) − 1, e.g. under 19 members for 90 %) is
    clipped to its range and covers at most (M − 1)/(M + 1) even when calibrated.

    Outcomes with a missing observation or member are left out; NaN when none is left.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    ensemble = np.asarray(ensemble, dtype=float)
    observed = np.asarray(observed, dtype=float)
    low, high = np.quantile(ensemble, [(1 - level) / 2, (1 + level) / 2], axis=-1, method=QUANTILE_METHOD)
    scored = ~(np.isnan(observed) | np.isnan(low) | np.isnan(high))
    if not scored.any():
        return float("nan")
    inside = (observed >= low) & (observed <= high)
    return float(inside[scored].mean())


def pit(ensemble: np.ndarray, observed: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Probability integral transform of each observation in its ensemble: uniform on [0, 1] if calibrated.

    The randomised rank: with B members below the observation and T equal to it, the observation's
    rank among the M + 1 values is drawn uniformly from B … B + T (ties broken at random) and spread
    uniformly within its 1/(M + 1) slot, i.e. PIT = (B + U·(T + 1)) / (M + 1), U ~ U(0, 1). For an
    observation exchangeable with the members this is exactly uniform on [0, 1], so a histogram with
    any number of bins is flat; without the spread the values would sit on M + 1 points and the bins
    would alias. A U-shape says over-confident (too narrow), a hump under-confident, a slope biased.

    ``rng`` draws U; by default a generator seeded with ``PIT_SEED``, so the same inputs give the same
    values. NaN where the observation or a member is missing.
    """
    ensemble = np.asarray(ensemble, dtype=float)
    observed = np.asarray(observed, dtype=float)
    rng = np.random.default_rng(PIT_SEED) if rng is None else rng
    members = ensemble.shape[-1]
    below = (ensemble < observed[..., None]).sum(axis=-1)
    ties = (ensemble == observed[..., None]).sum(axis=-1)
    values = (below + rng.uniform(size=below.shape) * (ties + 1)) / (members + 1)
    missing = np.isnan(observed) | np.isnan(ensemble).any(axis=-1)
    return np.where(missing, np.nan, values)


def pit_histogram(values: np.ndarray, bins: int = 10) -> np.ndarray:
    """Counts of PIT values in ``bins`` equal bins of [0, 1]; missing values are left out."""
    values = np.asarray(values, dtype=float).ravel()
    counts, _ = np.histogram(values[~np.isnan(values)], bins=bins, range=(0.0, 1.0))
    return counts
